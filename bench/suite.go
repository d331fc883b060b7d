package main

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

//go:embed testdata/wrk.lua
var wrkScript []byte

// distinctAddrs is how many client addresses the bench traffic of the side-by-side suite
// comes from.
const distinctAddrs = 256

// suite is one run of the side-by-side measurements: the processes it started and where
// each configuration listens.
type suite struct {
	o        options
	root     string // the project directory
	dir      string // scratch directory, removed at the end
	gen      loadgen
	progress *progress

	app       *helperProc
	responder *helperProc
	redis     *stack.Redis // for checkLiteRedis
	sidewalls map[checker]*stack.Sidewall
	nginx     map[string]*stack.Nginx // by target id
	urls      map[string]string       // by target id

	corpus      map[kind][]corpusRequest
	data        map[kind]string   // Lua data file of each kind
	script      string            // wrk.lua
	unavailable map[string]string // target id -> why it is not measured
}

// runSuite runs the side-by-side suite and writes its report.
func runSuite(ctx context.Context, o options, stdout, stderr io.Writer) (*report, error) {
	sel, err := selectMeasurements(o.Only)
	if err != nil {
		return nil, err
	}
	root, err := stack.ProjectDir()
	if err != nil {
		return nil, err
	}
	if o.Out == "" {
		o.Out = filepath.Join(root, "bench", "out")
	}
	s := &suite{
		o: o, root: root,
		gen:         loadgen{Threads: o.Threads, Conns: o.Conns, CPUs: o.WrkCPUs},
		progress:    newProgress(stderr),
		sidewalls:   map[checker]*stack.Sidewall{},
		nginx:       map[string]*stack.Nginx{},
		urls:        map[string]string{},
		corpus:      map[kind][]corpusRequest{},
		data:        map[kind]string{},
		unavailable: map[string]string{},
	}
	defer s.close()
	rep := newReport(o, sel)
	s.progress.say("bench: setting up %d measurements", len(sel))
	if err := s.setup(ctx, sel); err != nil {
		return nil, err
	}
	for id, why := range s.unavailable {
		rep.setUnavailable(id, why)
	}
	// Check what each configuration answers before measuring it.
	for _, m := range sel {
		if _, ok := s.unavailable[m.Target.ID]; ok {
			continue
		}
		problems, broken := s.probe(ctx, m)
		if broken != "" {
			s.unavailable[m.Target.ID] = broken
			rep.setUnavailable(m.Target.ID, broken)
			continue
		}
		rep.row(m.ID).Problems = problems
	}
	var run []measurement
	for _, m := range sel {
		if _, ok := s.unavailable[m.Target.ID]; !ok {
			run = append(run, m)
		}
	}
	if len(run) == 0 {
		return nil, errors.New("nothing to measure")
	}
	loadStart := loadAverage()
	start := time.Now()
	total := time.Duration(len(run)) * (o.Warmup + time.Duration(o.Rounds)*time.Duration(wholeSeconds(o.Duration))*time.Second)
	if o.Warmup > 0 {
		for i, m := range run {
			s.progress.update("warm-up %d/%d  %-16s  %s left", i+1, len(run), m.ID, left(start, total))
			if _, _, err := s.gen.run(ctx, s.urls[m.Target.ID], o.Warmup, s.script, s.data[m.Kind]); err != nil {
				return nil, fmt.Errorf("%s: %w", m.ID, err)
			}
		}
	}
	for r := 1; r <= o.Rounds; r++ {
		for i, m := range run {
			s.progress.update("round %d/%d  %2d/%d %-16s  %s left", r, o.Rounds, i+1, len(run), m.ID, left(start, total))
			sm, err := s.measure(ctx, m, r)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m.ID, err)
			}
			rep.row(m.ID).Samples = append(rep.row(m.ID).Samples, sm)
			s.progress.update("round %d/%d  %2d/%d %-16s  %8.0f req/s  %s left", r, o.Rounds, i+1, len(run), m.ID, sm.RPS, left(start, total))
		}
	}
	s.progress.done()
	for _, c := range sidewallCheckers() {
		if sw := s.sidewalls[c]; sw != nil {
			if mem, err := readMemory(sw.Pid()); err == nil {
				rep.Memory = append(rep.Memory, memoryRow{Process: string(c), RSSKiB: mem.RSS, HWMKiB: mem.HWM})
			}
		}
	}
	rep.Elapsed = time.Since(start)
	rep.Machine = describeMachine(ctx, s.needModSec(sel))
	rep.Machine.LoadStart = loadStart
	rep.compute()
	if err := rep.write(o.Out); err != nil {
		return nil, err
	}
	rep.printTable(stdout)
	fmt.Fprintf(stdout, "\nreport: %s\nchart:  %s\n", filepath.Join(o.Out, "report.md"), filepath.Join(o.Out, "report.svg"))
	return rep, nil
}

