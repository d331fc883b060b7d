package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sidewall/sidewall/admin"
	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/redisconn"
)

// demoAdminToken is the token of config.toml's demo admin API: public, so sidewall warns
// when it runs with it.
const demoAdminToken = "demo-token-not-a-secret"

// dynamic is what lives beside the policy and outlives reloads: the bans store, the loop
// that applies auto-bans and expiries, the sharing of bans through Redis, and the admin
// API.
type dynamic struct {
	store    *bans.Store
	shared   sharing       // how bans are shared; zero when they are not
	admin    *admin.Server // nil when [admin] listens nowhere
	adminLns []net.Listener
	socket   string // the admin socket file, removed at stop
	stopRun  context.CancelFunc
	runDone  sync.WaitGroup
	client   *redisconn.Conn // the bans' Redis connection, when shared
}

// sharing is what bans are shared through: with ratelimit.backend "redis", that Redis
// (its connection settings only) under bans.redis_key. It is fixed at start.
type sharing struct {
	conn redisConn
	key  string
}

// sharingOf returns how cfg shares bans; the zero value when it does not.
func sharingOf(cfg *config.Config) sharing {
	if cfg.RateLimit.Backend != "redis" {
		return sharing{}
	}
	return sharing{conn: redisConnOf(cfg.RateLimit.Redis), key: cfg.Bans.RedisKey}
}

// openDynamic opens the bans store and reads the admin token: what -t checks too. It
// starts nothing.
func openDynamic(cfg *config.Config) (*dynamic, string, error) {
	var errs []error
	token, err := adminToken(cfg.Admin)
	if err != nil {
		errs = append(errs, err)
	}
	shared := sharingOf(cfg)
	if shared != (sharing{}) {
		// Read at Start; checked here so that -t trips over a bad file as a start would.
		if _, err := redisTLS(shared.conn.tls); err != nil {
			errs = append(errs, err)
		}
	}
	store, err := bans.Open(bans.Options{
		File:    cfg.Bans.File,
		Set:     blocklist.Options{FalsePositiveRate: cfg.Blocklist.FalsePositiveRate},
		Journal: shared != sharing{},
	}, time.Now())
	if err != nil {
		errs = append(errs, fmt.Errorf("bans.file: %w", err))
	}
	if len(errs) > 0 {
		return nil, "", errors.Join(errs...)
	}
	return &dynamic{store: store, shared: shared}, token, nil
}

// adminToken returns the admin token of c: admin.token, or the content of
// admin.token_file without surrounding white space.
func adminToken(c config.Admin) (string, error) {
	if c.TokenFile == "" {
		return c.Token, nil
	}
	b, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("admin.token_file: %w", err)
	}
	t := strings.TrimSpace(string(b))
	if err := config.CheckToken(t); err != nil {
		return "", fmt.Errorf("admin.token_file %s: %w", c.TokenFile, err)
	}
	return t, nil
}

