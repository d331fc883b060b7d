//go:build !race

package limiter

import (
	"fmt"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/internal/stack"
)

// TestAllowDoesNotAllocate guards the hot path: a decision on a key the
// Window already tracks, allowed or denied, with any algorithm, makes no
// allocations, once the pool of logs has grown to what the key needs: the
// key is lent a log and gives it back, over and over. (The race detector
// allocates, hence the build tag.)
func TestAllowDoesNotAllocate(t *testing.T) {
	for _, opts := range []Options{
		{Limit: 10, Window: time.Second, Counter: true},
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
			t.Errorf("%s: Allow made %v allocations per call, want 0", opts.algorithm(), allocs)
		}
	}
}

// TestRedisFallbackDoesNotAllocate: while Redis is unreachable, a Redis limiter's
// decisions are its fallback Window's, and as free of allocations, standalone and on a
// cluster (where the key's slot picks its fallback state).
func TestRedisFallbackDoesNotAllocate(t *testing.T) {
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for _, o := range []redisconn.Options{{Addr: addr}, {Cluster: []string{addr}}} {
		c, _ := redisconn.Dial(o)
		defer c.Close()
		fb, err := New(Options{Limit: 10, Window: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewRedis(c, RedisOptions{Options: fb.Options(), Fallback: fb})
		if err != nil {
			t.Fatal(err)
		}
		key := []byte("203.0.113.7")
		now := t0
		r.Allow(key, now) // finds nothing listening, and falls back
		allocs := testing.AllocsPerRun(1000, func() {
			now = now.Add(time.Microsecond) // within the backoff: no probe
			r.Allow(key, now)
		})
		if allocs != 0 || !r.Stats().InFallback {
			t.Errorf("%s: in fallback (%+v), Allow made %v allocations per call, want 0", c, r.Stats(), allocs)
		}
	}
}
