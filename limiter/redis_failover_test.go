package limiter

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/internal/stack"
)

// The limiter on a Redis Cluster and behind Sentinels, with a master killed: three
// limiters, each with its own connection as three sidewall processes would have, share
// one limit per key; a failover sends the keys of the lost master to the fallback until
// its replica takes over, and the counts it had replicated survive.

func TestHashSlot(t *testing.T) {
	// Values from CLUSTER KEYSLOT; the cluster test checks the limiter's own keys too.
	for key, want := range map[string]int{"123456789": 12739, "foo": 12182, "bar": 5061, "": 0} {
		if got := hashSlot([]byte(key)); got != want {
			t.Errorf("hashSlot(%q) = %d, want %d", key, got, want)
		}
	}
}

// topology is what a failover test needs of a Redis deployment.
type topology struct {
	conn     redisconn.Options
	masterOf func(ctx context.Context, key string) (*stack.Redis, error)
	// settled reports (nil) when the failover is over and the deployment is healthy
	// again.
	settled func(ctx context.Context) error
}

// failoverReplicas are three limiters through their own connections, with a local
// fallback each.
type failoverReplicas struct {
	limiters []*Redis
	switches []*switches
}

func newFailoverReplicas(t *testing.T, top topology, opts Options) *failoverReplicas {
	t.Helper()
	f := &failoverReplicas{}
	for range 3 {
		fb, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		sw := &switches{}
		f.switches = append(f.switches, sw)
		f.limiters = append(f.limiters, newRedis(t, redisConn(t, top.conn), RedisOptions{
			Options: opts, Prefix: "test:failover:", Fallback: fb, OnStateChange: sw.hook,
		}))
	}
	return f
}

