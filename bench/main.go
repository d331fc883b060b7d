// Command bench measures what a request costs through real nginx, side by side: nginx
// alone, nginx asking a do-nothing auth_request responder (the floor of the architecture),
// nginx asking sidewall, and the alternatives an operator would weigh: nginx's own
// limit_req, and ModSecurity v3 with the OWASP CRS inside nginx (Debian's packages).
//
//	go run ./bench                     the side-by-side suite (make bench)
//	go run ./bench -scale              the scale scenarios (make bench-scale)
//	go run ./bench -only sidewall,modsec -duration 10s -rounds 5
//
// # What runs
//
// Every configuration is a server { } block on an nginx of its own (Debian's nginx, the
// project's include files from nginx/, started by internal/stack on free loopback ports),
// so that the CPU time of each can be read from /proc without the others mixed in. They
// share one echo upstream (the "app"), one do-nothing responder and two sidewall
// processes: blocklist and limiter only, and full (WAF on, CRS paranoia level 1). The
// requests come from testdata/*.http: browser-like benign GETs, benign 1 KB POSTs (form
// and JSON), and attack GETs, each sent from many client addresses (X-Forwarded-For,
// which every bench server trusts from 127.0.0.1, as a site behind a load balancer does).
//
// # How it measures
//
// The load generator is wrk (a Debian package), not a Go program: on a 2-core machine
// every microsecond the generator spends is taken from nginx and sidewall, and wrk, C on
// epoll with the requests prepared in Lua beforehand, is about as cheap as a client can
// be: less CPU per request than the do-nothing fasthttp responder spends on the other end
// of the same exchange, most of it in the kernel, where a Go client would need more than
// that (the README gives the figures). wrk's own CPU time is recorded too
// (results.json).
//
// It runs one thread (-threads) with 32
// connections (-conns) by default: one thread can use at most one core, which leaves the
// rest to the servers, and 32 connections keep both nginx workers busy without queueing
// so deep that latency measures the queue (64 gave the same throughput with twice the
// p99). It is not pinned by default (-wrk-cpus pins it with taskset): pinned to one of
// the two cores it left the servers less, and the auth_request configuration, which
// needs the most server CPU, lost a third of its throughput in a trial.
//
// The measurements run in interleaved rounds, A B C ... A B C ..., each for -duration
// after one warm-up pass, so that the drift of a shared machine (other work, thermal
// state, page cache) falls on every configuration alike rather than on whichever ran
// last. Each configuration is reported as the median of its rounds with min-max; its
// ratios to the baseline and to the do-nothing responder are the medians of the ratios
// taken within each round, which cancels most of the drift.
//
// CPU time per request is read from /proc/<pid>/stat (utime+stime, in clock ticks of
// 10 ms) before and after each run, for nginx's master and workers and for the checker
// (the responder or sidewall), and divided by the requests wrk completed. Unlike
// requests/s, it does not depend on how the scheduler shared the two cores, so it is the
// figure to compare across machines.
//
// Before measuring, every request of each corpus is sent once through each configuration
// and its status checked (benign 200, attack 403 where a WAF runs): a configuration whose
// WAF denies benign traffic would otherwise look fast for the wrong reason. Mismatches are
// reported beside the numbers.
//
// Results go to bench/out/: report.md, report.svg (throughput ratios and latency) and
// results.json (every sample); a short table is printed at the end.
//
// # Why a program
//
// The suite is a command rather than a test behind a build tag: it runs for minutes,
// prints progress as it goes (go test holds a package's output until it ends, unless -v),
// takes its own flags without go test's -args dance, installs packages, and has no
// pass or fail to report, only figures. What can be checked is checked by the smoke test
// in smoke_test.go, which runs one short round of two configurations in `go test -tags
// e2e ./bench/` (and so in make test; the tag because it needs nginx and wrk) and asserts
// that the report and its ratios are produced, never a timing.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// roleEnv, when set in the environment, makes this program (or the test binary) run as
// one of the suite's helper processes instead (see helpers.go), listening on the address
// in addrEnv.
const (
	roleEnv = "SIDEWALL_BENCH_ROLE"
	addrEnv = "SIDEWALL_BENCH_ADDR"
)

