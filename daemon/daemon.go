// Package daemon runs sidewall: it builds the parts a configuration asks for, starts
// them, reloads them and stops them. Package main reads the flags and the signals and
// calls it; nothing else does.
//
// # Start
//
// [New] translates a [config.Config] into the check packages' options (build.go: the
// blocklist with its list files, the rate limiters and their Redis client, the WAF
// engines, auto-ban) and opens the bans store and the admin token (dynamic.go). It listens
// nowhere, so `sidewall -t` runs New to check everything a start would trip over.
// [Service.Start] then opens the listeners, serves, starts the admin API and the bans
// loop, and begins watching the list files.
//
// # Reload
//
// A reload (SIGHUP through main, or POST /reload on the admin API) reads the
// configuration again, refuses it when it changes a setting only a restart can apply
// (reload.go names each key), builds a new [server.Policy] and publishes it in one step;
// anything that fails keeps the running configuration, and says why. Reloads and the
// list watcher's reloads run one at a time on the service's own goroutine, so that no
// two publish over each other.
//
// # Stop
//
// [Service.Stop] stops accepting connections, lets the decisions in flight finish (until
// its context ends), stops the admin API and the bans loop, saves bans not yet saved,
// and releases the Redis clients.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/server"
	"github.com/sidewall/sidewall/waf"
)

// Source is where the configuration comes from: the file at Path, or Default when Path
// is "" (main embeds config.toml there).
type Source struct {
	Path    string
	Default []byte
}

// Load reads and parses the configuration; name is what messages call it.
func (s Source) Load() (name string, cfg *config.Config, err error) {
	if s.Path == "" {
		name = "config.toml (embedded)"
		cfg, err = config.Parse(name, s.Default)
		return name, cfg, err
	}
	cfg, err = config.Load(s.Path)
	return s.Path, cfg, err
}

// Options are what a Service needs besides its configuration.
type Options struct {
	// Source is where a reload reads the configuration.
	Source Source
	// Logger receives the service's log lines, the server's denials included. Nil
	// discards.
	Logger *slog.Logger
	// Level, when set, is Logger's level: a reload sets it to the new log.level.
	Level *slog.LevelVar
	// Version is logged when the service starts listening.
	Version string
}

// Service is a running sidewall: the decision server on its listeners, the admin API,
// the bans loop and the list watcher, with the configuration they run.
//
// New builds one, Start starts it, Stop ends it; each is called once, Stop also after a
// failed Start or instead of Start. Reload may be called from any goroutine once Start
// has returned.
type Service struct {
	log     *slog.Logger
	level   *slog.LevelVar // nil when the level is not the service's to set
	version string
	source  Source
	cfg     *config.Config // the running configuration; the loop's once it runs
	b       builder
	srv     *server.Server
	dyn     *dynamic
	token   string // the admin token read by New
	reg     *prometheus.Registry
	reloads *prometheus.CounterVec

	lists     *listWatch // from Start on
	socket    string     // the unix socket file Start made; removed at Stop
	failed    chan error // a listener's Serve returned
	reloadReq chan chan error
	quit      chan struct{} // closed by Stop
	loopDone  chan struct{} // closed when the loop has returned; nil before Start
}

// New builds everything cfg asks for, the WAF rules, list files, bans file and admin
// token included, and starts nothing. A Redis that is down is no error: the rate limits
// fall back, and the log says so.
func New(cfg *config.Config, opts Options) (*Service, error) {
	s := &Service{log: opts.Logger, level: opts.Level, version: opts.Version, source: opts.Source, cfg: cfg,
		reloadReq: make(chan chan error), quit: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.b.log = s.log
	p, err := s.b.build(cfg)
	if err != nil {
		return nil, err
	}
	if s.dyn, s.token, err = openDynamic(cfg); err != nil {
		p.CloseEngines()
		s.b.close()
		return nil, err
	}
	s.srv = server.New(p, server.Options{
		MaxHeaderBytes: cfg.Server.MaxHeaderBytes,
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
		ReadTimeout:    cfg.Server.ReadTimeout.Duration,
		WriteTimeout:   cfg.Server.WriteTimeout.Duration,
		IdleTimeout:    cfg.Server.IdleTimeout.Duration,
		Logger:         s.log,
		Bans:           s.dyn.store,
	})
	// Metrics: a registry of our own (nothing registers globally), served by the admin
	// listener beside the bans API, never on the auth path.
	s.reg = prometheus.NewRegistry()
	s.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sidewall", Name: "reloads_total",
		Help: "Reloads by what (config: SIGHUP or POST /reload; lists: a changed list file) and result (ok, failed).",
	}, []string{"what", "result"})
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), s.srv, s.reloads)
	return s, nil
}