// sidewallCheckers are the checkers that are sidewall processes (a function, so that
// nothing can change the list).
func sidewallCheckers() []checker { return []checker{checkLite, checkLiteRedis, checkFull} }

func left(start time.Time, total time.Duration) string {
	d := total - time.Since(start)
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

func (s *suite) needModSec(sel []measurement) bool {
	for _, m := range sel {
		if m.Target.ModSec {
			return true
		}
	}
	return false
}

// setup installs what is missing and starts every process the selected measurements need.
func (s *suite) setup(ctx context.Context, sel []measurement) error {
	need := map[string]bool{}
	kinds := map[kind]bool{}
	checkers := map[checker]bool{}
	for _, m := range sel {
		need[m.Target.ID] = true
		kinds[m.Kind] = true
		checkers[m.Target.Checker] = true
	}
	pkgs := []string{"wrk"}
	if s.needModSec(sel) {
		pkgs = append(pkgs, modsecPackages...)
	}
	if err := installDeps(ctx, s.root, s.o.Install, pkgs, s.progress); err != nil {
		return err
	}
	var err error
	if s.dir, err = os.MkdirTemp("", "sidewall-bench-"); err != nil {
		return err
	}
	s.script = filepath.Join(s.dir, "wrk.lua")
	if err := os.WriteFile(s.script, wrkScript, 0o644); err != nil {
		return err
	}
	addrs := clientAddrs(distinctAddrs)
	for k := range kinds {
		if s.corpus[k], err = loadCorpus(filepath.Join(s.root, "bench"), k); err != nil {
			return err
		}
		s.data[k] = filepath.Join(s.dir, string(k)+".lua")
		if err := writeLuaData(s.data[k], s.corpus[k], addrs); err != nil {
			return err
		}
	}

	// The body path is being built beside the bench: measure it only once its include is
	// in the tree, and never stand something else in for it.
	if why := bodyPathMissing(s.root); why != "" {
		for _, id := range []string{"bodynop", "sidewallbody"} {
			if need[id] {
				s.unavailable[id] = why
				delete(need, id)
			}
		}
	}

	if s.app, err = startHelper(ctx, roleApp); err != nil {
		return err
	}
	if checkers[checkResponder] {
		s.progress.say("bench: starting the do-nothing responder")
		if s.responder, err = startHelper(ctx, roleResponder); err != nil {
			return err
		}
	}
	if checkers[checkLiteRedis] {
		s.progress.say("bench: starting redis-server")
		if s.redis, err = stack.StartRedis(ctx, s.dir); err != nil {
			return err
		}
	}
	if checkers[checkLite] || checkers[checkLiteRedis] || checkers[checkFull] {
		s.progress.say("bench: building sidewall")
		bin, err := stack.BuildSidewall(s.dir)
		if err != nil {
			return err
		}
		for _, c := range sidewallCheckers() {
			if !checkers[c] {
				continue
			}
			s.progress.say("bench: starting %s", c)
			sc := swConfig{WAF: c == checkFull}
			if c == checkLiteRedis {
				sc.Redis = s.redis.Addr
			}
			if s.sidewalls[c], err = startBenchSidewall(ctx, bin, s.dir, string(c), sc); err != nil {
				return err
			}
		}
	}
	var modsecRules string
	if need["modsec"] {
		mdir := filepath.Join(s.dir, "modsecurity")
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return err
		}
		if modsecRules, err = writeModSecRules(mdir); err != nil {
			return err
		}
	}
	for _, m := range sel {
		t := m.Target
		if !need[t.ID] || s.nginx[t.ID] != nil {
			continue
		}
		s.progress.say("bench: starting nginx for %s", t.ID)
		n, url, err := s.startNginx(ctx, t, modsecRules)
		if err != nil {
			if t.Body {
				// The include is there but does not work the way bodyServer uses it.
				s.unavailable[t.ID] = "nginx/sidewall-body.conf is in the tree, but nginx did not start with the bench's body-path server block (bench/targets.go, bodyServer): " + firstLine(err.Error())
				continue
			}
			return err
		}
		s.nginx[t.ID], s.urls[t.ID] = n, url
	}
	return nil
}

