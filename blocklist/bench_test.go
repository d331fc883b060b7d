package blocklist

import (
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
)

// The benchmarks run at the target scale (1M IPv4 + 100k IPv6 single
// addresses, 16k IPv4 + 4k IPv6 prefixes, see genLists). Generating and
// building it takes a few seconds the first time any of them runs.
//
//	go test ./blocklist/ -run '^$' -bench . -benchtime 200ms
//	go test ./blocklist/ -run '^$' -bench 'New|Memory' -benchtime 1x

// benchContains measures s.Contains over addrs, which must all answer want.
func benchContains(b *testing.B, s *Set, addrs []netip.Addr, want bool) {
	b.ReportAllocs()
	mask := len(addrs) - 1
	wrong, i := 0, 0
	for b.Loop() {
		if s.Contains(addrs[i&mask]) != want {
			wrong++
		}
		i++
	}
	if wrong > 0 {
		b.Fatalf("%d lookups did not answer %v", wrong, want)
	}
}

// benchContainsParallel is benchContains from GOMAXPROCS goroutines sharing
// one Set, as the server's request handlers do.
func benchContainsParallel(b *testing.B, s *Set, addrs []netip.Addr, want bool) {
	b.ReportAllocs()
	mask := len(addrs) - 1
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		wrong, i := 0, rand.IntN(len(addrs))
		for pb.Next() {
			if s.Contains(addrs[i&mask]) != want {
				wrong++
			}
			i++
		}
		if wrong > 0 {
			b.Errorf("%d lookups did not answer %v", wrong, want)
		}
	})
}

type probeCase struct {
	name  string
	addrs func(*probes) []netip.Addr
}

var (
	missCases = []probeCase{
		{"v4", func(p *probes) []netip.Addr { return p.miss4 }},
		{"v6", func(p *probes) []netip.Addr { return p.miss6 }},
	}
	hitCases = []probeCase{
		{"v4", func(p *probes) []netip.Addr { return p.hit4 }},
		{"v6", func(p *probes) []netip.Addr { return p.hit6 }},
		{"v4net", func(p *probes) []netip.Addr { return p.hitNet4 }},
		{"v6net", func(p *probes) []netip.Addr { return p.hitNet6 }},
	}
)

func runCases(b *testing.B, cases []probeCase, want bool, run func(*testing.B, *Set, []netip.Addr, bool)) {
	s, pr := scaleSet(), scaleProbes()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) { run(b, s, c.addrs(pr), want) })
	}
}

func BenchmarkContainsMiss(b *testing.B) { runCases(b, missCases, false, benchContains) }
func BenchmarkContainsHit(b *testing.B)  { runCases(b, hitCases, true, benchContains) }
func BenchmarkContainsMissParallel(b *testing.B) {
	runCases(b, missCases, false, benchContainsParallel)
}
func BenchmarkContainsHitParallel(b *testing.B) {
	runCases(b, hitCases, true, benchContainsParallel)
}

// BenchmarkContainsNil is the baseline: a disabled list kept as nil.
func BenchmarkContainsNil(b *testing.B) {
	benchContains(b, nil, scaleProbes().miss4, false)
}

func BenchmarkLookupHit(b *testing.B) {
	s, pr := scaleSet(), scaleProbes()
	b.ReportAllocs()
	mask := probeCount - 1
	i := 0
	for b.Loop() {
		if _, ok := s.Lookup(pr.hitNet4[i&mask]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}

// BenchmarkNew is the build time at the target scale: what a reload of a
// full list costs, on top of reading and parsing the files.
func BenchmarkNew(b *testing.B) {
	ps := scaleLists()
	b.ReportAllocs()
	var s *Set
	for b.Loop() {
		s = New(ps, Options{})
	}
	b.ReportMetric(float64(s.Len()), "entries")
}

// BenchmarkSetMemory reports the heap a target-scale Set keeps alive,
// measured (bytes/set, HeapAlloc after a GC, before and after New) and as
// computed by Stats (stats-bytes/set); the difference is allocator rounding
// and headers. Run it with -benchtime 1x.
func BenchmarkSetMemory(b *testing.B) {
	ps := scaleLists()
	var before, after runtime.MemStats
	var measured uint64
	var s *Set
	for b.Loop() {
		s = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		s = New(ps, Options{})
		runtime.GC()
		runtime.ReadMemStats(&after)
		measured = after.HeapAlloc - before.HeapAlloc
	}
	st := s.Stats()
	b.ReportMetric(float64(measured), "bytes/set")
	b.ReportMetric(float64(st.Bytes), "stats-bytes/set")
	b.ReportMetric(float64(measured)/float64(s.Len()), "bytes/entry")
	b.ReportMetric(float64(st.FilterBits)/8, "filter-bytes")
	runtime.KeepAlive(s)
}