// start runs the bans loop, the sharing of bans through Redis and, when configured, the
// admin API.
//
// ops are more admin endpoints (metrics, reload) by their ServeMux pattern.
func (d *dynamic) start(c config.Admin, token string, logger *slog.Logger, ops map[string]http.Handler) error {
	ctx, cancel := context.WithCancel(context.Background())
	d.stopRun = cancel
	report := func(e bans.Event) { logBansEvent(logger, e) }
	d.runDone.Add(1)
	go func() {
		defer d.runDone.Done()
		d.store.Run(ctx, time.Now, report)
	}()
	if d.shared != (sharing{}) {
		conn, err := d.shared.conn.dial("bans", logger)
		if conn == nil {
			return fmt.Errorf("bans: %w", err)
		}
		// A Redis that is down at start is retried: the bans apply locally meanwhile.
		d.client = conn
		replicator, err := bans.NewReplicator(conn, d.store, d.shared.key)
		if err != nil {
			return err
		}
		logger.Info("bans: shared through redis", "redis", d.shared.conn.String(), "key", d.shared.key)
		d.runDone.Add(1)
		go func() {
			defer d.runDone.Done()
			replicator.Run(ctx, time.Now, report)
		}()
	}
	if !c.Enabled() {
		return nil
	}
	lns, err := listen(c.Listen, c.Socket, c.SocketMode)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	if token == demoAdminToken {
		logger.Warn("admin API: running with the public demo token of config.toml; anyone on this host can ban. Set admin.token or admin.token_file")
	}
	d.admin, d.adminLns, d.socket = admin.New(admin.Options{Token: token, Logger: logger}), lns, c.Socket
	admin.NewBansAPI(d.store, time.Now, logger).Register(d.admin)
	for pattern, h := range ops {
		d.admin.Handle(pattern, h)
	}
	for _, ln := range lns {
		logger.Info("admin API listening", "addr", ln.Addr().String(), "network", ln.Addr().Network())
		go func() {
			if err := d.admin.Serve(ln); err != nil {
				logger.Error("admin API failed", "addr", ln.Addr().String(), "error", err.Error())
			}
		}()
	}
	return nil
}

// reloaded applies what a reload may change here: the admin token, read by the reload
// before it published anything. The sharing of bans keeps the Redis it started with:
// restartOnly refuses a change to it.
func (d *dynamic) reloaded(token string) {
	if d.admin != nil {
		d.admin.SetToken(token)
	}
}

// stop ends the admin API and the bans loop, and writes the ban file if its last write
// failed.
func (d *dynamic) stop(ctx context.Context, logger *slog.Logger) {
	if d.admin != nil {
		if err := d.admin.Shutdown(ctx); err != nil {
			logger.Error("stop: admin requests still in flight were cut", "error", err.Error())
		}
		if d.socket != "" {
			os.Remove(d.socket)
		}
	}
	if d.stopRun != nil {
		d.stopRun()
		d.runDone.Wait()
	}
	if d.client != nil {
		d.client.Close()
	}
	if d.store.Stats().Unsaved {
		if err := d.store.Save(); err != nil {
			logger.Error("stop: the bans could not be saved; changes since the last save are lost", "error", err.Error())
		}
	}
}

// logBansEvent logs what the bans loop did. Auto-bans were logged with their evidence
// when they were decided; this records that they applied.
func logBansEvent(logger *slog.Logger, e bans.Event) {
	switch e.Kind {
	case bans.EventBanned:
		for _, b := range e.Bans {
			logger.Info("ban applied", "action", "ban", "source", b.Source, "prefix", b.Prefix.String(),
				"reason", b.Reason, "expires", expiry(b))
		}
	case bans.EventExpired:
		for _, b := range e.Bans {
			logger.Info("ban expired", "action", "unban", "source", b.Source, "prefix", b.Prefix.String(),
				"reason", b.Reason)
		}
	case bans.EventRemoteBan:
		for _, b := range e.Bans {
			logger.Info("ban applied from another replica", "action", "ban", "source", b.Source,
				"prefix", b.Prefix.String(), "reason", b.Reason, "expires", expiry(b))
		}
	case bans.EventRemoteUnban:
		for _, b := range e.Bans {
			logger.Info("ban lifted on another replica", "action", "unban", "prefix", b.Prefix.String())
		}
	case bans.EventSynced:
		logger.Info("bans: synchronised through redis", "added", e.Added, "removed", e.Removed)
	case bans.EventRedisDown:
		logger.Warn("bans: redis unreachable; bans apply locally and are shared once it answers", "error", e.Err.Error())
	case bans.EventError:
		logger.Error("bans", "error", e.Err.Error())
	}
}

// expiry formats a ban's expiry for the log.
func expiry(b bans.Ban) string {
	if b.Expires.IsZero() {
		return "never"
	}
	return b.Expires.Format(time.RFC3339)
}