// bodyPathMissing says why the body path cannot be measured in the project at root, or
// returns "" when its include is there.
func bodyPathMissing(root string) string {
	if _, err := os.Stat(filepath.Join(root, "nginx", "sidewall-body.conf")); err != nil {
		return "not yet available: nginx/sidewall-body.conf is not in the tree"
	}
	return ""
}

// startNginx starts the nginx of one configuration.
func (s *suite) startNginx(ctx context.Context, t *target, modsecRules string) (*stack.Nginx, string, error) {
	listen, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	dir := filepath.Join(s.dir, "nginx-"+t.ID)
	opts := stack.NginxOptions{
		Dir:           dir,
		NoExampleSite: true,
		Workers:       s.o.Workers,
		HTTP:          nginxHTTP(t, s.app.Addr),
		Servers:       []string{nginxServer(t, listen, filepath.Join(dir, "logs", "error.log"), modsecRules)},
	}
	switch t.Checker {
	case checkResponder:
		opts.Sidewall = s.responder.Addr
	case checkLite, checkLiteRedis, checkFull:
		opts.Sidewall = s.sidewalls[t.Checker].Addr
	}
	if t.ModSec {
		opts.Main = "load_module " + modsecModule + ";"
	}
	n, err := stack.StartNginx(ctx, opts)
	if err != nil {
		return nil, "", err
	}
	return n, "http://" + listen + "/", nil
}

// startBenchSidewall writes the configuration c (on a free port) as dir/name.toml and
// starts sidewall with it.
func startBenchSidewall(ctx context.Context, bin, dir, name string, c swConfig) (*stack.Sidewall, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	c.Listen = addr
	cfg := filepath.Join(dir, name+".toml")
	if err := os.WriteFile(cfg, []byte(c.text()), 0o644); err != nil {
		return nil, err
	}
	return stack.StartSidewall(ctx, bin, cfg, addr)
}

// probe sends every request of m's corpus once and checks the answer: the expected status,
// and for a 200 that the app answered (its X-Echo-Method) with the whole body. It returns
// the mismatches, or, when the configuration does not work at all (a body path that is
// not wired as the bench expects), why it cannot be measured.
func (s *suite) probe(ctx context.Context, m measurement) (problems []string, broken string) {
	addr := strings.TrimSuffix(strings.TrimPrefix(s.urls[m.Target.ID], "http://"), "/")
	from := clientAddrs(1)[0]
	for _, r := range s.corpus[m.Kind] {
		status, echoMethod, echoLen, err := roundTrip(ctx, addr, r.raw(from))
		what := r.Method + " " + r.Target
		if len(what) > 60 {
			what = what[:57] + "..."
		}
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", what, err))
		case status != m.Expect():
			problems = append(problems, fmt.Sprintf("%s: %d, want %d", what, status, m.Expect()))
		case status == 200 && (echoMethod != r.Method || echoLen != len(r.Body)):
			problems = append(problems, fmt.Sprintf("%s: the app got %q with a %d-byte body, want %q with %d bytes",
				what, echoMethod, echoLen, r.Method, len(r.Body)))
		default:
			continue
		}
		if m.Target.Body && (err != nil || status != 403) {
			// Not a WAF verdict (those are 403) but the wiring: the body path as bodyServer
			// uses it does not work.
			return nil, "nginx/sidewall-body.conf is in the tree, but the bench's body-path server block (bench/targets.go, bodyServer) does not work with it: " + problems[len(problems)-1]
		}
	}
	return problems, ""
}

