package waf

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The benchmarks share one Engine per configuration (see lazyEngine) and build their
// requests outside the timed loop, so they measure Inspect alone: one Coraza transaction
// through phases 1, 2 and 5. BenchmarkInspectRuleEngineOff is the baseline: the same
// plumbing with SecRuleEngine Off, i.e. what the transaction costs without rules.

var ruleEngineOff = &lazyEngine{opts: Options{Directives: "SecRuleEngine Off"}}

func benchmarkInspect(b *testing.B, l *lazyEngine, req *Request, wantInterrupted bool) {
	e := l.get(b)
	if v := e.Inspect(req); v.Interrupted != wantInterrupted {
		b.Fatalf("Interrupted = %v, Matched = %v; want %v", v.Interrupted, ids(v.Matched), wantInterrupted)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Inspect(req)
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
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if e.Inspect(req).Interrupted {
				b.Error("benign request interrupted")
				return
			}
		}
	})
}
