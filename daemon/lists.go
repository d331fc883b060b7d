package daemon

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/filewatch"
	"github.com/sidewall/sidewall/server"
)

// listWatch reloads the blocklist files when they change. The main loop polls it on its
// ticker; a change (see filewatch: size, time, inode; stable for one poll) rebuilds the
// blocklist part only and publishes a shallow copy of the running policy with the new
// sets, so that the rate limiters and the WAF are the very same objects and no counter
// is lost. A file that fails to load keeps the running sets, and the log says why.
//
// It runs on the main goroutine, like SIGHUP's reload, so that the two never publish
// over each other. A listWatch is not safe for concurrent use.
type listWatch struct {
	cfg      config.Blocklist
	interval time.Duration
	poller   *filewatch.Poller // nil when off: no files, watching off, or the blocklist off
	ticker   *time.Ticker
	reloads  *prometheus.CounterVec // counts reloads by result, when set
}

// newListWatch watches the files of c, whose loaded versions are stamps.
func newListWatch(c config.Blocklist, stamps []filewatch.Stamp) *listWatch {
	w := &listWatch{}
	w.reset(c, stamps)
	return w
}

// reset watches the files of c from now on (after a SIGHUP reload read them).
func (w *listWatch) reset(c config.Blocklist, stamps []filewatch.Stamp) {
	w.cfg = c
	w.poller = nil
	if c.Enabled && len(c.Files) > 0 && c.WatchInterval.Duration > 0 {
		w.poller = filewatch.New(c.Files, stamps)
	}
	if w.poller == nil || w.interval != c.WatchInterval.Duration {
		w.stop()
	}
	if w.poller != nil && w.ticker == nil {
		w.interval = c.WatchInterval.Duration
		w.ticker = time.NewTicker(w.interval)
	}
}

// tick returns the channel the main loop waits on; nil (never ready) when off.
func (w *listWatch) tick() <-chan time.Time {
	if w.ticker == nil {
		return nil
	}
	return w.ticker.C
}

// stop stops the ticker.
func (w *listWatch) stop() {
	if w.ticker != nil {
		w.ticker.Stop()
		w.ticker, w.interval = nil, 0
	}
}

// poll checks the files and, when they changed, reloads them into srv. It reports
// whether it published a new policy.
func (w *listWatch) poll(srv *server.Server, logger *slog.Logger) bool {
	if w.poller == nil || !w.poller.Poll() {
		return false
	}
	return w.reload(srv, logger)
}

// reload rebuilds the blocklist from w's configuration and publishes it in a copy of the
// running policy; on failure the running policy stays.
func (w *listWatch) reload(srv *server.Server, logger *slog.Logger) bool {
	start := time.Now()
	sets, err := buildBlocklist(w.cfg, logger)
	if w.reloads != nil {
		countReload(w.reloads, "lists", err)
	}
	if err != nil {
		logger.Error("blocklist reload refused; the running lists stay", "files", w.cfg.Files, "error", err.Error())
		return false
	}
	p := *srv.Policy() // a shallow copy: limiters, WAF and the rest are shared, not rebuilt
	p.Block, p.Allow = sets.block, sets.allow
	srv.SetPolicy(&p)
	st := sets.block.Stats()
	logger.Info("blocklist reloaded", "files", w.cfg.Files, "entries", sets.block.Len(),
		"bytes", st.Bytes, "took", time.Since(start).String())
	return true
}
