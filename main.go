// Command sidewall is the decision service beside nginx: for every request nginx's
// auth_request module asks it about, it answers allow (204) or deny (403) after an IP
// blocklist, rate limits and the OWASP Core Rule Set.
//
//	sidewall [-config FILE]     run (default: the embedded config.toml)
//	sidewall -t [-config FILE]  check the configuration and exit, like nginx -t
//	sidewall -version
//
// Signals: SIGHUP reloads the configuration (a bad one keeps the old running); SIGTERM and
// SIGINT stop accepting connections, let the decisions in flight finish, and exit.
// Blocklist files are also reloaded on their own when they change (lists.go).
//
// This file is the composition root: it reads flags and the configuration, builds the
// parts (policy.go translates the configuration into the options of the check packages;
// bans.go wires the bans store, its sharing through Redis and the admin API), and runs the
// server. Nothing imports it.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/server"
	"github.com/sidewall/sidewall/waf"
)

// defaultConfig is config.toml, the configuration sidewall runs with when no -config is
// given (and the demo's).
//
//go:embed config.toml
var defaultConfig []byte

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in, so that tests can call it. It returns
// the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("sidewall", flag.ContinueOnError)
	flags.SetOutput(stderr)
	configPath := flags.String("config", "", "configuration `file` (default: the embedded config.toml)")
	check := flags.Bool("t", false, "check the configuration, print the result and exit")
	showVersion := flags.Bool("version", false, "print the version and exit")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "sidewall: unexpected argument %q\n", flags.Arg(0))
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "sidewall", version)
		return 0
	}

	name, cfg, err := loadConfig(*configPath)
	if err != nil {
		fmt.Fprintf(stderr, "sidewall: configuration %s is invalid:\n%v\n", name, err)
		return 1
	}
	// Build everything, WAF rules and list files included, so that -t catches what a
	// start would trip over. A Redis that is down is not among those: the rate limits
	// fall back, and the log says so.
	logger := newLogger(cfg.Log, stderr)
	b := builder{log: logger}
	defer b.close()
	p, err := b.build(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "sidewall: configuration %s is invalid:\n%v\n", name, err)
		return 1
	}
	dyn, adminToken, err := openDynamic(cfg) // the bans file and the admin token
	if err != nil {
		fmt.Fprintf(stderr, "sidewall: configuration %s is invalid:\n%v\n", name, err)
		return 1
	}
	if *check {
		fmt.Fprintf(stdout, "sidewall: configuration %s is ok\n", name)
		return 0
	}

	srv := server.New(p, server.Options{
		MaxHeaderBytes: cfg.Server.MaxHeaderBytes,
		MaxBodyBytes:   cfg.Server.MaxBodyBytes,
		TrustedPeers:   trustedPeers(cfg.Server.TrustedPeers),
		ReadTimeout:    cfg.Server.ReadTimeout.Duration,
		WriteTimeout:   cfg.Server.WriteTimeout.Duration,
		IdleTimeout:    cfg.Server.IdleTimeout.Duration,
		Logger:         logger,
		Bans:           dyn.store,
	})
	listeners, err := listen(cfg.Server)
	if err != nil {
		fmt.Fprintf(stderr, "sidewall: %v\n", err)
		return 1
	}
	serveErr := make(chan error, len(listeners))
	for _, ln := range listeners {
		logger.Info("listening", "addr", ln.Addr().String(), "network", ln.Addr().Network(),
			"version", version, "waf_regex", waf.RegexEngine())
		go func() { serveErr <- srv.Serve(ln) }()
	}
	// Metrics: a registry of our own (nothing registers globally), served by the admin
	// listener beside the bans API, never on the auth path.
	reg := prometheus.NewRegistry()
	reloads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "sidewall", Name: "reloads_total",
		Help: "Reloads by what (config: SIGHUP or POST /reload; lists: a changed list file) and result (ok, failed).",
	}, []string{"what", "result"})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), srv, reloads)
	reloadReq := make(chan chan error)
	ops := map[string]http.Handler{
		"GET /metrics": promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		"POST /reload": reloadHandler(reloadReq),
	}
	if err := dyn.start(cfg.Admin, adminToken, logger, ops); err != nil {
		fmt.Fprintf(stderr, "sidewall: %v\n", err)
		return 1
	}
	lists := newListWatch(cfg.Blocklist, b.stamps) // reloads changed list files
	lists.reloads = reloads
	defer lists.stop()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	for {
		select {
		case err := <-serveErr:
			logger.Error("serve failed", "error", err.Error())
			return 1
		case <-lists.tick():
			lists.poll(srv, logger)
		case done := <-reloadReq:
			next, err := reload(&b, srv, *configPath, cfg, logger)
			if next != nil {
				cfg = next
				lists.reset(cfg.Blocklist, b.stamps)
				dyn.reloaded(cfg, logger)
			}
			countReload(reloads, "config", err)
			done <- err
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				next, err := reload(&b, srv, *configPath, cfg, logger)
				if next != nil {
					cfg = next
					lists.reset(cfg.Blocklist, b.stamps)
					dyn.reloaded(cfg, logger)
				}
				countReload(reloads, "config", err)
				continue
			}
			logger.Info("stopping", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := srv.Shutdown(ctx)
			dyn.stop(ctx, logger)
			cancel()
			if cfg.Server.Socket != "" {
				os.Remove(cfg.Server.Socket)
			}
			if err != nil {
				logger.Error("stop: decisions still in flight were cut", "error", err.Error())
				return 1
			}
			logger.Info("stopped")
			return 0
		}
	}
}