// roundTrip sends one raw request on a new connection and reads the answer.
func roundTrip(ctx context.Context, addr, raw string) (status int, echoMethod string, echoLen int, err error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, "", 0, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := io.WriteString(c, raw); err != nil {
		return 0, "", 0, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	n, _ := strconv.Atoi(resp.Header.Get("X-Echo-Body-Length"))
	return resp.StatusCode, resp.Header.Get("X-Echo-Method"), n, nil
}

// measure runs one measurement and accounts for the CPU time of every process involved.
func (s *suite) measure(ctx context.Context, m measurement, round int) (sample, error) {
	// Looked up for each run: nginx accepts connections (which is what StartNginx waits
	// for) before it has forked all its workers.
	ng := nginxGroup(s.nginx[m.Target.ID].Pid())
	var chk group
	switch m.Target.Checker {
	case checkResponder:
		chk = group{pids: []int{s.responder.Pid()}}
	case checkLite, checkFull:
		chk = group{pids: []int{s.sidewalls[m.Target.Checker].Pid()}}
	case checkLiteRedis:
		// redis-server's time is part of what a shared limit costs.
		chk = group{pids: []int{s.sidewalls[m.Target.Checker].Pid(), s.redis.Pid()}}
	}
	app := group{pids: []int{s.app.Pid()}}
	n0, c0, a0 := ng.ticks(), chk.ticks(), app.ticks()
	res, wrkCPU, err := s.gen.run(ctx, s.urls[m.Target.ID], s.o.Duration, s.script, s.data[m.Kind])
	if err != nil {
		return sample{}, err
	}
	n1, c1, a1 := ng.ticks(), chk.ticks(), app.ticks()
	return sample{
		Round: round, Requests: res.Requests, RPS: res.RPS(),
		P50US: res.P50US, P90US: res.P90US, P99US: res.P99US,
		Non2xx: res.Status, SocketErrors: res.SocketErrors(),
		NginxUS:   usPerRequest(n1-n0, res.Requests),
		CheckerUS: usPerRequest(c1-c0, res.Requests),
		AppUS:     usPerRequest(a1-a0, res.Requests),
		WrkUS:     float64(wrkCPU.Microseconds()) / float64(max(res.Requests, 1)),
	}, nil
}

func (s *suite) close() {
	for _, n := range s.nginx {
		n.Stop()
	}
	for _, sw := range s.sidewalls {
		sw.Stop()
	}
	if s.redis != nil {
		s.redis.Stop()
	}
	if s.responder != nil {
		s.responder.Stop()
	}
	if s.app != nil {
		s.app.Stop()
	}
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func freeAddr() (string, error) {
	p, err := stack.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// installDeps runs scripts/install-deps.sh for the packages the run needs (it does
// nothing for those installed already); with install off it only checks for wrk.
func installDeps(ctx context.Context, root string, install bool, pkgs []string, p *progress) error {
	if !install {
		if _, err := exec.LookPath("wrk"); err != nil {
			return errors.New("wrk not found: install it (apt-get install wrk), or run without -install=false")
		}
		return nil
	}
	var missing []string
	for _, pkg := range pkgs {
		if exec.CommandContext(ctx, "dpkg", "-s", pkg).Run() != nil {
			missing = append(missing, pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	p.say("bench: installing %s", strings.Join(missing, " "))
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "install-deps.sh"), missing...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("install-deps.sh %s: %w\n%s", strings.Join(missing, " "), err, out)
	}
	return nil
}
