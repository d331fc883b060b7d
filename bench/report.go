package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/sidewall/sidewall/internal/runreport"
)

// sample is one measurement in one round.
type sample struct {
	Round        int     `json:"round"`
	Requests     int64   `json:"requests"`
	RPS          float64 `json:"rps"`
	P50US        int64   `json:"p50_us"`
	P90US        int64   `json:"p90_us"`
	P99US        int64   `json:"p99_us"`
	Non2xx       int64   `json:"non_2xx"`
	SocketErrors int64   `json:"socket_errors"`
	// CPU time per request, in microseconds, of each part.
	NginxUS   float64 `json:"nginx_cpu_us"`   // nginx master and workers
	CheckerUS float64 `json:"checker_cpu_us"` // sidewall or the do-nothing responder
	AppUS     float64 `json:"app_cpu_us"`     // the echo upstream
	WrkUS     float64 `json:"wrk_cpu_us"`     // the load generator
}

// summary condenses the samples of a row: medians across rounds, and the spread.
type summary struct {
	RPS, RPSMin, RPSMax float64
	P50US, P99US        float64
	NginxUS, CheckerUS  float64
	AppUS, WrkUS        float64
	// TotalUS is what the protection stack spends per request: nginx and its checker.
	TotalUS float64
	// Ratios of requests/s, median of the ratios within each round; nil when the
	// reference was not measured.
	VsBaseline, VsBaselineMin, VsBaselineMax *float64
	VsFloor                                  *float64
	Non2xxShare                              float64 // of all requests of all rounds
	SocketErrors                             int64
}

// row is one measurement of the report.
type row struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Kind        kind     `json:"kind"`
	Target      string   `json:"target"`
	Expect      int      `json:"expect_status"`
	BaselineID  string   `json:"baseline"`
	FloorID     string   `json:"floor"`
	Unavailable string   `json:"unavailable,omitempty"`
	Problems    []string `json:"probe_problems,omitempty"`
	Samples     []sample `json:"samples"`
	Sum         *summary `json:"summary,omitempty"`
}

// comparison is sidewall against ModSecurity for one kind of request.
type comparison struct {
	Kind kind `json:"kind"`
	// Throughput is sidewall's requests/s over ModSecurity's (above 1: sidewall serves
	// more), the median of the ratios within each round.
	Throughput *float64 `json:"throughput_ratio,omitempty"`
	// CPU is sidewall's CPU time per request (nginx and sidewall) over ModSecurity's
	// (nginx with the module): below 1, sidewall costs less.
	CPU  *float64 `json:"cpu_ratio,omitempty"`
	Note string   `json:"note,omitempty"`
}

type memoryRow struct {
	Process string `json:"process"`
	RSSKiB  int64  `json:"rss_kib"`
	HWMKiB  int64  `json:"peak_rss_kib"`
}

type machine struct {
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpu_model"`
	Kernel      string `json:"kernel"`
	Go          string `json:"go"`
	Nginx       string `json:"nginx"`
	Wrk         string `json:"wrk"`
	ModSecurity string `json:"modsecurity,omitempty"`
	// LoadStart and LoadEnd are the 1-minute load averages when the measurements began
	// and ended: other work on the machine moves requests/s more than CPU per request.
	LoadStart string `json:"load_start"`
	LoadEnd   string `json:"load_end"`
}

type settings struct {
	Duration string `json:"duration"`
	Warmup   string `json:"warmup"`
	Rounds   int    `json:"rounds"`
	Threads  int    `json:"wrk_threads"`
	Conns    int    `json:"wrk_connections"`
	WrkCPUs  string `json:"wrk_cpus,omitempty"`
	Workers  int    `json:"nginx_workers"`
	Addrs    int    `json:"client_addresses"`
}

