//go:build !race

package limiter

import (
	"testing"
	"time"
)

// TestAllowDoesNotAllocate guards the hot path: a decision on a key the
// Window already tracks, allowed or denied, in either mode, makes no
// allocations. (The race detector allocates, hence the build tag.)
func TestAllowDoesNotAllocate(t *testing.T) {
	for _, opts := range []Options{
		{Limit: 10, Window: time.Second},
		{Limit: 10, Burst: 5, Window: time.Second, Exact: true},
	} {
		w, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		key := []byte("203.0.113.7")
		now := t0
		w.Allow(key, now)
		allocs := testing.AllocsPerRun(1000, func() {
			// A millisecond apart: past the limit within the first window,
			// then through rollovers, so allowed and denied paths both run.
			now = now.Add(time.Millisecond)
			w.Allow(key, now)
		})
		if allocs != 0 {
			t.Errorf("exact=%v: Allow made %v allocations per call, want 0", opts.Exact, allocs)
		}
	}
}