func main() {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runHelper(role, os.Getenv(addrEnv), os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the suite's settings, from flags.
type options struct {
	Duration time.Duration // of one measurement
	Warmup   time.Duration // of the warm-up pass before the first round
	Rounds   int
	Threads  int    // wrk -t
	Conns    int    // wrk -c
	WrkCPUs  string // taskset -c list for wrk; "" leaves it unpinned
	Workers  int    // nginx worker_processes
	Only     []string
	Out      string // report directory; "" is bench/out of the project
	Install  bool   // install missing Debian packages with scripts/install-deps.sh

	Scale          bool
	ScaleAddrs     int           // distinct client addresses for the limiter scenario
	ScaleCap       int           // the limiter's max_keys in that scenario
	BlocklistSize  int           // entries of the generated blocklist file
	ReloadDuration time.Duration // of the wrk run during which sidewall reloads
	Reloads        int           // SIGHUPs sent during it
}

func defaultOptions() options {
	return options{
		Duration: 5 * time.Second, Warmup: time.Second, Rounds: 3,
		Threads: 1, Conns: 32, Workers: 2, Install: true,
		ScaleAddrs: 1_000_000, ScaleCap: 250_000, BlocklistSize: 1_000_000,
		ReloadDuration: 20 * time.Second, Reloads: 3,
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	o := defaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&o.Duration, "duration", o.Duration, "length of one measurement")
	fs.DurationVar(&o.Warmup, "warmup", o.Warmup, "length of each configuration's warm-up before the first round (0: none)")
	fs.IntVar(&o.Rounds, "rounds", o.Rounds, "interleaved rounds")
	fs.IntVar(&o.Threads, "threads", o.Threads, "wrk threads")
	fs.IntVar(&o.Conns, "conns", o.Conns, "wrk connections")
	fs.StringVar(&o.WrkCPUs, "wrk-cpus", o.WrkCPUs, "pin wrk to these CPUs (taskset -c list, e.g. 1); empty: not pinned")
	fs.IntVar(&o.Workers, "workers", o.Workers, "nginx worker_processes")
	only := fs.String("only", "", "comma-separated measurement ids or prefixes (e.g. baseline,sidewall/get); empty: all. "+
		"The baselines the ratios need are added.")
	fs.StringVar(&o.Out, "out", o.Out, "report directory (default bench/out)")
	fs.BoolVar(&o.Install, "install", o.Install, "install missing Debian packages (wrk, ModSecurity, CRS) with scripts/install-deps.sh")
	fs.BoolVar(&o.Scale, "scale", o.Scale, "run the scale scenarios instead of the side-by-side suite")
	fs.IntVar(&o.ScaleAddrs, "scale-addrs", o.ScaleAddrs, "distinct client addresses sent through the limiter")
	fs.IntVar(&o.ScaleCap, "scale-cap", o.ScaleCap, "the limiter's max_keys in the second limiter run (the first uses the default, 1000000)")
	fs.IntVar(&o.BlocklistSize, "blocklist-size", o.BlocklistSize, "entries of the generated blocklist file")
	fs.DurationVar(&o.ReloadDuration, "reload-duration", o.ReloadDuration, "length of the wrk run during which sidewall reloads")
	fs.IntVar(&o.Reloads, "reloads", o.Reloads, "SIGHUPs sent to sidewall during that run")
	list := fs.Bool("list", false, "list the measurements and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, m := range allMeasurements() {
			fmt.Fprintf(stdout, "%-16s %s\n", m.ID, m.Title)
		}
		return 0
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	if o.Rounds < 1 || o.Duration < time.Second || o.Threads < 1 || o.Conns < o.Threads || o.Workers < 1 {
		fmt.Fprintln(stderr, "bench: need -rounds >= 1, -duration >= 1s, -threads >= 1, -conns >= -threads, -workers >= 1")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if o.Scale {
		_, err = runScale(ctx, o, stdout, stderr)
	} else {
		_, err = runSuite(ctx, o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	return 0
}