// share sends n requests for key, round-robin over the limiters from three goroutines,
// and returns how many were allowed.
func (f *failoverReplicas) share(key string, n int) int {
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i, r := range f.limiters {
		wg.Go(func() {
			for j := i; j < n; j += len(f.limiters) {
				if r.Allow([]byte(key), time.Now()).Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return allowed
}

// stats sums the limiters' stats.
func (f *failoverReplicas) stats() (s RedisStats) {
	for _, r := range f.limiters {
		st := r.Stats()
		s.Decisions += st.Decisions
		s.FallbackDecisions += st.FallbackDecisions
		s.InFallback = s.InFallback || st.InFallback
	}
	return s
}

// redisKeyOf is the Redis key of a client key.
func (f *failoverReplicas) redisKeyOf(key string) string {
	return string(f.limiters[0].redisKey(nil, []byte(key)))
}

func TestRedisClusterSharedThroughFailover(t *testing.T) {
	ctx := context.Background()
	cl, err := stack.StartRedisCluster(ctx, t.TempDir(), 3, 1)
	skipWithoutRedis(t, err)
	t.Cleanup(cl.Stop)
	testSharedThroughFailover(t, topology{
		conn:     redisconn.Options{Cluster: cl.Seeds()},
		masterOf: cl.MasterOf,
		settled:  cl.WaitHealthy,
	}, func(f *failoverReplicas, keys []string) {
		// The keys spread over the three masters, each in the slot the limiter
		// computed for its fallback state.
		masters := map[*stack.Redis]bool{}
		for _, k := range keys {
			rk := f.redisKeyOf(k)
			m, err := cl.MasterOf(ctx, rk)
			if err != nil {
				t.Fatal(err)
			}
			masters[m] = true
			slot, err := m.Do(ctx, "CLUSTER", "KEYSLOT", rk)
			if n, _ := slot.AsInt64(); err != nil || int(n) != hashSlot([]byte(rk[len(rk)-2*redisHashBytes-1:len(rk)-1])) {
				t.Errorf("%s: CLUSTER KEYSLOT %d (%v), the limiter's slot %d", rk, n, err, hashSlot([]byte(rk)))
			}
		}
		if len(masters) != 3 {
			t.Errorf("%d keys landed on %d masters, want all 3", len(keys), len(masters))
		}
	})
}

func TestRedisSentinelSharedThroughFailover(t *testing.T) {
	ctx := context.Background()
	set, err := stack.StartRedisSentinel(ctx, t.TempDir())
	skipWithoutRedis(t, err)
	t.Cleanup(set.Stop)
	testSharedThroughFailover(t, topology{
		conn:     redisconn.Options{Sentinels: set.Addrs(), MasterSet: stack.SentinelMasterSet},
		masterOf: func(ctx context.Context, _ string) (*stack.Redis, error) { return set.Master(ctx) },
		settled:  set.WaitReady,
	}, nil)
}

// testSharedThroughFailover runs the three limiters on top: shared limits on a dozen
// keys; then a master is killed: the keys it served fall back (and a key of another
// master, on a cluster, stays shared), until its replica takes over; then the count it
// had replicated still holds, and a fresh key is shared again. spread checks where the
// dozen keys landed.
func testSharedThroughFailover(t *testing.T, top topology, spread func(*failoverReplicas, []string)) {
	ctx := context.Background()
	const limit = 30
	opts := Options{Limit: limit, Window: time.Hour}
	f := newFailoverReplicas(t, top, opts)

	// 1. Shared: each key gets the limit once among the three.
	var keys []string
	for i := range 12 {
		key := fmt.Sprintf("client-%d", i)
		keys = append(keys, key)
		if got := f.share(key, 40); got != limit {
			t.Errorf("%s: the three limiters allowed %d together, want %d", key, got, limit)
		}
	}
	if spread != nil {
		spread(f, keys)
	}

	// 2. Kill the master of keys[0], once its replicas have acknowledged what it holds:
	// its replica takes over with the counts. (Redis replicates asynchronously; what a
	// master had not sent on is lost with it. WAIT on a connection of its own would not
	// tell: see stack.Redis.WaitReplicated.)
	victim, err := top.masterOf(ctx, f.redisKeyOf(keys[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := victim.WaitReplicated(ctx); err != nil {
		t.Fatal(err)
	}
	var other string // a key another master serves, on a cluster
	for _, k := range keys[1:] {
		if m, err := top.masterOf(ctx, f.redisKeyOf(k)); err == nil && m != victim {
			other = k
			break
		}
	}
	outage := ""
	for i := 0; outage == ""; i++ { // a fresh key of the master to kill
		k := fmt.Sprintf("outage-%d", i)
		if m, err := top.masterOf(ctx, f.redisKeyOf(k)); err != nil {
			t.Fatal(err)
		} else if m == victim {
			outage = k
		}
	}
	before := f.stats()
	killed := time.Now()
	victim.Kill()

	// While it is down: requests for its keys are answered by the fallback, each
	// limiter allowing the limit on its own.
	if got := f.share(outage, 3*limit+15); got != 3*limit {
		t.Errorf("in the outage the three fallbacks allowed %d, want %d each", got, limit)
	}
	if st := f.stats(); !st.InFallback || st.FallbackDecisions == before.FallbackDecisions {
		t.Errorf("in the outage: %+v; want fallback decisions", st)
	}
	for i, sw := range f.switches {
		if sw.String() != "fallback" {
			t.Errorf("limiter %d's switches: %q, want one to the fallback", i, sw)
		}
	}
	if other != "" {
		// Another master's key is still decided by Redis: still at its limit.
		st := f.stats()
		if got := f.share(other, 6); got != 0 || f.stats().Decisions != st.Decisions+6 {
			t.Errorf("a key of a live master: %d allowed, %d of 6 decided by Redis; want its shared count, at the limit",
				got, f.stats().Decisions-st.Decisions)
		}
	}

	// 3. The replica takes over; each limiter probes once a second and returns.
	deadline := time.Now().Add(20 * time.Second)
	for f.stats().InFallback && time.Now().Before(deadline) {
		f.share(outage, 3)
		time.Sleep(50 * time.Millisecond)
	}
	back := time.Since(killed)
	if err := top.settled(ctx); err != nil {
		t.Fatal(err)
	}
	for i, sw := range f.switches {
		if sw.String() != "fallback,redis" {
			t.Errorf("limiter %d's switches: %q, want fallback,redis", i, sw)
		}
	}
	t.Logf("the limiters were back on Redis %v after the kill", back.Round(time.Millisecond))

	// The count the killed master had replicated holds on its replica: keys[0] is still
	// at its limit.
	st := f.stats()
	if got := f.share(keys[0], 6); got != 0 || f.stats().Decisions != st.Decisions+6 {
		t.Errorf("after the failover %s: %d allowed, %d of 6 decided by Redis; want the replicated count, at the limit",
			keys[0], got, f.stats().Decisions-st.Decisions)
	}
	// And a fresh key is shared again.
	if got := f.share("after", 40); got != limit {
		t.Errorf("after the failover the three limiters allowed %d together, want %d", got, limit)
	}
}