// report is a whole run, as written to results.json.
type report struct {
	Started  time.Time     `json:"started"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	Settings settings      `json:"settings"`
	Machine  machine       `json:"machine"`
	Rows     []*row        `json:"rows"`
	Compare  []comparison  `json:"sidewall_vs_modsecurity"`
	Memory   []memoryRow   `json:"sidewall_memory"`
}

func newReport(o options, sel []measurement) *report {
	r := &report{
		Started: time.Now(),
		Settings: settings{Duration: time.Duration(wholeSeconds(o.Duration) * int64(time.Second)).String(),
			Warmup: o.Warmup.String(), Rounds: o.Rounds, Threads: o.Threads, Conns: o.Conns,
			WrkCPUs: o.WrkCPUs, Workers: o.Workers, Addrs: distinctAddrs},
	}
	for _, m := range sel {
		r.Rows = append(r.Rows, &row{ID: m.ID, Title: m.Title, Kind: m.Kind, Target: m.Target.ID,
			Expect: m.Expect(), BaselineID: m.BaselineID(), FloorID: m.FloorID()})
	}
	return r
}

// row returns the row of a measurement, or nil.
func (r *report) row(id string) *row {
	for _, w := range r.Rows {
		if w.ID == id {
			return w
		}
	}
	return nil
}

func (r *report) setUnavailable(target, why string) {
	for _, w := range r.Rows {
		if w.Target == target {
			w.Unavailable = why
		}
	}
}

// compute fills in the summaries, ratios and comparisons from the samples.
func (r *report) compute() {
	for _, w := range r.Rows {
		if len(w.Samples) == 0 {
			continue
		}
		s := &summary{}
		rps := pick(w.Samples, func(s sample) float64 { return s.RPS })
		s.RPS, s.RPSMin, s.RPSMax = median(rps), slices.Min(rps), slices.Max(rps)
		s.P50US = median(pick(w.Samples, func(s sample) float64 { return float64(s.P50US) }))
		s.P99US = median(pick(w.Samples, func(s sample) float64 { return float64(s.P99US) }))
		s.NginxUS = median(pick(w.Samples, func(s sample) float64 { return s.NginxUS }))
		s.CheckerUS = median(pick(w.Samples, func(s sample) float64 { return s.CheckerUS }))
		s.AppUS = median(pick(w.Samples, func(s sample) float64 { return s.AppUS }))
		s.WrkUS = median(pick(w.Samples, func(s sample) float64 { return s.WrkUS }))
		s.TotalUS = median(pick(w.Samples, func(s sample) float64 { return s.NginxUS + s.CheckerUS }))
		var reqs, non2xx int64
		for _, sm := range w.Samples {
			reqs += sm.Requests
			non2xx += sm.Non2xx
			s.SocketErrors += sm.SocketErrors
		}
		if reqs > 0 {
			s.Non2xxShare = float64(non2xx) / float64(reqs)
		}
		w.Sum = s
	}
	for _, w := range r.Rows {
		if w.Sum == nil {
			continue
		}
		if rs := r.roundRatios(w.ID, w.BaselineID); len(rs) > 0 {
			w.Sum.VsBaseline = ptr(median(rs))
			w.Sum.VsBaselineMin, w.Sum.VsBaselineMax = ptr(slices.Min(rs)), ptr(slices.Max(rs))
		}
		if rs := r.roundRatios(w.ID, w.FloorID); len(rs) > 0 {
			w.Sum.VsFloor = ptr(median(rs))
		}
	}
	r.Compare = nil
	for _, k := range []kind{kindGet, kindPost, kindAttack} {
		sw, ms := r.row("sidewall/"+string(k)), r.row("modsec/"+string(k))
		if sw == nil || ms == nil {
			continue
		}
		c := comparison{Kind: k}
		switch {
		case sw.Unavailable != "":
			c.Note = "sidewall: " + sw.Unavailable
		case ms.Unavailable != "":
			c.Note = "ModSecurity: " + ms.Unavailable
		case sw.Sum == nil || ms.Sum == nil:
			c.Note = "not measured"
		default:
			if rs := r.roundRatios(sw.ID, ms.ID); len(rs) > 0 {
				c.Throughput = ptr(median(rs))
			}
			if ms.Sum.TotalUS > 0 {
				c.CPU = ptr(sw.Sum.TotalUS / ms.Sum.TotalUS)
			}
		}
		r.Compare = append(r.Compare, c)
	}
}

// roundRatios returns, for each round in which both were measured, the requests/s of a
// over those of b.
func (r *report) roundRatios(a, b string) []float64 {
	ra, rb := r.row(a), r.row(b)
	if ra == nil || rb == nil {
		return nil
	}
	var out []float64
	for _, sa := range ra.Samples {
		for _, sb := range rb.Samples {
			if sa.Round == sb.Round && sb.RPS > 0 {
				out = append(out, sa.RPS/sb.RPS)
			}
		}
	}
	return out
}

func pick(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// median of xs (the mean of the middle two for an even count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ptr(f float64) *float64 { return &f }

func kindLabel(k kind) string {
	switch k {
	case kindGet:
		return "benign GET"
	case kindPost:
		return "benign POST ~1 KB"
	case kindAttack:
		return "attack GET"
	}
	return string(k)
}

func fmtRatio(f *float64) string {
	if f == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *f)
}

func fmtMS(us float64) string {
	ms := us / 1000
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.0f", ms)
}

func fmtUS(us float64) string {
	if us == 0 {
		return "–"
	}
	if us < 100 {
		return fmt.Sprintf("%.1f", us)
	}
	return fmt.Sprintf("%.0f", us)
}

// write puts report.md, report.svg and results.json into dir.
func (r *report) write(dir string) error {
	var b strings.Builder
	r.markdown(&b)
	return runreport.Write(dir, r, r.chart(), b.String())
}

// Table writes the main table in Markdown; the README's Benchmarks section quotes it.
func (r *report) Table(w io.Writer) {
	fmt.Fprintln(w, "| configuration | request | req/s median (min–max) | × baseline | × responder | p50 ms | p99 ms | nginx CPU µs/req | checker CPU µs/req | non-2xx |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, w2 := range r.Rows {
		if w2.Sum == nil {
			why := w2.Unavailable
			if why == "" {
				why = "not measured"
			}
			fmt.Fprintf(w, "| %s | %s | %s | | | | | | | |\n", w2.Title, kindLabel(w2.Kind), why)
			continue
		}
		s := w2.Sum
		fmt.Fprintf(w, "| %s | %s | %.0f (%.0f–%.0f) | %s | %s | %s | %s | %s | %s | %.0f%% |\n",
			w2.Title, kindLabel(w2.Kind), s.RPS, s.RPSMin, s.RPSMax, fmtRatio(s.VsBaseline), fmtRatio(s.VsFloor),
			fmtMS(s.P50US), fmtMS(s.P99US), fmtUS(s.NginxUS), fmtUS(s.CheckerUS), 100*s.Non2xxShare)
	}
}

func (r *report) markdown(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "# sidewall bench: what a request costs\n\n")
	fmt.Fprintf(w, "Run %s on %d × %s (Linux %s; load average %s at the start, %s at the end); nginx %s, %s, %s.",
		r.Started.Format("2006-01-02 15:04 MST"), m.CPUs, m.CPUModel, m.Kernel, m.LoadStart, m.LoadEnd, m.Nginx, m.Wrk, m.Go)
	if m.ModSecurity != "" {
		fmt.Fprintf(w, " ModSecurity: %s.", m.ModSecurity)
	}
	st := r.Settings
	pin := "not pinned"
	if st.WrkCPUs != "" {
		pin = "pinned to CPU " + st.WrkCPUs
	}
	fmt.Fprintf(w, "\n\n%d interleaved rounds of %s per configuration after a %s warm-up; wrk with %d thread(s) and %d connections (%s); nginx with %d workers; requests from %d client addresses. Took %s.\n\n",
		st.Rounds, st.Duration, st.Warmup, st.Threads, st.Conns, pin, st.Workers, st.Addrs, r.Elapsed.Round(time.Second))
	fmt.Fprintln(w, "![throughput and latency](report.svg)")
	fmt.Fprintln(w)
	r.Table(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "× baseline: requests/s over nginx → app with the same method; × responder: over the do-nothing responder on the same path (auth_request, or the body path for POST); both are medians of the ratios within each round. CPU µs/req: utime+stime of the processes over the requests completed (median of rounds); the checker is sidewall or the responder. non-2xx: the attack rows are denied (403) by design and count as completed requests.")
	if len(r.Compare) > 0 {
		fmt.Fprint(w, "\n## sidewall against ModSecurity\n\n")
		fmt.Fprintln(w, "| request | throughput sidewall / ModSecurity | CPU per request sidewall / ModSecurity |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, c := range r.Compare {
			if c.Note != "" {
				fmt.Fprintf(w, "| %s | %s | |\n", kindLabel(c.Kind), c.Note)
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", kindLabel(c.Kind), fmtRatio(c.Throughput), fmtRatio(c.CPU))
		}
		fmt.Fprintln(w, "\nThroughput above 1: sidewall serves more requests per second. CPU below 1: sidewall's stack (nginx and sidewall) spends less CPU time per request than nginx with ModSecurity. sidewall runs CRS v4 (embedded, Coraza); Debian's ModSecurity runs its packaged CRS, both at paranoia level 1 with the anomaly threshold 5.")
	}
	if len(r.Memory) > 0 {
		fmt.Fprint(w, "\n## sidewall memory\n\n")
		fmt.Fprintln(w, "| process | RSS at the end | peak RSS (VmHWM) |")
		fmt.Fprintln(w, "|---|---:|---:|")
		for _, mr := range r.Memory {
			fmt.Fprintf(w, "| %s | %.1f MiB | %.1f MiB |\n", mr.Process, float64(mr.RSSKiB)/1024, float64(mr.HWMKiB)/1024)
		}
	}
	var notes []string
	seen := map[string]bool{}
	for _, w2 := range r.Rows {
		if w2.Unavailable != "" && !seen[w2.Target] {
			seen[w2.Target] = true
			notes = append(notes, fmt.Sprintf("**%s** (%s): %s", w2.Title, w2.Target, w2.Unavailable))
		}
		for _, p := range w2.Problems {
			notes = append(notes, fmt.Sprintf("%s, probe before measuring: %s", w2.ID, p))
		}
		if w2.Sum != nil && w2.Sum.SocketErrors > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d requests got no answer (socket errors or timeouts)", w2.ID, w2.Sum.SocketErrors))
		}
	}
	if len(notes) > 0 {
		fmt.Fprint(w, "\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
	fmt.Fprint(w, "\n## Setup\n\n")
	fmt.Fprintln(w, "Each configuration is a server block on an nginx of its own, all started by the bench on free loopback ports (`bench/targets.go` has the blocks); none writes an access log, all log errors at Debian's default level. The app is an echo upstream (fasthttp, a process of its own) behind a keepalive pool. The sidewall configurations include the project's `nginx/` files as shipped; sidewall runs with a generated configuration: the demo's blocklist entries, one rate-limit rule per client address that the traffic never reaches, and for \"full\" the WAF at CRS paranoia level 1. `limit_req` uses a zone keyed by client address with a rate the traffic never reaches. ModSecurity is Debian's libnginx-mod-http-modsecurity with modsecurity-crs: Debian's recommended modsecurity.conf with SecRuleEngine On, response body inspection off (sidewall never sees responses), the audit log of denials on as shipped, and the CRS as `owasp-crs.load` includes it.")
	fmt.Fprintf(w, "\nThe app's CPU per request and wrk's are in results.json; wrk's median was %s µs/request.\n", fmtUS(r.medianWrk()))
}

func (r *report) medianWrk() float64 {
	var xs []float64
	for _, w := range r.Rows {
		if w.Sum != nil {
			xs = append(xs, w.Sum.WrkUS)
		}
	}
	return median(xs)
}

// printTable writes the short table for the terminal.
func (r *report) printTable(w io.Writer) {
	fmt.Fprintf(w, "\n%-16s %-52s %9s %7s %7s %8s %9s\n", "measurement", "configuration", "req/s", "×base", "×resp", "p99 ms", "CPU µs/r")
	for _, w2 := range r.Rows {
		if w2.Sum == nil {
			why := w2.Unavailable
			if why == "" {
				why = "not measured"
			}
			fmt.Fprintf(w, "%-16s %-52s %s\n", w2.ID, w2.Title, firstLine(why))
			continue
		}
		s := w2.Sum
		fmt.Fprintf(w, "%-16s %-52s %9.0f %7s %7s %8s %9s\n", w2.ID, w2.Title, s.RPS,
			fmtRatio(s.VsBaseline), fmtRatio(s.VsFloor), fmtMS(s.P99US), fmtUS(s.TotalUS))
	}
	for _, c := range r.Compare {
		if c.Note != "" {
			fmt.Fprintf(w, "sidewall/ModSecurity %-18s %s\n", kindLabel(c.Kind)+":", c.Note)
			continue
		}
		fmt.Fprintf(w, "sidewall/ModSecurity %-18s throughput ×%s, CPU per request ×%s\n", kindLabel(c.Kind)+":", fmtRatio(c.Throughput), fmtRatio(c.CPU))
	}
}

// loadAverage returns the 1-minute load average from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// describeMachine says what the run ran on.
func describeMachine(ctx context.Context, modsec bool) machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), CPUModel: "unknown CPU", LoadEnd: loadAverage()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if bin, err := exec.LookPath("nginx"); err == nil || fileExists("/usr/sbin/nginx") {
		if bin == "" {
			bin = "/usr/sbin/nginx"
		}
		out, _ := exec.CommandContext(ctx, bin, "-v").CombinedOutput()
		m.Nginx = strings.TrimPrefix(strings.TrimSpace(string(out)), "nginx version: nginx/")
	}
	out, _ := exec.CommandContext(ctx, "wrk", "-v").CombinedOutput()
	m.Wrk = firstLine(strings.TrimSpace(string(out)))
	if i := strings.Index(m.Wrk, " Copyright"); i > 0 {
		m.Wrk = m.Wrk[:i]
	}
	if modsec {
		out, _ := exec.CommandContext(ctx, "dpkg-query", "-W", "-f", "${Package} ${Version}, ",
			"libmodsecurity3", "libnginx-mod-http-modsecurity", "modsecurity-crs").Output()
		m.ModSecurity = strings.TrimSuffix(strings.TrimSpace(string(out)), ",")
	}
	return m
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
