package waf

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The benchmarks share one Engine per configuration (see lazyEngine) and build their
// requests outside the timed loop, so they measure Inspect alone: one Coraza transaction
// through phases 1, 2 and 5. BenchmarkInspectRuleEngineOff is the baseline: the same
// plumbing with SecRuleEngine Off, i.e. what the transaction costs without rules.
//
// For the record, on the 2-core development machine, shared and loaded, median of 10
// interleaved runs (fastest run in brackets), before and after @rx moved to RE2:
//
//	BenignGET    1.33 ms (1.19) -> 0.87 ms (0.80)   3,535 -> 3,527 allocs
//	BenignPOST   9.78 ms (8.47) -> 4.24 ms (3.46)   7,128 -> 7,112 allocs
//	AttackGET    1.27 ms (1.15) -> 0.92 ms (0.73)   3,527 -> 3,520 allocs
//
// and then with the literal prefilter in front of @rx (cpu-ns/op, three interleaved
// runs of two test binaries, median):
//
//	BenignGET    0.84 ms -> 0.70 ms
//	BenignPOST   3.78 ms -> 3.09 ms
//	AttackGET    0.78 ms -> 0.68 ms
//
// and then on our patched Coraza (third_party/coraza/SIDEWALL.md), at the end of each
// of two sessions (cpu-ns/op, five interleaved runs, median; the middle column was
// 0.25, 0.84 and 0.25 ms when measured again against the last):
//
//	BenignGET    0.75 ms -> 0.27 ms -> 0.17 ms    3,528 -> 1,003 -> 278 allocs
//	BenignPOST   3.3 ms  -> 0.89 ms -> 0.72 ms    7,111 -> 2,530 -> 1,471 allocs
//	AttackGET    0.76 ms -> 0.29 ms -> 0.18 ms    3,520 -> 1,024 -> 311 allocs
//
// Compare builds with benchstat; on a shared machine compare cpu-ns/op, or interleave
// runs of two test binaries (go test -c) rather than run one after the other. A pure-Go
// binary (CGO_ENABLED=0) runs the same @rx and prefilter on Go's regexp instead of RE2
// (about 1.3x the CPU of a GET, 1.7x of the form POST).

var ruleEngineOff = &lazyEngine{opts: Options{Directives: "SecRuleEngine Off"}}

func benchmarkInspect(b *testing.B, l *lazyEngine, req *Request, wantInterrupted bool) {
	e := l.get(b)
	if v := e.Inspect(req); v.Interrupted != wantInterrupted {
		b.Fatalf("Interrupted = %v, Matched = %v; want %v", v.Interrupted, ids(v.Matched), wantInterrupted)
	}
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		e.Inspect(req)
	}
	reportCPU(b, cpu)
}

// reportCPU adds cpu-ns/op: the process's CPU time (every thread, the garbage
// collector's included) per operation since start. On a shared machine ns/op counts
// the time other processes held the cores; cpu-ns/op does not, so it is the number to
// compare across runs there.
func reportCPU(b *testing.B, start time.Duration) {
	if n := b.N; n > 0 && start > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(n), "cpu-ns/op")
	}
}

func BenchmarkInspectRuleEngineOff(b *testing.B) {
	benchmarkInspect(b, ruleEngineOff, get("/products/42?color=blue&size=m"), false)
}

func BenchmarkInspectBenignGET(b *testing.B) {
	benchmarkInspect(b, pl1, get("/products/42?color=blue&size=m"), false)
}

// benignForm is an urlencoded form of exactly 1 KB: short fields of ordinary text, as
// a checkout or profile page sends, padded by a free-text field.
func benignForm() string {
	var b strings.Builder
	for i := 0; b.Len() < 800; i++ {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("field_" + strconv.Itoa(i) + "=" + url.QueryEscape("Ordinary text, field "+strconv.Itoa(i)))
	}
	b.WriteString("&notes=")
	b.WriteString(strings.Repeat("x", 1024-b.Len()))
	return b.String()
}

func BenchmarkInspectBenignPOST(b *testing.B) {
	body := benignForm()
	if len(body) != 1024 {
		b.Fatalf("form is %d bytes; want 1024", len(body))
	}
	benchmarkInspect(b, pl1, post("/checkout", formType, body), false)
}

func BenchmarkInspectAttackGET(b *testing.B) {
	benchmarkInspect(b, pl1, get("/products?id=1%27%20OR%20%271%27%3D%271"), true)
}

// BenchmarkInspectBenignGETParallel is the production shape: many connections from
// nginx inspecting at once against one shared Engine.
func BenchmarkInspectBenignGETParallel(b *testing.B) {
	e := pl1.get(b)
	req := get("/products/42?color=blue&size=m")
	b.ReportAllocs()
	cpu := processCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if e.Inspect(req).Interrupted {
				b.Error("benign request interrupted")
				return
			}
		}
	})
	reportCPU(b, cpu)
}
