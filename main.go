// Command sidewall is the decision service beside nginx: for every request nginx's
// auth_request module asks it about, it answers allow (204) or deny (403) after an IP
// blocklist, rate limits and the OWASP Core Rule Set.
//
//	sidewall [-config FILE]     run (default: the embedded config.toml)
//	sidewall -t [-config FILE]  check the configuration and exit, like nginx -t
//	sidewall -version
//	sidewall tune [-min-count N] [-global-paths N] [LOG...]
//	                            propose WAF exclusions from a decision log (package tune)
//
// Signals: SIGHUP reloads the configuration (a bad one keeps the old running); SIGTERM and
// SIGINT stop accepting connections, let the decisions in flight finish, and exit 0.
// Both are answered from the moment the process starts: during the start (the WAF takes
// a good part of a second to build) a SIGHUP reloads once sidewall runs, and SIGTERM
// ends the start and exits 0. Blocklist files are also reloaded on their own when they
// change.
//
// This file is the composition root: it reads the flags, answers the signals, and leaves
// the building, starting, reloading and stopping to package daemon. Nothing imports it.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/daemon"
	"github.com/sidewall/sidewall/tune"
)

// defaultConfig is config.toml, the configuration sidewall runs with when no -config is
// given (and the demo's).
//
//go:embed config.toml
var defaultConfig []byte

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// stopTimeout bounds how long SIGTERM waits for the decisions in flight.
const stopTimeout = 10 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main with its inputs and outputs passed in, so that tests can call it. It returns
// the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "tune" {
		return runTune(args[1:], os.Stdin, stdout, stderr)
	}
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

	// Signals are ours from the start: one that arrived before signal.Notify would take
	// its default action and kill the process, and building the WAF takes a good part of
	// a second. -t takes them as any command does.
	var signals chan os.Signal
	if !*check {
		signals = make(chan os.Signal, 4)
		signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
		defer signal.Stop(signals)
	}

	src := daemon.Source{Path: *configPath, Default: defaultConfig}
	name, cfg, err := src.Load()
	if err != nil {
		fmt.Fprintf(stderr, "sidewall: configuration %s is invalid:\n%v\n", name, err)
		return 1
	}
	logger, level := daemon.NewLogger(cfg.Log, stderr)
	opts := daemon.Options{Source: src, Logger: logger, Level: level, Version: version}
	if *check {
		svc, _, code := build(name, cfg, opts, nil, stderr)
		if svc == nil {
			return code
		}
		svc.Stop(context.Background())
		fmt.Fprintf(stdout, "sidewall: configuration %s is ok\n", name)
		return 0
	}
	logger.Info("starting", "config", name, "version", version)
	svc, reload, code := build(name, cfg, opts, signals, stderr)
	if svc == nil {
		return code
	}
	return serve(svc, reload, signals, logger, stderr)
}

// build builds the service while answering the signals that arrive meanwhile (the WAF
// takes a good part of a second). A SIGHUP is owed a reload once the service runs: the
// file may have changed since it was read. SIGTERM or SIGINT end the start once the build
// returns, releasing what it built; build then returns a nil service and exit code 0. A
// configuration that fails to build returns a nil service and exit code 1, having said
// why on stderr.
func build(name string, cfg *config.Config, opts daemon.Options, signals <-chan os.Signal, stderr io.Writer) (svc *daemon.Service, reload bool, code int) {
	type built struct {
		svc *daemon.Service
		err error
	}
	done := make(chan built, 1)
	go func() {
		svc, err := daemon.New(cfg, opts)
		done <- built{svc, err}
	}()
	logger := opts.Logger
	var stopping bool
	for {
		select {
		case sig := <-signals:
			switch {
			case stopping:
			case sig != syscall.SIGHUP:
				logger.Info("stopping", "signal", sig.String(), "during", "start")
				stopping = true
			case !reload:
				logger.Info("reload queued: SIGHUP during start", "signal", sig.String())
				reload = true
			}
		case b := <-done:
			if b.err != nil {
				fmt.Fprintf(stderr, "sidewall: configuration %s is invalid:\n%v\n", name, b.err)
				return nil, false, 1
			}
			if stopping {
				b.svc.Stop(context.Background())
				logger.Info("stopped")
				return nil, false, 0
			}
			return b.svc, reload, 0
		}
	}
}

// serve starts svc, reloads it first when a SIGHUP came during the build, and answers
// signals until one stops it. It returns the exit code.
func serve(svc *daemon.Service, reload bool, signals <-chan os.Signal, logger *slog.Logger, stderr io.Writer) int {
	if err := svc.Start(); err != nil {
		fmt.Fprintf(stderr, "sidewall: %v\n", err)
		svc.Stop(context.Background())
		return 1
	}
	if reload {
		svc.Reload() // logs and counts the outcome
	}
	for {
		select {
		case err := <-svc.Failed():
			logger.Error("serve failed", "error", err.Error())
			stop(svc, logger)
			return 1
		case sig := <-signals:
			if sig == syscall.SIGHUP {
				svc.Reload()
				continue
			}
			logger.Info("stopping", "signal", sig.String())
			return stop(svc, logger)
		}
	}
}

// stop stops svc, letting the decisions in flight finish for stopTimeout at most, and
// returns the exit code.
func stop(svc *daemon.Service, logger *slog.Logger) int {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	if err := svc.Stop(ctx); err != nil {
		logger.Error("stop: decisions still in flight were cut", "error", err.Error())
		return 1
	}
	logger.Info("stopped")
	return 0
}

// runTune is `sidewall tune`: it reads decision logs (the files named, or standard input)
// and writes proposed [[waf.exclusions]] to stdout.
func runTune(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("sidewall tune", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintln(stderr, "usage: sidewall tune [-min-count N] [-global-paths N] [LOG...]")
		fmt.Fprintln(stderr, "Reads sidewall's JSON decision log (run with waf.mode = \"detect\" to log every request the WAF")
		fmt.Fprintln(stderr, "would deny) and writes proposed [[waf.exclusions]] as TOML, for you to review.")
		flags.PrintDefaults()
	}
	minCount := flags.Int("min-count", 2, "matches of a rule in a variable on a path before an exclusion is proposed")
	globalPaths := flags.Int("global-paths", 3, "paths a rule must have matched a variable on to be proposed for every path")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	var decisions []tune.Decision
	read := func(r io.Reader) error {
		ds, err := tune.Read(r)
		decisions = append(decisions, ds...)
		return err
	}
	if flags.NArg() == 0 {
		if err := read(stdin); err != nil {
			fmt.Fprintf(stderr, "sidewall tune: %v\n", err)
			return 1
		}
	}
	for _, name := range flags.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "sidewall tune: %v\n", err)
			return 1
		}
		err = read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "sidewall tune: %s: %v\n", name, err)
			return 1
		}
	}
	ps := tune.Propose(decisions, tune.Options{MinCount: *minCount, GlobalPaths: *globalPaths})
	if err := tune.WriteTOML(stdout, ps, len(decisions)); err != nil {
		fmt.Fprintf(stderr, "sidewall tune: %v\n", err)
		return 1
	}
	return 0
}
