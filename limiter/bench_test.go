package limiter

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys returns n keys shaped like the server's: an IPv4 address, 4
// bytes, preceded by a rule tag.
func benchKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = binary.BigEndian.AppendUint32([]byte("r1:"), 0x0a000000+uint32(i))
	}
	return keys
}

// benchCases are the policies the decision benchmarks run: the keys send
// about one request a second, which "under" allows nearly always and
// "over" denies five times in six. Both hold more than four requests in
// their window, so the default's keys all hold pooled logs ("under" 60 of
// 64, "over" 10), and "light" are keys of the default with at most four,
// which keep their log inline.
var benchCases = []struct {
	name string
	opts Options
}{
	{"counter/under", Options{Limit: 64, Window: time.Minute, Counter: true}},
	{"counter/over", Options{Limit: 10, Window: time.Minute, Counter: true}},
	{"default/light", Options{Limit: 64, Window: 3500 * time.Millisecond}},
	{"default/under", Options{Limit: 64, Window: time.Minute}},
	{"default/over", Options{Limit: 10, Window: time.Minute}},
	{"exact/under", Options{Limit: 64, Window: time.Minute, Exact: true}},
}

// BenchmarkAllow measures one goroutine deciding on 1024 keys the Window
// already tracks.
func BenchmarkAllow(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			w, err := New(bc.opts)
			if err != nil {
				b.Fatal(err)
			}
			keys := benchKeys(1024)
			now := t0
			for _, k := range keys {
				w.Allow(k, now)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				now = now.Add(time.Second / 1024)
				w.Allow(keys[i], now)
				if i++; i == len(keys) {
					i = 0
				}
			}
		})
	}
}

// BenchmarkAllowParallel measures goroutines on every P deciding, as the
// server's handlers do, on 1024 keys (as BenchmarkAllow: the tables stay in
// the caches, so this is the cost of the shards' locks and lines passing
// between cores) and on 64k keys (tables of megabytes: most decisions also
// wait for memory, and the default's pooled logs are a line or two more).
// On the 2-core development VM, GOMAXPROCS 2, ns/op over a few runs: 1024
// keys 28-100 for every case (runs differ by twice); 64k keys: counter
// 96-113, default light 125-154, default under (every key pooled) 150-200,
// exact 150-192. With -cpu 1 the same 64k-key runs take 58 (counter) to 208
// (default under) ns: the memory, more than the other core.
func BenchmarkAllowParallel(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) { benchmarkAllowParallel(b, n) })
	}
}

func benchmarkAllowParallel(b *testing.B, nkeys int) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			w, err := New(bc.opts)
			if err != nil {
				b.Fatal(err)
			}
			keys := benchKeys(nkeys)
			// Five requests each first, so that the pool of logs has grown
			// to what the keys need before the clock starts.
			for range 5 {
				for _, k := range keys {
					w.Allow(k, t0)
				}
			}
			// Each goroutine takes every p-th key, starting at its own, so
			// each key sees one clock going forward, as in production; each
			// key gets about a request a second.
			p := runtime.GOMAXPROCS(0)
			step := time.Duration(p) * time.Second / time.Duration(len(keys))
			var seq atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(1)-1) % p
				now := t0
				for pb.Next() {
					now = now.Add(step)
					w.Allow(keys[i], now)
					if i += p; i >= len(keys) {
						i -= len(keys)
					}
				}
			})
		})
	}
}

// BenchmarkAllowNewKeys measures the insertion path: every request is from a
// key never seen, into a Window already at MaxKeys, so each one evicts.
func BenchmarkAllowNewKeys(b *testing.B) {
	w, err := New(Options{Limit: 10, Window: time.Minute, MaxKeys: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	var buf [8]byte
	for i := range 1 << 16 {
		w.Allow(floodKey(&buf, i), t0)
	}
	b.ReportAllocs()
	i := 1 << 16
	for b.Loop() {
		w.Allow(floodKey(&buf, i), t0)
		i++
	}
}

// BenchmarkMemoryPerKey inserts a million keys into a Window with the
// default MaxKeys and reports the live heap per key. Each key makes one
// request, except in the "promoted" cases, where each makes six, so that
// every key wants a pooled log: the default's pool lends MaxKeys/16 of them,
// Exact's one to every key.
func BenchmarkMemoryPerKey(b *testing.B) {
	for _, mode := range []struct {
		name     string
		opts     Options
		requests int
	}{
		{"counter", Options{Limit: 100, Window: time.Minute, Counter: true}, 1},
		{"default", Options{Limit: 100, Window: time.Minute}, 1},
		{"default-promoted-60", Options{Limit: 60, Window: time.Minute}, 6},
		{"default-promoted-1000", Options{Limit: 1000, Window: time.Minute}, 6},
		{"exact-promoted-10", Options{Limit: 10, Window: time.Minute, Exact: true}, 6},
	} {
		b.Run(mode.name, func(b *testing.B) {
			const keys = 1_000_000
			var perKey float64
			var logs int
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				w, err := New(mode.opts)
				if err != nil {
					b.Fatal(err)
				}
				var buf [8]byte
				for r := range mode.requests {
					for i := range keys {
						w.Allow(floodKey(&buf, i), t0.Add(time.Duration(r)*time.Millisecond))
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				if n := w.Len(); n < keys*99/100 {
					b.Fatalf("only %d keys tracked", n)
				}
				perKey = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / keys
				logs = w.Stats().Logs
				runtime.KeepAlive(w)
			}
			b.ReportMetric(perKey, "B/key")
			b.ReportMetric(float64(logs), "logs")
		})
	}
}
