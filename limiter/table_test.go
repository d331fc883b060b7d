package limiter

import (
	"math/rand/v2"
	"testing"
)

// TestTableMatchesMap drives the open-addressing table and a map with the
// same random inserts and removals. Hashes come from a small set and the
// tables are small, so probe sequences collide, wrap around the end and get
// shifted back by removals all the time. Each slot's log carries its hash, so
// a log that fails to move with its slot is caught too.
func TestTableMatchesMap(t *testing.T) {
	for _, tc := range []struct {
		max  int
		skip uint
	}{
		{max: 1, skip: 0},
		{max: 7, skip: 0},
		{max: 50, skip: 8},
		{max: 300, skip: 4},
	} {
		var tb table
		tb.init(tc.max, tc.skip)
		model := map[uint64]bool{}
		rng := rand.New(rand.NewPCG(uint64(tc.max), 9))
		for op := range 200_000 {
			h := 1 + rng.Uint64N(uint64(3*tc.max)+2)
			h = h<<40 | h // spread over the bits home() uses, whatever skip is
			i, ok := tb.find(h)
			if ok != model[h] {
				t.Fatalf("max=%d op %d: find(%x) = %v, model says %v", tc.max, op, h, ok, model[h])
			}
			switch {
			case ok && rng.IntN(2) == 0:
				if tb.slots[i].log.ts != logOf(h) {
					t.Fatalf("max=%d op %d: log of %x holds %x", tc.max, op, h, tb.slots[i].log.ts)
				}
				tb.remove(i)
				delete(model, h)
			case !ok && tb.n < tb.max:
				i = tb.insert(h, i)
				tb.slots[i].log.ts = logOf(h)
				model[h] = true
			}
			if tb.n != len(model) || tb.n > tb.max || len(tb.slots) > tb.maxSize {
				t.Fatalf("max=%d op %d: n=%d model=%d size=%d maxSize=%d",
					tc.max, op, tb.n, len(model), len(tb.slots), tb.maxSize)
			}
		}
		for h := range model {
			if _, ok := tb.find(h); !ok {
				t.Fatalf("max=%d: %x lost", tc.max, h)
			}
		}
	}
}

// logOf is the log TestTableMatchesMap gives the key with hash h.
func logOf(h uint64) [inlineLen]uint32 {
	return [inlineLen]uint32{uint32(h), uint32(h >> 32), uint32(h), uint32(h >> 32)}
}

// TestTableSample checks that a whole-table sample finds min(len(dst), n)
// distinct keys, which the eviction guarantee rests on.
func TestTableSample(t *testing.T) {
	var tb table
	tb.init(100, 0)
	var dst [evictionSample]uint64
	for n := 1; n <= 100; n++ {
		tb.insert(uint64(n)<<50, -1)
		for range 20 {
			k := tb.sample(dst[:], 0)
			if k != min(n, len(dst)) {
				t.Fatalf("n=%d: sampled %d", n, k)
			}
			seen := map[uint64]bool{}
			for _, h := range dst[:k] {
				if seen[h] {
					t.Fatalf("n=%d: %x sampled twice", n, h)
				}
				seen[h] = true
			}
		}
	}
}
