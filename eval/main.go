// Command eval measures the WAF's precision and recall through real nginx and sidewall:
// it replays a benign corpus that imitates the traffic of a site behind sidewall and an
// attack corpus by class (eval/testdata, written by eval/corpus's generators) under a
// few configurations, and writes what each configuration denied.
//
//	go run ./eval                       all configurations (make eval)
//	go run ./eval -only default -conc 2
//
// # What runs
//
// One sidewall with the project's config.toml (its listen address rewritten, the admin
// API off, as internal/stack runs it for the tests) plus a profile of the eval's own,
// "eval-paranoia2" ([waf] at paranoia level 2); one nginx with the project's nginx/
// files and a server block per configuration, each a copy of the example site's
// "location /" (the body path, sidewall-body.conf, so bodies are inspected) that sets
// $sidewall_profile; and the echo upstream. The configurations: "default" ([waf] as
// shipped: paranoia level 1, anomaly threshold 5), "paranoia2" and "api" (the shipped
// profile for JSON APIs, threshold 10).
//
// Each request goes out as its stored bytes on a keep-alive connection, with an
// X-Forwarded-For of its own from 198.18.0.0/15, so no rate limit counts two requests
// of the corpus against each other. The answer carries sidewall's verdict in headers the
// server blocks add (X-Eval-Status, -Action, -Rules, -Request-Id: the variables of the
// "sidewall" log format), which joins every request to its decision without reading a
// log; the rules' messages and matched data of the denials come from sidewall's own log
// lines, by request id.
//
// # What it reports
//
// For each configuration: the share of benign requests denied, overall, by kind and by
// rule (in how many denied benign requests each rule matched, and in how many benign
// requests at all); the share of attack samples detected, by class and by where the
// payload was. eval/out/ gets report.md, report.svg and results.json, which also lists
// every denied benign request (with what each rule matched) and every attack sample
// that passed. A request nginx refuses before sidewall is asked (a malformed target) is
// counted apart, in neither share.
//
// A fixed slice of the same runs in make test (eval_test.go), with thresholds.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/sidewall/sidewall/eval/corpus"
	"github.com/sidewall/sidewall/internal/stack"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	Out  string   // report directory; "" is eval/out
	Only []string // setting ids; empty: all
	Conc int      // connections per setting
	Tune bool     // measure sidewall tune on the default setting (tune.go)
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Out, "out", "", "report directory (default eval/out)")
	only := fs.String("only", "", "comma-separated configurations (default, paranoia2, api); empty: all")
	fs.IntVar(&o.Conc, "conc", 4, "connections in flight per configuration")
	fs.BoolVar(&o.Tune, "tune", true, "also measure sidewall tune: learn from half the benign corpus, replay the other half and the attacks")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *only != "" {
		o.Only = strings.Split(*only, ",")
	}
	if o.Out == "" {
		root, err := stack.ProjectDir()
		if err != nil {
			fmt.Fprintln(stderr, "eval:", err)
			return 1
		}
		o.Out = filepath.Join(root, "eval", "out")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := evaluate(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "eval:", err)
		return 1
	}
	if t := rep.Tuning; t != nil {
		fmt.Fprintf(stdout, "tuning     %d proposals from %d denials of one half; the other half's benign denied %d -> %d of %d, attacks detected %d -> %d\n",
			t.Proposals, t.TrainDenied, t.TestBefore, t.TestAfter, t.TestTotal, t.AttacksBefore, t.AttacksAfter)
	}
	for _, s := range rep.Settings {
		fmt.Fprintf(stdout, "%-10s benign denied %5d of %5d (%5s)   attacks detected %4d of %4d (%5s)   %s\n", s.Setting.ID,
			s.Benign.Denied, s.Benign.Total, pct(s.Benign.Denied, s.Benign.Total), s.Attack.Detected, s.Attack.Total, pct(s.Attack.Detected, s.Attack.Total), s.Setting.Title)
	}
	fmt.Fprintf(stdout, "\nreport: %s\nchart:  %s\n", filepath.Join(o.Out, "report.md"), filepath.Join(o.Out, "report.svg"))
	return 0
}

// evaluate replays the whole corpus under the chosen settings and writes the report
// into o.Out.
func evaluate(ctx context.Context, o options, stderr io.Writer) (*report, error) {
	root, err := stack.ProjectDir()
	if err != nil {
		return nil, err
	}
	files, err := corpus.Load(filepath.Join(root, "eval", "testdata"))
	if err != nil {
		return nil, err
	}
	var reqs []*corpus.Request
	for _, f := range files {
		for i := range f.Requests {
			reqs = append(reqs, &f.Requests[i])
		}
	}
	settings := defaultSettings()
	if len(o.Only) > 0 {
		settings = slices.DeleteFunc(settings, func(s setting) bool { return !slices.Contains(o.Only, s.ID) })
		if len(settings) == 0 {
			return nil, fmt.Errorf("no configuration among %v", o.Only)
		}
	}
	start := time.Now()
	fmt.Fprintf(stderr, "eval: building and starting sidewall and nginx\n")
	b, err := startBench(ctx, settings)
	if err != nil {
		return nil, err
	}
	defer b.close()
	rep := &report{Started: start, Machine: machine(), Rules: map[int]string{}}
	for _, r := range reqs {
		if r.Class == "" {
			rep.Benign++
		} else {
			rep.Attack++
		}
	}
	titles := ruleTitles()
	var defaultOuts []outcome // for the tuning step, which comes last: it changes sidewall's configuration
	var defaultSetting setting
	for si, s := range b.settings {
		t0 := time.Now()
		last := time.Now()
		outs := b.replay(ctx, s, reqs, si*len(reqs), o.Conc, func(done int) {
			if time.Since(last) > 5*time.Second || done == len(reqs) {
				last = time.Now()
				fmt.Fprintf(stderr, "eval: %-10s %5d/%d requests\n", s.ID, done, len(reqs))
			}
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		attachMatches(b.sw.Logs(), outs)
		if s.ID == "default" {
			defaultOuts, defaultSetting = outs, s
		}
		res := summarize(s, outs)
		res.Elapsed = time.Since(t0).Round(time.Second).String()
		for _, rr := range res.Benign.ByRule {
			rep.Rules[rr.ID] = titles[rr.ID]
		}
		rep.Settings = append(rep.Settings, res)
	}
	if o.Tune && defaultOuts != nil {
		t, err := b.tuneAndReplay(ctx, defaultSetting, reqs, defaultOuts, len(b.settings)*len(reqs), o.Conc, stderr)
		if err != nil {
			return nil, fmt.Errorf("tuning: %w", err)
		}
		rep.Tuning = t
	}
	rep.Elapsed = time.Since(start).Round(time.Second).String()
	if err := rep.write(o.Out); err != nil {
		return nil, err
	}
	return rep, nil
}
