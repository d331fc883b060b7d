package limiter

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/rueidis"

	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/internal/stack"
)

// The tests of the Redis limiter run against real redis-server processes on free
// loopback ports (Debian's package; `make test` installs it): a standalone server, a
// cluster, a master and replica under Sentinels. They skip, saying so, only where it is
// not installed, and never under `make test` (stack.RedisRequired).

// skipWithoutRedis skips t when err says redis-server is missing, and fails it on any
// other error.
func skipWithoutRedis(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNoRedis) && !stack.RedisRequired() {
		t.Skipf("%v; skipping the Redis limiter's tests", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// startRedis runs a redis-server for t, stopped when t ends.
func startRedis(t testing.TB) *stack.Redis {
	t.Helper()
	srv, err := stack.StartRedis(context.Background(), t.TempDir())
	skipWithoutRedis(t, err)
	t.Cleanup(func() { srv.Stop() })
	return srv
}

// redisConn connects as o says, closed when t ends (before the servers stop).
func redisConn(t testing.TB, o redisconn.Options) *redisconn.Conn {
	t.Helper()
	c, err := redisconn.Dial(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// rawClient is c's rueidis client, for a test to look at what Redis holds.
func rawClient(t testing.TB, c *redisconn.Conn) rueidis.Client {
	t.Helper()
	client, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// newRedis makes a limiter for a test. Unless the test sets one, the timeout is a
// second, not 50ms: the tests share two cores with whatever else runs, and a decision
// that times out goes to the fallback, which would muddle what they count. A stopped
// Redis refuses connections at once whatever the timeout.
func newRedis(t testing.TB, c *redisconn.Conn, opts RedisOptions) *Redis {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = time.Second
	}
	r, err := NewRedis(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// switches records the calls of OnStateChange.
type switches struct {
	mu     sync.Mutex
	events []string
}

func (s *switches) hook(fallback bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case fallback && err != nil:
		s.events = append(s.events, "fallback")
	case fallback:
		s.events = append(s.events, "fallback without an error")
	case err != nil:
		s.events = append(s.events, "redis with an error")
	default:
		s.events = append(s.events, "redis")
	}
}

func (s *switches) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.events, ",")
}

// TestRedisEnforcesLimit runs both algorithms on Redis's own clock: each key gets its
// limit and no more, the fields count down, and a denial says when to come back.
func TestRedisEnforcesLimit(t *testing.T) {
	srv := startRedis(t)
	c := redisConn(t, redisconn.Options{Addr: srv.Addr})
	for _, counter := range []bool{true, false} {
		t.Run(fmt.Sprintf("counter=%v", counter), func(t *testing.T) {
			// An hour, so that the few milliseconds of the test are very unlikely to
			// straddle a boundary of the counter's fixed windows.
			opts := Options{Limit: 10, Burst: 2, Window: time.Hour, Counter: counter}
			r := newRedis(t, c, RedisOptions{Options: opts, Prefix: "test:enforce:"})
			for _, key := range []string{"192.0.2.1", "192.0.2.2", "api-key-secret-0123456789"} {
				allowed := 0
				for i := range 20 {
					res := r.Allow([]byte(key), time.Now())
					if res.Limit != 10 {
						t.Fatalf("%s #%d: Limit %d, want 10", key, i, res.Limit)
					}
					if res.Allowed {
						allowed++
						if want := max(10-allowed, 0); res.Remaining != want {
							t.Errorf("%s #%d: Remaining %d, want %d", key, i, res.Remaining, want)
						}
						if res.RetryAfter != 0 || res.Reset < opts.Window || res.Reset > 2*opts.Window {
							t.Errorf("%s #%d: allowed with RetryAfter %v, Reset %v", key, i, res.RetryAfter, res.Reset)
						}
						if !counter && res.Reset != opts.Window {
							t.Errorf("%s #%d: the log's Reset %v, want the window", key, i, res.Reset)
						}
						continue
					}
					if res.Remaining != 0 || res.RetryAfter <= 0 || res.RetryAfter > 2*opts.Window ||
						res.Reset < res.RetryAfter || res.Reset > 2*opts.Window {
						t.Errorf("%s #%d: denied with Remaining %d, RetryAfter %v, Reset %v", key, i, res.Remaining, res.RetryAfter, res.Reset)
					}
				}
				if allowed != 12 {
					t.Errorf("%s: %d allowed, want limit+burst 12", key, allowed)
				}
			}
			st := r.Stats()
			if st.Decisions != 60 || st.Errors != 0 || st.Fallbacks != 0 || st.FallbackDecisions != 0 || st.InFallback {
				t.Errorf("Stats = %+v, want 60 decisions by Redis and nothing else", st)
			}
		})
	}

	// The keys are the prefix, the algorithm and window, and a hash as the hash tag: no
	// client's value is stored, and each expires.
	rc := rawClient(t, c)
	keys, err := rc.Do(context.Background(), rc.B().Keys().Pattern("*").Build()).AsStrSlice()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 6 {
		t.Errorf("Redis holds %d keys, want 3 per algorithm: %q", len(keys), keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "test:enforce:counter:1h0m0s:{") && !strings.HasPrefix(k, "test:enforce:exact:1h0m0s:{") {
			t.Errorf("key %q lacks the prefix and algorithm", k)
		}
		if i := strings.IndexByte(k, '{'); len(k)-i != 2*redisHashBytes+2 || !strings.HasSuffix(k, "}") {
			t.Errorf("key %q does not end in the hash as its hash tag", k)
		}
		if strings.Contains(k, "192.0.2") || strings.Contains(k, "secret") {
			t.Errorf("key %q holds the client's value", k)
		}
		ttl, err := rc.Do(context.Background(), rc.B().Pttl().Key(k).Build()).AsInt64()
		if err != nil || ttl <= 0 || ttl > 2*time.Hour.Milliseconds() {
			t.Errorf("key %q: PTTL %d (%v), want an expiry within two windows", k, ttl, err)
		}
	}
}

// TestRedisSharedByReplicas gives three limiters, each with its own client as three
// processes would have, one key: together they allow the limit once.
func TestRedisSharedByReplicas(t *testing.T) {
	srv := startRedis(t)
	for _, counter := range []bool{true, false} {
		opts := Options{Limit: 30, Window: time.Hour, Counter: counter}
		var replicas []*Redis
		for range 3 {
			replicas = append(replicas, newRedis(t, redisConn(t, redisconn.Options{Addr: srv.Addr}), RedisOptions{Options: opts, Prefix: "test:shared:"}))
		}
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for _, r := range replicas {
			wg.Go(func() {
				for range 40 {
					if r.Allow([]byte("198.51.100.7"), time.Now()).Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if allowed != 30 {
			t.Errorf("counter=%v: three replicas allowed %d together, want the limit 30", counter, allowed)
		}
	}
}

// TestRedisAgreesWithWindow replays the same requests, at the same fixed instants
// (CallerClock), through Window and through Redis: every decision and count agrees, and
// the waits agree to the microsecond the script counts in (never earlier than Window's).
func TestRedisAgreesWithWindow(t *testing.T) {
	srv := startRedis(t)
	c := redisConn(t, redisconn.Options{Addr: srv.Addr})
	for i, opts := range []Options{
		{Limit: 5, Window: time.Minute, Counter: true},
		{Limit: 10, Burst: 3, Window: 10 * time.Second, Counter: true},
		{Limit: 100, Window: time.Second, Counter: true},
		{Limit: 5, Window: time.Minute},
		{Limit: 10, Burst: 3, Window: 10 * time.Second},
		{Limit: 100, Window: time.Second},
		{Limit: 5, Window: time.Minute, Exact: true},
		{Limit: 10, Burst: 3, Window: 10 * time.Second, Exact: true},
	} {
		name := fmt.Sprintf("%d/%d+%d per %v %s", i, opts.Limit, opts.Burst, opts.Window, opts.algorithm())
		t.Run(name, func(t *testing.T) {
			w, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			r := newRedis(t, c, RedisOptions{Options: opts, Prefix: fmt.Sprintf("test:agree:%d:", i), CallerClock: true})
			rng := rand.New(rand.NewPCG(1, uint64(i)))
			keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
			budget := opts.Limit + opts.Burst
			// Requests about twice as fast as the limit allows, with an idle spell now and
			// then, now and then one a little late (the times of a key may go back a
			// little when goroutines race between reading the clock and deciding), and
			// some on the edges where off-by-one mistakes live.
			meanGap := int64(opts.Window) / int64(2*budget) // per key
			at := make([]int64, len(keys))                  // each key's clock, µs after t0
			mismatches := 0
			for n := range 900 {
				k := rng.IntN(len(keys))
				switch x := rng.IntN(100); {
				case x < 1:
					at[k] += 2 * opts.Window.Microseconds()
				case x < 6:
					at[k] -= rng.Int64N(opts.Window.Microseconds() / 10)
				case x < 16:
					// onto a grid of tenths of the window, so that instants fall exactly
					// on fixed-window boundaries and exactly a window after each other
					grid := opts.Window.Microseconds() / 10
					at[k] = (at[k]/grid + 1) * grid
				default:
					at[k] += rng.Int64N(2*meanGap/1000 + 1)
				}
				now := t0.Add(time.Duration(at[k]) * time.Microsecond)
				want := w.Allow(keys[k], now)
				got := r.Allow(keys[k], now)
				if diffResult(got, want) {
					if mismatches++; mismatches <= 5 {
						t.Errorf("request %d (key %s at %v): Redis %+v, Window %+v", n, keys[k], now.Sub(t0), got, want)
					}
				}
			}
			if st := r.Stats(); st.Errors != 0 || st.Decisions != 900 {
				t.Errorf("Stats = %+v, want 900 decisions and no errors", st)
			}
		})
	}
}

// diffResult reports whether Redis's result differs from Window's by more than the
// microseconds the script counts in allow.
func diffResult(got, want Result) bool {
	if got.Allowed != want.Allowed || got.Limit != want.Limit || got.Remaining != want.Remaining {
		return true
	}
	near := func(g, w time.Duration) bool { return g >= w && g-w < time.Microsecond }
	return !near(got.RetryAfter, want.RetryAfter) || !near(got.Reset, want.Reset)
}

// TestRedisFallback stops Redis under a limiter: the limiter falls back to its local
// window (or allows everything), says so once, does not ask Redis again until the
// backoff has passed, and returns to Redis once Redis answers.
func TestRedisFallback(t *testing.T) {
	for _, mode := range []string{"local", "allow"} {
		t.Run(mode, func(t *testing.T) {
			srv := startRedis(t)
			c := redisConn(t, redisconn.Options{Addr: srv.Addr})
			opts := Options{Limit: 5, Window: time.Minute}
			var fb *Window
			if mode == "local" {
				var err error
				if fb, err = New(opts); err != nil {
					t.Fatal(err)
				}
			}
			var sw switches
			r := newRedis(t, c, RedisOptions{
				Options: opts, Prefix: "test:fallback:", Fallback: fb,
				OnStateChange: sw.hook, CallerClock: true, Backoff: time.Second,
			})
			key := []byte("203.0.113.9")
			now := t0
			for range 3 {
				if !r.Allow(key, now).Allowed {
					t.Fatal("Redis denied a request under the limit")
				}
			}
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}

			// The first request after the outage finds Redis gone and falls back.
			res := r.Allow(key, now)
			if !res.Allowed || sw.String() != "fallback" {
				t.Fatalf("first request in the outage: %+v, switches %q; want allowed by the fallback, one switch", res, sw.String())
			}
			st := r.Stats()
			if !st.InFallback || st.Errors != 1 || st.Fallbacks != 1 || st.FallbackDecisions != 1 {
				t.Errorf("Stats after the switch = %+v", st)
			}
			// Within the backoff Redis is not asked: no more errors, and the fallback
			// decides. Its window starts fresh: the 3 requests Redis counted are not in it.
			allowed := 1
			for range 10 {
				if r.Allow(key, now.Add(500*time.Millisecond)).Allowed {
					allowed++
				}
			}
			wantAllowed := 11
			if mode == "local" {
				wantAllowed = 5
			}
			if allowed != wantAllowed {
				t.Errorf("fallback allowed %d of 11, want %d", allowed, wantAllowed)
			}
			if st := r.Stats(); st.Errors != 1 || st.FallbackDecisions != 11 {
				t.Errorf("Stats within the backoff = %+v, want still 1 error and 11 fallback decisions", st)
			}
			if mode == "allow" {
				if res := r.Allow(key, now.Add(600*time.Millisecond)); res.Remaining != 5 || res.Limit != 5 {
					t.Errorf("allow mode: %+v, want Remaining = Limit", res)
				}
			}

			// After the backoff one request probes; Redis is still down.
			r.Allow(key, now.Add(time.Second))
			if st := r.Stats(); st.Errors != 2 || st.Fallbacks != 1 || !st.InFallback {
				t.Errorf("Stats after a failed probe = %+v, want 2 errors, still one switch", st)
			}

			// Redis returns (empty: it persists nothing); the next probe, a backoff after
			// the last, switches back.
			if err := srv.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			if r.Allow(key, now.Add(1500*time.Millisecond)); r.Stats().Decisions != 3 {
				t.Errorf("Redis asked before the backoff passed: %+v", r.Stats())
			}
			now = now.Add(2 * time.Second)
			for try := 0; r.Stats().InFallback && try < 5; try++ {
				res = r.Allow(key, now)
				now = now.Add(time.Second)
			}
			if st := r.Stats(); st.InFallback || sw.String() != "fallback,redis" {
				t.Fatalf("Redis is back, but Stats = %+v, switches %q", st, sw.String())
			}
			if !res.Allowed || res.Remaining != 4 {
				t.Errorf("first decision back on Redis: %+v, want allowed with 4 remaining (Redis restarted empty)", res)
			}
		})
	}
}

// TestRedisTimeout freezes Redis: a decision gives up after Timeout and falls back, and
// the limiter returns to Redis when it thaws.
func TestRedisTimeout(t *testing.T) {
	srv := startRedis(t)
	c := redisConn(t, redisconn.Options{Addr: srv.Addr})
	fb, err := New(Options{Limit: 5, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var sw switches
	r := newRedis(t, c, RedisOptions{
		Options: fb.Options(), Prefix: "test:timeout:", Fallback: fb,
		OnStateChange: sw.hook, Timeout: 20 * time.Millisecond,
	})
	key := []byte("k")
	r.Allow(key, t0)
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	res := r.Allow(key, t0)
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	if !res.Allowed || sw.String() != "fallback" || r.Stats().Errors != 1 {
		t.Fatalf("with Redis frozen: %+v, switches %q, Stats %+v; want a fallback decision", res, sw.String(), r.Stats())
	}
	now := t0
	for try := 0; r.Stats().InFallback && try < 5; try++ {
		now = now.Add(time.Second)
		r.Allow(key, now)
	}
	if sw.String() != "fallback,redis" {
		t.Errorf("after Redis thawed: switches %q", sw.String())
	}
}

// TestRedisSwitchesOnce hammers a limiter from several goroutines through an outage and
// a recovery: OnStateChange is called once for each, in order.
func TestRedisSwitchesOnce(t *testing.T) {
	srv := startRedis(t)
	c := redisConn(t, redisconn.Options{Addr: srv.Addr})
	var sw switches
	r := newRedis(t, c, RedisOptions{
		Options: Options{Limit: 1000, Window: time.Minute}, Prefix: "test:once:",
		OnStateChange: sw.hook, CallerClock: true,
	})
	hammer := func(now time.Time) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 50 {
					r.Allow(fmt.Appendf(nil, "%d-%d", g, i), now)
				}
			})
		}
		wg.Wait()
	}
	hammer(t0)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	hammer(t0)
	if sw.String() != "fallback" {
		t.Fatalf("after the outage: switches %q, want one fallback", sw.String())
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	now := t0
	for try := 0; r.Stats().InFallback && try < 5; try++ {
		now = now.Add(time.Second)
		hammer(now)
	}
	if sw.String() != "fallback,redis" {
		t.Errorf("after the recovery: switches %q, want fallback,redis", sw.String())
	}
}

// TestRedisDownAtStart builds a limiter while nothing listens where its Redis should be,
// standalone and cluster: the limiter decides by its fallback.
func TestRedisDownAtStart(t *testing.T) {
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for _, o := range []redisconn.Options{{Addr: addr}, {Cluster: []string{addr}}} {
		c, err := redisconn.Dial(o)
		if err == nil || c == nil {
			t.Fatalf("Dial of a closed port = %v, %v; want a connection and the error", c, err)
		}
		fb, err := New(Options{Limit: 2, Window: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		var sw switches
		r := newRedis(t, c, RedisOptions{Options: fb.Options(), Fallback: fb, OnStateChange: sw.hook})
		var got []bool
		for range 3 {
			got = append(got, r.Allow([]byte("k"), t0).Allowed)
		}
		if fmt.Sprint(got) != "[true true false]" || sw.String() != "fallback" {
			t.Errorf("%s: decisions %v, switches %q; want the fallback's [true true false] and one switch", c, got, sw.String())
		}
		c.Close()
	}
}

func TestNewRedisErrors(t *testing.T) {
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	c, _ := redisconn.Dial(redisconn.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port)})
	defer c.Close()
	fb, err := New(Options{Limit: 5, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		client *redisconn.Conn
		opts   RedisOptions
		want   []string
	}{
		{"no connection", nil, RedisOptions{Options: Options{Limit: 5, Window: time.Minute}}, []string{"no connection"}},
		{"bad limit", c, RedisOptions{Options: Options{Limit: 0, Window: time.Minute}, Timeout: -1}, []string{"limit must be positive", "timeout must not be negative"}},
		{"sub-microsecond window", c, RedisOptions{Options: Options{Limit: 5, Window: time.Millisecond + 1}}, []string{"whole number of microseconds"}},
		{"fallback differs", c, RedisOptions{Options: Options{Limit: 6, Window: time.Minute}, Fallback: fb}, []string{"fallback's limit (5 per 1m0s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRedis(tt.client, tt.opts)
			if r != nil || err == nil {
				t.Fatalf("NewRedis = %v, %v; want an error", r, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "limiter: ") {
					t.Errorf("error line %q lacks the package prefix", line)
				}
			}
		})
	}
}

// BenchmarkRedisAllow measures a decision by Redis over loopback, in each shape: a
// standalone redis-server, a cluster of three masters with a replica each, and a master
// and replica under three Sentinels (the limiter talks to the master alone). One
// goroutine (each decision a full round trip), and 16 goroutines per P as the server's
// handlers run them under load (rueidis pipelines their commands, over one connection
// per node). On the 2-core test machine every redis-server shares the cores with the
// benchmark, so the serial figures of the cluster and Sentinel, whose masters feed a
// replica on the same cores, include that scheduling. Only the shape asked for is
// started: -bench 'RedisAllow/cluster'.
func BenchmarkRedisAllow(b *testing.B) {
	for _, shape := range []string{"standalone", "cluster", "sentinel"} {
		b.Run(shape, func(b *testing.B) {
			c := benchConn(b, shape)
			benchRedisAllow(b, c)
		})
	}
}

// benchConn starts a Redis of shape for b and connects to it.
func benchConn(b *testing.B, shape string) *redisconn.Conn {
	ctx := context.Background()
	switch shape {
	case "cluster":
		cl, err := stack.StartRedisCluster(ctx, b.TempDir(), 3, 1)
		skipWithoutRedis(b, err)
		b.Cleanup(cl.Stop)
		return redisConn(b, redisconn.Options{Cluster: cl.Seeds()})
	case "sentinel":
		set, err := stack.StartRedisSentinel(ctx, b.TempDir())
		skipWithoutRedis(b, err)
		b.Cleanup(set.Stop)
		return redisConn(b, redisconn.Options{Sentinels: set.Addrs(), MasterSet: stack.SentinelMasterSet})
	}
	srv := startRedis(b)
	return redisConn(b, redisconn.Options{Addr: srv.Addr})
}

func benchRedisAllow(b *testing.B, c *redisconn.Conn) {
	keys := benchKeys(1024)
	for _, counter := range []bool{true, false} {
		algo := "counter"
		if !counter {
			algo = "log"
		}
		// newRedis's timeout of a second: a saturated benchmark on two shared cores can keep
		// a reply waiting past 50ms, and a fallback decision would flatter the figure.
		r := newRedis(b, c, RedisOptions{Options: Options{Limit: 64, Window: time.Minute, Counter: counter}, Prefix: "bench:"})
		b.Run(algo+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r.Allow(keys[i], time.Now())
				if i++; i == len(keys) {
					i = 0
				}
			}
		})
		b.Run(algo+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(16) // many handlers waiting on Redis at once, as under load
			b.RunParallel(func(pb *testing.PB) {
				i := rand.IntN(len(keys))
				for pb.Next() {
					r.Allow(keys[i], time.Now())
					if i++; i == len(keys) {
						i = 0
					}
				}
			})
		})
		if st := r.Stats(); st.Errors > 0 {
			b.Errorf("%d decisions failed", st.Errors)
		}
	}
}
