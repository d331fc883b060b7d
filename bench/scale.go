package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

//go:embed testdata/distinct.lua
var distinctScript []byte

// The scale scenarios (go run ./bench -scale, make bench-scale) ask how sidewall behaves
// at sizes the side-by-side suite never reaches:
//
//  1. limiter: -scale-addrs distinct client addresses (1M) sent straight to sidewall's
//     /auth (nginx would only slow the drive down; the limiter sees the same requests),
//     once with the default max_keys (1M) and once with -scale-cap (250k) so that the
//     table must evict. RSS is read after every chunk of the drive: with the cap reached
//     it must stay flat.
//  2. blocklist: a generated file of -blocklist-size entries (1M: IPv4 addresses, /24s and
//     IPv6 /48s). Load time (start to /healthz) and RSS against an empty list, and the
//     lookup cost: sidewall's CPU time per /auth request for unlisted and for listed
//     addresses, against the empty list, in interleaved rounds.
//  3. reload: sidewall with the WAF behind nginx under the benign GET load for
//     -reload-duration, with -reloads SIGHUPs spread over it. nginx's access log ($msec,
//     $status) gives requests/s in 250 ms buckets: the dip after each reload, the errors,
//     and sidewall's log the time each reload took.

// scaleReport is what bench/out/scale.json holds.
type scaleReport struct {
	Started   time.Time     `json:"started"`
	Machine   machine       `json:"machine"`
	Limiter   []limiterRun  `json:"limiter"`
	Blocklist *blocklistRun `json:"blocklist,omitempty"`
	Reload    *reloadRun    `json:"reload,omitempty"`
}

type limiterStep struct {
	Addrs  int64   `json:"addresses"`
	RSSKiB int64   `json:"rss_kib"`
	RPS    float64 `json:"rps"`
}

type limiterRun struct {
	MaxKeys      int           `json:"max_keys"`
	Addrs        int64         `json:"addresses"`
	RSSBeforeKiB int64         `json:"rss_before_kib"`
	RSSAfterKiB  int64         `json:"rss_after_kib"`
	PeakKiB      int64         `json:"peak_rss_kib"`
	RPS          float64       `json:"rps"`
	CPUUS        float64       `json:"cpu_us_per_request"`
	Non2xx       int64         `json:"non_2xx"`
	SocketErrors int64         `json:"socket_errors"`
	Steps        []limiterStep `json:"steps"`
}

type lookupRow struct {
	Name  string  `json:"name"`
	RPS   float64 `json:"rps"`
	CPUUS float64 `json:"cpu_us_per_request"`
}

type blocklistRun struct {
	Entries      int           `json:"entries"`
	FileBytes    int64         `json:"file_bytes"`
	StartEmpty   time.Duration `json:"start_empty_ns"`
	StartFull    time.Duration `json:"start_full_ns"`
	RSSEmptyKiB  int64         `json:"rss_empty_kib"`
	RSSFullKiB   int64         `json:"rss_full_kib"`
	PeakFullKiB  int64         `json:"peak_rss_full_kib"`
	Lookups      []lookupRow   `json:"lookups"`
	LookupRounds int           `json:"lookup_rounds"`
}

type bucket struct {
	T      float64 `json:"t_s"` // start of the bucket, seconds since the load started
	RPS    float64 `json:"rps"`
	Errors int     `json:"errors"` // answers other than 200 (and 499, wrk hanging up at the end)
}

type reloadEvent struct {
	At       float64 `json:"at_s"`
	ReloadMS float64 `json:"reload_ms"` // SIGHUP to sidewall's "reloaded" log line; -1: none seen
	MinRPS   float64 `json:"min_rps"`   // lowest bucket from the SIGHUP to a second after the reload
	Errors   int     `json:"errors"`
}

type reloadRun struct {
	Duration     string        `json:"duration"`
	SteadyRPS    float64       `json:"steady_rps"` // median bucket before the first reload
	Requests     int64         `json:"requests"`
	Non200       int           `json:"non_200"` // in the buckets, 499 aside
	SocketErrors int64         `json:"socket_errors"`
	Events       []reloadEvent `json:"events"`
	Buckets      []bucket      `json:"buckets"`
}