// Start listens, serves, starts the admin API and the bans loop, and watches the list
// files. On error the caller still calls Stop, to close what did start.
func (s *Service) Start() error {
	lns, err := listen(s.cfg.Server.Listen, s.cfg.Server.Socket, s.cfg.Server.SocketMode)
	if err != nil {
		return err
	}
	s.socket = s.cfg.Server.Socket
	s.failed = make(chan error, len(lns))
	// The admin API starts before the decision listeners serve (they are bound, so nginx's
	// connections wait in the backlog): once /auth answers, /bans and /metrics do too, and
	// whatever waits for the first answer (a unit's start, a test) can use both.
	ops := map[string]http.Handler{
		"GET /metrics": promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}),
		"POST /reload": s.reloadHandler(),
	}
	if err := s.dyn.start(s.cfg.Admin, s.token, s.log, ops); err != nil {
		for _, ln := range lns {
			ln.Close()
		}
		return err
	}
	for _, ln := range lns {
		s.log.Info("listening", "addr", ln.Addr().String(), "network", ln.Addr().Network(),
			"version", s.version, "waf_regex", waf.RegexEngine())
		go func() { s.failed <- s.srv.Serve(ln) }()
	}
	s.lists = newListWatch(s.cfg.Blocklist, s.b.stamps)
	s.lists.reloads = s.reloads
	s.loopDone = make(chan struct{})
	go s.loop()
	return nil
}

// Failed receives an error when a listener stops serving on its own (not through Stop).
func (s *Service) Failed() <-chan error { return s.failed }

// loop owns the running configuration and the list watcher from Start to Stop: reloads
// and list reloads run on it one at a time.
func (s *Service) loop() {
	defer close(s.loopDone)
	for {
		select {
		case <-s.quit:
			return
		case <-s.lists.tick():
			s.lists.poll(s.srv, s.log)
		case done := <-s.reloadReq:
			done <- s.reload()
		}
	}
}

// errStopping answers a reload asked for while the service stops.
var errStopping = errors.New("daemon: sidewall is stopping")

// Reload reads the configuration again and applies it, or keeps the running one and
// returns why (the log says so too). It waits for any reload already running.
func (s *Service) Reload() error {
	done := make(chan error, 1)
	select {
	case s.reloadReq <- done:
		return <-done
	case <-s.quit:
		return errStopping
	}
}

// reload is Reload on the loop: it applies the whole new configuration and returns nil,
// or none of it and returns why. A configuration that fails to load, changes a setting
// only a restart can apply (restartOnly names it), or fails to build keeps the running
// one. Everything that can fail runs before anything is published; the build goes last,
// since a successful one commits the limiters it kept.
func (s *Service) reload() error {
	name, next, err := s.source.Load()
	if err == nil {
		err = restartOnly(s.cfg, next)
	}
	var token string
	if err == nil {
		token, err = adminToken(next.Admin)
	}
	var p *server.Policy
	if err == nil {
		p, err = s.b.build(next)
	}
	countReload(s.reloads, "config", err)
	if err != nil {
		s.log.Error("reload refused; the running configuration stays", "config", name, "error", err.Error())
		return err
	}
	old := s.srv.Policy()
	s.srv.SetPolicy(p)
	// Releases the old engines' share of Coraza's process-wide pattern cache; safe while
	// requests that started with them are still inspecting.
	old.CloseEngines()
	if s.level != nil {
		s.level.Set(logLevel(next.Log))
	}
	s.dyn.reloaded(token)
	s.lists.reset(next.Blocklist, s.b.stamps)
	s.cfg = next
	s.log.Info("reloaded", "config", name)
	return nil
}

// countReload counts one reload of what by its result.
func countReload(reloads *prometheus.CounterVec, what string, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	reloads.WithLabelValues(what, result).Inc()
}

// reloadHandler is the admin API's POST /reload: the same as SIGHUP, serialised with it.
// It answers 200, or 422 with why the running configuration stays.
func (s *Service) reloadHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := s.Reload()
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"status": "reloaded"})
	})
}

// Stop stops accepting connections and waits for the decisions in flight, or for ctx;
// then it stops the admin API and the bans loop, saves the bans, and releases the Redis
// clients. It returns an error when ctx ended before every decision was answered.
func (s *Service) Stop(ctx context.Context) error {
	close(s.quit)
	if s.loopDone != nil {
		<-s.loopDone
	}
	if s.lists != nil {
		s.lists.stop()
	}
	err := s.srv.Shutdown(ctx)
	s.dyn.stop(ctx, s.log)
	if s.socket != "" {
		os.Remove(s.socket)
	}
	s.b.close()
	if err != nil {
		return fmt.Errorf("daemon: stop: %w", err)
	}
	return nil
}