// loadConfig reads the file at path, or the embedded default when path is "".
func loadConfig(path string) (string, *config.Config, error) {
	if path == "" {
		cfg, err := config.Parse("config.toml (embedded)", defaultConfig)
		return "config.toml (embedded)", cfg, err
	}
	cfg, err := config.Load(path)
	return path, cfg, err
}

// reload re-reads the configuration and publishes a new policy, and returns the new
// configuration, or nil and why when it kept the running one. Settings that cannot change
// while running (the listeners, the ban file) are refused with a message, and a
// configuration that fails to load or build keeps the running policy.
func reload(b *builder, srv *server.Server, path string, running *config.Config, logger *slog.Logger) (*config.Config, error) {
	name, cfg, err := loadConfig(path)
	if err == nil && (cfg.Server.Listen != running.Server.Listen || cfg.Server.Socket != running.Server.Socket) {
		err = errors.New("server.listen and server.socket cannot change while running; restart sidewall to move it")
	}
	if err == nil {
		err = fixedDynamic(running, cfg)
	}
	var p *server.Policy
	if err == nil {
		p, err = b.build(cfg)
	}
	if err != nil {
		logger.Error("reload refused; the running configuration stays", "config", name, "error", err.Error())
		return nil, err
	}
	old := srv.Policy()
	srv.SetPolicy(p)
	// Releases the old engines' share of Coraza's process-wide pattern cache; safe while
	// requests that started with them are still inspecting.
	old.CloseEngines()
	logger.Info("reloaded", "config", name)
	return cfg, nil
}

// countReload counts one reload of what by its result.
func countReload(reloads *prometheus.CounterVec, what string, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	reloads.WithLabelValues(what, result).Inc()
}

// reloadHandler is the admin API's POST /reload: it asks the main loop to reload (the
// same as SIGHUP, serialised with it) and answers 200, or 422 with why the running
// configuration stays.
func reloadHandler(req chan<- chan error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan error, 1)
		select {
		case req <- done:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := <-done; err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"status": "reloaded"})
	})
}

// listen opens the TCP listener and, when configured, the unix socket.
func listen(c config.Server) ([]net.Listener, error) {
	tcp, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.Listen, err)
	}
	lns := []net.Listener{tcp}
	if c.Socket == "" {
		return lns, nil
	}
	// A socket file left by a process that died would make the bind fail.
	if fi, err := os.Lstat(c.Socket); err == nil && fi.Mode()&os.ModeSocket != 0 {
		os.Remove(c.Socket)
	}
	unix, err := net.Listen("unix", c.Socket)
	if err != nil {
		tcp.Close()
		return nil, fmt.Errorf("listen on %s: %w", c.Socket, err)
	}
	if err := os.Chmod(c.Socket, c.SocketMode); err != nil {
		tcp.Close()
		unix.Close()
		return nil, fmt.Errorf("chmod %s: %w", c.Socket, err)
	}
	return append(lns, unix), nil
}

// trustedPeers converts server.trusted_peers (validated by config) for the server; an
// empty list trusts every peer.
func trustedPeers(list []string) []netip.Prefix {
	if len(list) == 0 {
		return nil
	}
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := blocklist.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// newLogger builds the process logger from the [log] table.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