const bucketWidth = 250 * time.Millisecond

// runScale runs the three scale scenarios and writes scale.md, scale.svg and scale.json.
func runScale(ctx context.Context, o options, stdout, stderr io.Writer) (*scaleReport, error) {
	root, err := stack.ProjectDir()
	if err != nil {
		return nil, err
	}
	if o.Out == "" {
		o.Out = filepath.Join(root, "bench", "out")
	}
	p := newProgress(stderr)
	if err := installDeps(ctx, root, o.Install, []string{"wrk"}, p); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sidewall-bench-scale-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p.say("bench: building sidewall")
	bin, err := stack.BuildSidewall(dir)
	if err != nil {
		return nil, err
	}
	gen := loadgen{Threads: o.Threads, Conns: o.Conns, CPUs: o.WrkCPUs}
	rep := &scaleReport{Started: time.Now()}
	loadStart := loadAverage()

	for _, maxKeys := range []int{1_000_000, o.ScaleCap} {
		run, err := scaleLimiter(ctx, bin, dir, gen, o.ScaleAddrs, maxKeys, p)
		if err != nil {
			return nil, fmt.Errorf("limiter scenario: %w", err)
		}
		rep.Limiter = append(rep.Limiter, run)
	}
	if rep.Blocklist, err = scaleBlocklist(ctx, bin, dir, gen, o.BlocklistSize, p); err != nil {
		return nil, fmt.Errorf("blocklist scenario: %w", err)
	}
	if rep.Reload, err = scaleReload(ctx, root, bin, dir, gen, o, p); err != nil {
		return nil, fmt.Errorf("reload scenario: %w", err)
	}
	p.done()
	rep.Machine = describeMachine(ctx, false)
	rep.Machine.LoadStart = loadStart

	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(o.Out, "scale.json"), append(js, '\n'), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "scale.svg"), []byte(rep.Reload.chart()), 0o644); err != nil {
		return nil, err
	}
	var b strings.Builder
	rep.markdown(&b)
	if err := os.WriteFile(filepath.Join(o.Out, "scale.md"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	rep.printSummary(stdout)
	fmt.Fprintf(stdout, "\nreport: %s\n", filepath.Join(o.Out, "scale.md"))
	return rep, nil
}

// scaleLimiter drives addrs distinct client addresses through one sidewall whose limiter
// keeps at most maxKeys keys, in chunks of two seconds, reading its RSS after each.
func scaleLimiter(ctx context.Context, bin, dir string, gen loadgen, addrs, maxKeys int, p *progress) (limiterRun, error) {
	run := limiterRun{MaxKeys: maxKeys}
	p.say("bench: limiter, %d distinct addresses, max_keys %d", addrs, maxKeys)
	sw, err := startBenchSidewall(ctx, bin, dir, fmt.Sprintf("limiter-%d", maxKeys), swConfig{MaxKeys: maxKeys})
	if err != nil {
		return run, err
	}
	defer sw.Stop()
	script := filepath.Join(dir, "distinct.lua")
	if err := os.WriteFile(script, distinctScript, 0o644); err != nil {
		return run, err
	}
	mem, err := readMemory(sw.Pid())
	if err != nil {
		return run, err
	}
	run.RSSBeforeKiB = mem.RSS
	chk := group{pids: []int{sw.Pid()}}
	t0 := chk.ticks()
	var reqs int64
	var busy time.Duration
	deadline := time.Now().Add(5 * time.Minute) // bounded, whatever the machine's speed
	for run.Addrs < int64(addrs) && time.Now().Before(deadline) {
		res, _, err := gen.run(ctx, "http://"+sw.Addr+"/", 2*time.Second, script,
			strconv.FormatInt(run.Addrs, 10), strconv.Itoa(gen.Threads))
		if err != nil {
			return run, err
		}
		run.Addrs += res.Requests
		reqs += res.Requests
		busy += time.Duration(res.DurationUS) * time.Microsecond
		run.Non2xx += res.Status
		run.SocketErrors += res.SocketErrors()
		m, err := readMemory(sw.Pid())
		if err != nil {
			return run, err
		}
		run.Steps = append(run.Steps, limiterStep{Addrs: run.Addrs, RSSKiB: m.RSS, RPS: res.RPS()})
		p.update("limiter max_keys %d: %d/%d addresses, RSS %.0f MiB, %.0f req/s", maxKeys, run.Addrs, addrs, float64(m.RSS)/1024, res.RPS())
	}
	run.CPUUS = usPerRequest(chk.ticks()-t0, reqs)
	if busy > 0 {
		run.RPS = float64(reqs) / busy.Seconds()
	}
	if mem, err = readMemory(sw.Pid()); err != nil {
		return run, err
	}
	run.RSSAfterKiB, run.PeakKiB = mem.RSS, mem.HWM
	return run, nil
}

// blocklistFile writes n entries the way public lists mix them: mostly single IPv4
// addresses, one in twenty a /24, one in twenty an IPv6 /48. Every IPv4 entry has a first
// octet from 1 to 99, so addresses from 150.0.0.0/8 are never listed. It returns the
// first 256 single addresses, for listed lookups.
func blocklistFile(path string, n int) ([]netip.Addr, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	var listed []netip.Addr
	fmt.Fprintf(w, "# generated by the sidewall bench: %d entries\n", n)
	for i := 0; i < n; i++ {
		v4 := [4]byte{byte(1 + rng.IntN(99)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))}
		switch i % 20 {
		case 0:
			v4[3] = 0
			fmt.Fprintf(w, "%s/24\n", netip.AddrFrom4(v4))
		case 1:
			var v6 [16]byte
			v6[0], v6[1] = 0x2a, byte(rng.IntN(16))
			for j := 2; j < 6; j++ {
				v6[j] = byte(rng.IntN(256))
			}
			fmt.Fprintf(w, "%s/48\n", netip.AddrFrom16(v6))
		default:
			a := netip.AddrFrom4(v4)
			if len(listed) < 256 {
				listed = append(listed, a)
			}
			fmt.Fprintln(w, a)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return nil, err
	}
	return listed, f.Close()
}

// authRequest is an /auth subrequest as sidewall-auth-proxy.conf makes it, from addr.
func authRequest(addr netip.Addr) string {
	return "GET /auth HTTP/1.1\r\nHost: sidewall\r\nX-Sidewall-Method: GET\r\n" +
		"X-Sidewall-URI: /products/4711?color=navy\r\nX-Sidewall-Host: shop.example.com\r\n" +
		"X-Sidewall-Addr: " + addr.String() + "\r\nX-Sidewall-Protocol: HTTP/1.1\r\n" +
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html\r\n\r\n"
}

func writeAuthData(path string, addrs []netip.Addr) error {
	var b strings.Builder
	b.WriteString("return {\n")
	for _, a := range addrs {
		b.WriteString(luaQuote(authRequest(a)) + ",\n")
	}
	b.WriteString("}\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func scaleBlocklist(ctx context.Context, bin, dir string, gen loadgen, n int, p *progress) (*blocklistRun, error) {
	p.say("bench: blocklist, generating %d entries", n)
	list := filepath.Join(dir, "blocklist.txt")
	listed, err := blocklistFile(list, n)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(list)
	if err != nil {
		return nil, err
	}
	run := &blocklistRun{Entries: n, FileBytes: fi.Size(), LookupRounds: 3}

	start := time.Now()
	empty, err := startBenchSidewall(ctx, bin, dir, "blocklist-empty", swConfig{NoLimiter: true})
	if err != nil {
		return nil, err
	}
	defer empty.Stop()
	run.StartEmpty = time.Since(start)
	p.say("bench: blocklist, loading %d entries", n)
	start = time.Now()
	full, err := startBenchSidewall(ctx, bin, dir, "blocklist-full", swConfig{NoLimiter: true, Files: []string{list}})
	if err != nil {
		return nil, err
	}
	defer full.Stop()
	run.StartFull = time.Since(start)
	if m, err := readMemory(empty.Pid()); err == nil {
		run.RSSEmptyKiB = m.RSS
	}
	if m, err := readMemory(full.Pid()); err == nil {
		run.RSSFullKiB, run.PeakFullKiB = m.RSS, m.HWM
	}

	script := filepath.Join(dir, "wrk.lua")
	if err := os.WriteFile(script, wrkScript, 0o644); err != nil {
		return nil, err
	}
	var unlisted []netip.Addr
	for i := 0; i < 256; i++ {
		unlisted = append(unlisted, netip.AddrFrom4([4]byte{150, byte(i * 7), byte(i), byte(1 + i%250)}))
	}
	missData, hitData := filepath.Join(dir, "unlisted.lua"), filepath.Join(dir, "listed.lua")
	if err := writeAuthData(missData, unlisted); err != nil {
		return nil, err
	}
	if err := writeAuthData(hitData, listed); err != nil {
		return nil, err
	}
	cases := []struct {
		name string
		sw   *stack.Sidewall
		data string
	}{
		{"empty list, unlisted addresses", empty, missData},
		{fmt.Sprintf("%d entries, unlisted addresses", n), full, missData},
		{fmt.Sprintf("%d entries, listed addresses (403, logged)", n), full, hitData},
	}
	rps := make([][]float64, len(cases))
	cpu := make([][]float64, len(cases))
	for r := 0; r < run.LookupRounds; r++ {
		for i, c := range cases {
			p.update("blocklist lookups: round %d/%d, %s", r+1, run.LookupRounds, c.name)
			g := group{pids: []int{c.sw.Pid()}}
			t0 := g.ticks()
			res, _, err := gen.run(ctx, "http://"+c.sw.Addr+"/", 3*time.Second, script, c.data)
			if err != nil {
				return nil, err
			}
			rps[i] = append(rps[i], res.RPS())
			cpu[i] = append(cpu[i], usPerRequest(g.ticks()-t0, res.Requests))
		}
	}
	for i, c := range cases {
		run.Lookups = append(run.Lookups, lookupRow{Name: c.name, RPS: median(rps[i]), CPUUS: median(cpu[i])})
	}
	if m, err := readMemory(full.Pid()); err == nil {
		run.PeakFullKiB = m.HWM
	}
	return run, nil
}

func scaleReload(ctx context.Context, root, bin, dir string, gen loadgen, o options, p *progress) (*reloadRun, error) {
	p.say("bench: reload under load, %s with %d SIGHUPs", o.ReloadDuration, o.Reloads)
	sw, err := startBenchSidewall(ctx, bin, dir, "reload", swConfig{WAF: true})
	if err != nil {
		return nil, err
	}
	defer sw.Stop()
	app, err := startHelper(ctx, roleApp)
	if err != nil {
		return nil, err
	}
	defer app.Stop()
	listen, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ndir := filepath.Join(dir, "nginx-reload")
	accessLog := filepath.Join(ndir, "logs", "timing.log")
	t := lookupTarget("sidewall")
	server := strings.Replace(nginxServer(t, listen, filepath.Join(ndir, "logs", "error.log"), ""),
		"access_log off;", "access_log "+accessLog+" bench_timing buffer=256k flush=1s;", 1)
	n, err := stack.StartNginx(ctx, stack.NginxOptions{
		Dir: ndir, NoExampleSite: true, Workers: o.Workers, Sidewall: sw.Addr,
		HTTP:    nginxHTTP(t, app.Addr) + "    log_format bench_timing '$msec $status';\n",
		Servers: []string{server},
	})
	if err != nil {
		return nil, err
	}
	defer n.Stop()

	reqs, err := loadCorpus(filepath.Join(root, "bench"), kindGet)
	if err != nil {
		return nil, err
	}
	script, data := filepath.Join(dir, "wrk.lua"), filepath.Join(dir, "get.lua")
	if err := os.WriteFile(script, wrkScript, 0o644); err != nil {
		return nil, err
	}
	if err := writeLuaData(data, reqs, clientAddrs(distinctAddrs)); err != nil {
		return nil, err
	}
	// Warm up first, so that the steady rate before the first reload is a steady one.
	if _, _, err := gen.run(ctx, "http://"+listen+"/", 2*time.Second, script, data); err != nil {
		return nil, err
	}
	// Entries of the warm-up still in nginx's log buffer land before start and are
	// dropped by bucketize.
	if err := os.Truncate(accessLog, 0); err != nil && !os.IsNotExist(err) {
		return nil, err
	}

	type wrkOut struct {
		res wrkResult
		err error
	}
	out := make(chan wrkOut, 1)
	start := time.Now()
	go func() {
		res, _, err := gen.run(ctx, "http://"+listen+"/", o.ReloadDuration, script, data)
		out <- wrkOut{res, err}
	}()
	d := time.Duration(wholeSeconds(o.ReloadDuration)) * time.Second
	var hups []time.Time
	for i := 1; i <= o.Reloads; i++ {
		at := start.Add(d * time.Duration(i) / time.Duration(o.Reloads+1))
		select {
		case <-time.After(time.Until(at)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		p.update("reload under load: SIGHUP %d/%d", i, o.Reloads)
		hups = append(hups, time.Now())
		if err := sw.Signal(syscall.SIGHUP); err != nil {
			return nil, err
		}
	}
	w := <-out
	if w.err != nil {
		return nil, w.err
	}
	// nginx writes its log buffer out at most a second (flush=1s) after an entry.
	select {
	case <-time.After(1500 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	run := &reloadRun{Duration: d.String(), Requests: w.res.Requests, SocketErrors: w.res.SocketErrors()}
	stamps, statuses, err := readTimingLog(accessLog)
	if err != nil {
		return nil, err
	}
	run.Buckets = bucketize(start, d, stamps, statuses)
	for _, b := range run.Buckets {
		run.Non200 += b.Errors
	}
	var before []float64
	for _, b := range run.Buckets {
		if b.T >= 1 && len(hups) > 0 && b.T < hups[0].Sub(start).Seconds() {
			before = append(before, b.RPS)
		}
	}
	run.SteadyRPS = median(before)
	reloaded := reloadTimes(sw.LogLines(`"reload`))
	for _, h := range hups {
		ev := reloadEvent{At: h.Sub(start).Seconds(), ReloadMS: -1}
		end := h.Add(time.Second)
		for _, t := range reloaded {
			if !t.Before(h) {
				ev.ReloadMS = float64(t.Sub(h).Microseconds()) / 1000
				end = t.Add(time.Second)
				break
			}
		}
		ev.MinRPS = -1
		for _, b := range run.Buckets {
			bt := start.Add(time.Duration(b.T * float64(time.Second)))
			if bt.Add(bucketWidth).After(h) && bt.Before(end) {
				if ev.MinRPS < 0 || b.RPS < ev.MinRPS {
					ev.MinRPS = b.RPS
				}
				ev.Errors += b.Errors
			}
		}
		run.Events = append(run.Events, ev)
	}
	return run, nil
}

// readTimingLog reads the bench_timing access log: "$msec $status" per line.
func readTimingLog(path string) ([]time.Time, []int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	var stamps []time.Time
	var statuses []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		ts, st, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		sec, err1 := strconv.ParseFloat(ts, 64)
		status, err2 := strconv.Atoi(st)
		if err1 != nil || err2 != nil {
			continue
		}
		stamps = append(stamps, time.UnixMilli(int64(sec*1000+0.5)))
		statuses = append(statuses, status)
	}
	return stamps, statuses, sc.Err()
}

// bucketize counts the requests that ended in each bucketWidth from start for d.
func bucketize(start time.Time, d time.Duration, stamps []time.Time, statuses []int) []bucket {
	n := int(d / bucketWidth)
	out := make([]bucket, n)
	for i := range out {
		out[i].T = (time.Duration(i) * bucketWidth).Seconds()
	}
	counts := make([]int, n)
	for i, t := range stamps {
		k := int(t.Sub(start) / bucketWidth)
		if k < 0 || k >= n {
			continue
		}
		counts[k]++
		// 499 is nginx's note that the client closed the connection first: wrk does so
		// for the requests in flight when its time is up.
		if statuses[i] != 200 && statuses[i] != 499 {
			out[k].Errors++
		}
	}
	for i, c := range counts {
		out[i].RPS = float64(c) / bucketWidth.Seconds()
	}
	return out
}

// reloadTimes returns the times of sidewall's log lines about a finished reload
// ("reloaded", or "reload refused").
func reloadTimes(lines []string) []time.Time {
	var out []time.Time
	for _, line := range lines {
		var l struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && strings.HasPrefix(l.Msg, "reload") {
			out = append(out, l.Time)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func (r *scaleReport) markdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "# sidewall bench: scale scenarios\n\nRun %s on %d × %s (Linux %s; load average %s at the start, %s at the end); %s.\n\n",
		r.Started.Format("2006-01-02 15:04 MST"), m.CPUs, m.CPUModel, m.Kernel, m.LoadStart, m.LoadEnd, m.Wrk)
	fmt.Fprint(w, "## 1. Limiter: distinct client addresses\n\n")
	fmt.Fprintln(w, "Straight to sidewall's /auth (WAF off, one rule by client address), every request from an address never seen before.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| max_keys | addresses sent | RSS before | RSS after | peak RSS | req/s | sidewall CPU µs/req | non-2xx |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range r.Limiter {
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %.0f | %s | %d |\n", l.MaxKeys, l.Addrs, mib(l.RSSBeforeKiB),
			mib(l.RSSAfterKiB), mib(l.PeakKiB), l.RPS, fmtUS(l.CPUUS), l.Non2xx)
	}
	for _, l := range r.Limiter {
		fmt.Fprintf(w, "\nRSS during the drive with max_keys %d: ", l.MaxKeys)
		var parts []string
		for _, s := range thin(l.Steps, 8) {
			parts = append(parts, fmt.Sprintf("%dk → %s", s.Addrs/1000, mib(s.RSSKiB)))
		}
		fmt.Fprintln(w, strings.Join(parts, ", ")+".")
	}
	if b := r.Blocklist; b != nil {
		fmt.Fprint(w, "\n## 2. Blocklist: a large list file\n\n")
		fmt.Fprintf(w, "A generated file of %d entries (%.1f MB: IPv4 addresses, one in twenty a /24, one in twenty an IPv6 /48).\n\n", b.Entries, float64(b.FileBytes)/1e6)
		fmt.Fprintln(w, "| | empty list | with the file |")
		fmt.Fprintln(w, "|---|---:|---:|")
		fmt.Fprintf(w, "| start to /healthz | %s | %s |\n", b.StartEmpty.Round(time.Millisecond), b.StartFull.Round(time.Millisecond))
		fmt.Fprintf(w, "| RSS after start | %s | %s |\n", mib(b.RSSEmptyKiB), mib(b.RSSFullKiB))
		fmt.Fprintf(w, "| peak RSS | | %s |\n", mib(b.PeakFullKiB))
		fmt.Fprintf(w, "\nLookups (/auth straight to sidewall, blocklist only; median of %d interleaved rounds of 3 s):\n\n", b.LookupRounds)
		fmt.Fprintln(w, "| case | req/s | sidewall CPU µs/req |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, l := range b.Lookups {
			fmt.Fprintf(w, "| %s | %.0f | %s |\n", l.Name, l.RPS, fmtUS(l.CPUUS))
		}
		fmt.Fprintln(w, "\nThe nanoseconds of a single lookup are in the Go micro-benchmarks of blocklist/ (`make bench-go`).")
	}
	if rl := r.Reload; rl != nil {
		fmt.Fprint(w, "\n## 3. Reload under load\n\n")
		fmt.Fprintf(w, "sidewall with the WAF (CRS PL1) behind nginx, benign GETs for %s; SIGHUP rebuilds the whole policy, CRS included. Steady rate before the first reload: %.0f req/s; %d requests, %d answers other than 200, %d socket errors.\n\n",
			rl.Duration, rl.SteadyRPS, rl.Requests, rl.Non200, rl.SocketErrors)
		fmt.Fprintln(w, "![requests per second during reloads](scale.svg)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| SIGHUP at | reload took | lowest req/s until 1 s after | dip | errors |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
		for _, e := range rl.Events {
			took, dip := "not seen", "–"
			if e.ReloadMS >= 0 {
				took = fmt.Sprintf("%.0f ms", e.ReloadMS)
			}
			if rl.SteadyRPS > 0 && e.MinRPS >= 0 {
				dip = fmt.Sprintf("%.0f%%", 100*(1-e.MinRPS/rl.SteadyRPS))
			}
			fmt.Fprintf(w, "| %.1f s | %s | %.0f | %s | %d |\n", e.At, took, e.MinRPS, dip, e.Errors)
		}
	}
}

// thin keeps at most n steps, evenly spread, always the last.
func thin(s []limiterStep, n int) []limiterStep {
	if len(s) <= n {
		return s
	}
	var out []limiterStep
	for i := 0; i < n; i++ {
		out = append(out, s[(i+1)*len(s)/n-1])
	}
	return out
}

func (r *scaleReport) printSummary(w io.Writer) {
	for _, l := range r.Limiter {
		fmt.Fprintf(w, "limiter   max_keys %-8d %8d addresses  RSS %s -> %s (peak %s)  %.0f req/s\n",
			l.MaxKeys, l.Addrs, mib(l.RSSBeforeKiB), mib(l.RSSAfterKiB), mib(l.PeakKiB), l.RPS)
	}
	if b := r.Blocklist; b != nil {
		fmt.Fprintf(w, "blocklist %d entries: start %s (empty %s), RSS %s (empty %s)\n", b.Entries,
			b.StartFull.Round(time.Millisecond), b.StartEmpty.Round(time.Millisecond), mib(b.RSSFullKiB), mib(b.RSSEmptyKiB))
		for _, l := range b.Lookups {
			fmt.Fprintf(w, "          %-52s %8.0f req/s  %s µs/req\n", l.Name, l.RPS, fmtUS(l.CPUUS))
		}
	}
	if rl := r.Reload; rl != nil {
		fmt.Fprintf(w, "reload    steady %.0f req/s, %d non-200, %d socket errors\n", rl.SteadyRPS, rl.Non200, rl.SocketErrors)
		for _, e := range rl.Events {
			fmt.Fprintf(w, "          SIGHUP at %.1fs: reload %.0f ms, lowest %.0f req/s, %d errors\n", e.At, e.ReloadMS, e.MinRPS, e.Errors)
		}
	}
}

// chart draws requests/s over time with the SIGHUPs marked.
func (rl *reloadRun) chart() string {
	const w, h, left, top, plotW, plotH = 900, 320, 60, 40, 800, 220
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>` + "\n")
	b.WriteString(`<text x="10" y="20" font-size="15" font-weight="bold">sidewall (WAF on) behind nginx: requests/s in 250 ms buckets, SIGHUP reloads in red</text>` + "\n")
	hi := 1.0
	for _, bk := range rl.Buckets {
		hi = max(hi, bk.RPS)
	}
	total := float64(len(rl.Buckets)) * bucketWidth.Seconds()
	if total == 0 {
		total = 1
	}
	x := func(t float64) float64 { return left + t/total*plotW }
	y := func(v float64) float64 { return top + plotH - v/hi*plotH }
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`+"\n", left, top+plotH, left+plotW, top+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#666">%.0f</text>`+"\n", left-4, top+4, hi)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#666">0</text>`+"\n", left-4, top+plotH)
	for s := 0.0; s <= total; s += 5 {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#666">%.0f s</text>`+"\n", x(s), top+plotH+16, s)
	}
	for _, e := range rl.Events {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#d62728" stroke-dasharray="4 3"/>`+"\n", x(e.At), top, x(e.At), top+plotH)
	}
	var pts []string
	for _, bk := range rl.Buckets {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(bk.T+bucketWidth.Seconds()/2), y(bk.RPS)))
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="#3182bd" stroke-width="1.5" points="%s"/>`+"\n", strings.Join(pts, " "))
	b.WriteString("</svg>\n")
	return b.String()
}
