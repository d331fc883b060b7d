package limiter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// t0 is a fixed instant on a minute boundary, so it starts a fixed window for
// every Window the tests use (1s, 1m).
var t0 = time.Date(2025, 1, 6, 12, 0, 0, 0, time.UTC)

// step is one request in a table test: key at t0+at, and the Result it must
// get. want.Limit is filled in from the options.
type step struct {
	at   time.Duration
	key  string
	want Result
}

func allowed(remaining int, reset time.Duration) Result {
	return Result{Allowed: true, Remaining: remaining, Reset: reset}
}

func denied(retryAfter, reset time.Duration) Result {
	return Result{RetryAfter: retryAfter, Reset: reset}
}

// eachAlgorithm returns opts with each algorithm: the counters alone, the
// default, and Exact.
func eachAlgorithm(opts Options) []Options {
	counter, exact := opts, opts
	counter.Counter, exact.Exact = true, true
	return []Options{counter, opts, exact}
}

// run replays steps through a new Window for opts, checking every Result.
func run(t *testing.T, opts Options, steps []step) {
	t.Helper()
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		key := s.key
		if key == "" {
			key = "k"
		}
		want := s.want
		want.Limit = opts.Limit
		if got := w.Allow([]byte(key), t0.Add(s.at)); got != want {
			t.Fatalf("step %d (%q at t0+%v):\n got %+v\nwant %+v", i, key, s.at, got, want)
		}
	}
}

func TestAllow(t *testing.T) {
	const ms, ns = time.Millisecond, time.Nanosecond
	sec := Options{Limit: 3, Window: time.Second, Counter: true}
	tests := []struct {
		name  string
		opts  Options
		steps []step
	}{{
		name: "limit enforced within one window",
		opts: sec,
		steps: []step{
			{0, "", allowed(2, 2*time.Second)},
			{0, "", allowed(1, 2*time.Second)},
			{0, "", allowed(0, 2*time.Second)},
			// Denied: in the next window the 3 become prev and weigh 3×(1-e);
			// a 4th fits once 3×(1-e) <= 2, at e = 1/3 (rounded up to the ns).
			{0, "", denied(time.Second+333333334*ns, 2*time.Second)},
			{500 * ms, "", denied(833333334*ns, 1500*ms)},
		},
	}, {
		name: "allowed exactly when RetryAfter says",
		opts: sec,
		steps: []step{
			{0, "", allowed(2, 2*time.Second)},
			{0, "", allowed(1, 2*time.Second)},
			{0, "", allowed(0, 2*time.Second)},
			{0, "", denied(time.Second+333333334*ns, 2*time.Second)},
			{time.Second + 333333333*ns, "", denied(1*ns, 666666667*ns)},
			{time.Second + 333333334*ns, "", allowed(0, time.Second+666666666*ns)},
		},
	}, {
		name: "window slides",
		opts: Options{Limit: 2, Window: time.Minute, Counter: true},
		steps: []step{
			{0, "", allowed(1, 2*time.Minute)},
			{10 * time.Second, "", allowed(0, 110*time.Second)},
			// prev=2 from t0+60s, half of it still inside at t0+90s.
			{20 * time.Second, "", denied(70*time.Second, 100*time.Second)},
			{90*time.Second - ns, "", denied(ns, 30*time.Second+ns)},
			{90 * time.Second, "", allowed(0, 90*time.Second)},
			// prev=1 (the request at t0+90s) weighs 1/2 at t0+150s.
			{150 * time.Second, "", allowed(0, 90*time.Second)},
			{180 * time.Second, "", allowed(0, 2*time.Minute)},
			// prev=1 weighs (59/60) and cur=1: nothing fits until the
			// window ends and prev drops out.
			{181 * time.Second, "", denied(59*time.Second, 119*time.Second)},
		},
	}, {
		name: "idle key starts over",
		opts: Options{Limit: 1, Window: time.Second, Counter: true},
		steps: []step{
			{0, "", allowed(0, 2*time.Second)},
			{100 * ms, "", denied(1900*ms, 1900*ms)},
			{2 * time.Second, "", allowed(0, 2*time.Second)},
			{10*time.Second + 250*ms, "", allowed(0, 1750*ms)},
		},
	}, {
		name: "burst tolerated, remaining against limit",
		opts: Options{Limit: 2, Burst: 1, Window: time.Second, Counter: true},
		steps: []step{
			{0, "", allowed(1, 2*time.Second)},
			{0, "", allowed(0, 2*time.Second)},
			{0, "", allowed(0, 2*time.Second)},
			{0, "", denied(time.Second+333333334*ns, 2*time.Second)},
		},
	}, {
		name: "keys independent",
		opts: Options{Limit: 1, Window: time.Second, Counter: true},
		steps: []step{
			{0, "a", allowed(0, 2*time.Second)},
			{0, "b", allowed(0, 2*time.Second)},
			{0, "a", denied(2*time.Second, 2*time.Second)},
			{0, "", allowed(0, 2*time.Second)},
			{0, "b", denied(2*time.Second, 2*time.Second)},
		},
	}, {
		name: "late request decided at the key's latest window",
		opts: Options{Limit: 2, Window: time.Second, Counter: true},
		steps: []step{
			{1500 * ms, "", allowed(1, 1500*ms)},
			// From the window before: decided at t0+1s, 100ms later.
			{900 * ms, "", allowed(0, 2100*ms)},
			{1600 * ms, "", denied(900*ms, 1400*ms)},
		},
	}, {
		name: "log: a true sliding log",
		opts: Options{Limit: 3, Window: time.Second, Exact: true},
		steps: []step{
			{0, "", allowed(2, time.Second)},
			{100 * ms, "", allowed(1, time.Second)},
			{200 * ms, "", allowed(0, time.Second)},
			{300 * ms, "", denied(700*ms, 900*ms)},
			{time.Second - ns, "", denied(ns, 200*ms+ns)},
			// The counter would deny here: 3 in the previous window weigh 3.
			{time.Second, "", allowed(0, time.Second)},
			{1150 * ms, "", allowed(0, time.Second)},
			{1160 * ms, "", denied(40*ms, time.Second-10*ms)},
			{2500 * ms, "", allowed(2, time.Second)},
		},
	}, {
		name: "log: burst and late request",
		opts: Options{Limit: 1, Burst: 1, Window: time.Second, Exact: true},
		steps: []step{
			{500 * ms, "", allowed(0, time.Second)},
			{400 * ms, "", allowed(0, 1100*ms)}, // decided at t0+500ms
			{400 * ms, "", denied(1100*ms, 1100*ms)},
			{1500 * ms, "", allowed(0, time.Second)},
		},
	}, {
		// Limit 6 needs a pooled log from the fifth request in the window; the
		// pool lends it, and takes it back once the window holds fewer than four.
		name: "log: promoted and given back",
		opts: Options{Limit: 6, Window: time.Second},
		steps: []step{
			{0, "", allowed(5, time.Second)},
			{100 * ms, "", allowed(4, time.Second)},
			{200 * ms, "", allowed(3, time.Second)},
			{300 * ms, "", allowed(2, time.Second)},
			{400 * ms, "", allowed(1, time.Second)}, // the fifth: pooled
			{500 * ms, "", allowed(0, time.Second)},
			{600 * ms, "", denied(400*ms, 900*ms)},
			// The counter would deny: 6 in the previous window weigh 5.4. The
			// log has 0 and 100 gone.
			{1100 * ms, "", allowed(1, time.Second)},
			{1250 * ms, "", allowed(1, time.Second)}, // 200 gone
			// Only 1250 is left: the log goes back to the pool.
			{2200 * ms, "", allowed(4, time.Second)},
			{2210 * ms, "", allowed(3, time.Second)},
			{2220 * ms, "", allowed(2, time.Second)},
			{2230 * ms, "", allowed(1, time.Second)}, // pooled again
			{2240 * ms, "", allowed(0, time.Second)},
			{2250 * ms, "", allowed(0, time.Second)}, // 1250 gone
			{2260 * ms, "", denied(940*ms, 990*ms)},
		},
	}, {
		// With no log to lend, a key near its limit is decided by its counters.
		name: "log: no log to lend",
		opts: Options{Limit: 6, Window: time.Second, LogKeys: 1, MaxKeys: 1},
		steps: []step{
			{0, "a", allowed(5, time.Second)},
			{0, "a", allowed(4, time.Second)},
			{0, "a", allowed(3, time.Second)},
			{0, "a", allowed(2, time.Second)},
			{0, "a", allowed(1, time.Second)}, // the fifth: pooled
			// b evicts a, and its log goes back to the pool.
			{500 * ms, "b", allowed(5, time.Second)},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { run(t, tt.opts, tt.steps) })
	}
}

func TestAllowBefore1970(t *testing.T) {
	w, err := New(Options{Limit: 1, Window: time.Second, Counter: true})
	if err != nil {
		t.Fatal(err)
	}
	// -1.5s lies in the window [-2s, -1s), half way through.
	if got := w.Allow(nil, time.Unix(-2, 500e6)); !got.Allowed || got.Reset != 1500*time.Millisecond {
		t.Fatalf("first: %+v", got)
	}
	if got := w.Allow(nil, time.Unix(-2, 750e6)); got.Allowed || got.RetryAfter != 1250*time.Millisecond {
		t.Fatalf("second: %+v", got)
	}
	// The logs' clock is modulo 2³² ticks, as happy before 1970 as after.
	w, err = New(Options{Limit: 1, Window: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Allow(nil, time.Unix(-2, 500e6)); !got.Allowed || got.Reset != time.Second {
		t.Fatalf("log, first: %+v", got)
	}
	if got := w.Allow(nil, time.Unix(-2, 750e6)); got.Allowed || got.RetryAfter != 750*time.Millisecond {
		t.Fatalf("log, second: %+v", got)
	}
}

// TestRetryAfterIsExact checks, over random traffic, that a denied key is
// still denied a nanosecond before RetryAfter has passed and allowed when it
// has, and that Remaining after an allowed request is exactly the number of
// further requests allowed at the same instant (Burst aside). Probing is safe
// because a denied request is not counted.
func TestRetryAfterIsExact(t *testing.T) {
	for _, opts := range []Options{
		{Limit: 7, Window: time.Second, Counter: true},
		{Limit: 5, Burst: 2, Window: time.Minute, Counter: true},
		{Limit: 1, Window: time.Second, Counter: true},
		{Limit: 7, Window: time.Second},
		{Limit: 5, Burst: 2, Window: time.Minute},
		{Limit: 1, Window: time.Second},
		{Limit: 7, Window: time.Second, Exact: true},
		{Limit: 5, Burst: 2, Window: time.Minute, Exact: true},
		{Limit: 3, Window: 7 * time.Hour},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			w, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			key := []byte("k")
			now := t0
			denials := 0
			for range 2000 {
				now = now.Add(time.Duration(rng.Int64N(int64(opts.Window) / 4)))
				r := w.Allow(key, now)
				if r.Allowed {
					if r.RetryAfter != 0 || r.Remaining < 0 || r.Remaining > opts.Limit {
						t.Fatalf("at %v: %+v", now.Sub(t0), r)
					}
					if rng.IntN(4) > 0 {
						continue
					}
					// Use up what Remaining promised; the next one needs the burst.
					for i := range r.Remaining {
						if !w.Allow(key, now).Allowed {
							t.Fatalf("at %v: denied after %d of Remaining=%d", now.Sub(t0), i, r.Remaining)
						}
					}
					if opts.Burst == 0 {
						if w.Allow(key, now).Allowed {
							t.Fatalf("at %v: allowed beyond Remaining=%d", now.Sub(t0), r.Remaining)
						}
					}
					continue
				}
				denials++
				if r.RetryAfter <= 0 || r.Remaining != 0 || r.Reset < r.RetryAfter {
					t.Fatalf("at %v: %+v", now.Sub(t0), r)
				}
				if early := w.Allow(key, now.Add(r.RetryAfter-1)); early.Allowed {
					t.Fatalf("at %v: %+v, but allowed 1ns early", now.Sub(t0), r)
				}
				now = now.Add(r.RetryAfter)
				if on := w.Allow(key, now); !on.Allowed {
					t.Fatalf("at %v: %+v, but denied on time: %+v", now.Sub(t0), r, on)
				}
			}
			if denials < 50 {
				t.Fatalf("only %d denials: the test did not exercise the limit", denials)
			}
		})
	}
}

// TestResetRestoresQuota checks that after Reset has passed with no more
// requests, Remaining is back to Limit-1 on the next request.
func TestResetRestoresQuota(t *testing.T) {
	for _, opts := range eachAlgorithm(Options{Limit: 4, Window: time.Second}) {
		w, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		now := t0
		for range 200 {
			var r Result
			for range 1 + rng.IntN(6) {
				now = now.Add(time.Duration(rng.Int64N(int64(100 * time.Millisecond))))
				r = w.Allow(nil, now)
			}
			now = now.Add(r.Reset)
			if got := w.Allow(nil, now); got.Remaining != 3 {
				t.Fatalf("%s: after %+v, at Reset got %+v", opts.algorithm(), r, got)
			}
		}
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		opts Options
		want []string // substrings of the error, one per problem
	}{
		{Options{Window: time.Second}, []string{"limit must be positive, got 0"}},
		{Options{Limit: -1, Window: time.Second}, []string{"limit must be positive, got -1"}},
		{Options{Limit: 1}, []string{"window must be between 1ms and 8760h0m0s, got 0s"}},
		{Options{Limit: 1, Window: time.Microsecond}, []string{"window must be"}},
		{Options{Limit: 1, Window: MaxWindow + 1}, []string{"window must be"}},
		{Options{Limit: 1, Window: time.Second, Burst: -1}, []string{"burst must not be negative"}},
		{Options{Limit: 1, Window: time.Second, MaxKeys: -5}, []string{"max keys must not be negative"}},
		{Options{Limit: 1 << 31, Window: time.Second}, []string{"limit+burst must be at most"}},
		{Options{Limit: 1 << 30, Burst: 1 << 30, Window: time.Second}, []string{"limit+burst must be at most"}},
		{Options{Limit: 60, Burst: 5, Window: time.Second, Exact: true}, []string{"exact mode needs limit+burst at most 64, got 65"}},
		{Options{Limit: 1, Window: time.Second, Exact: true, Counter: true}, []string{"exact and counter exclude each other"}},
		{Options{Limit: 1, Window: time.Second, LogKeys: -1}, []string{"log keys must not be negative, got -1"}},
		{Options{Limit: 0, Burst: -1, Window: -time.Second, MaxKeys: -1}, []string{
			"limit must be positive", "burst must not be negative", "window must be", "max keys must not be negative",
		}},
	}
	for _, tt := range tests {
		w, err := New(tt.opts)
		if err == nil || w != nil {
			t.Errorf("New(%+v) = %v, %v; want an error", tt.opts, w, err)
			continue
		}
		lines := strings.Split(err.Error(), "\n")
		if len(lines) != len(tt.want) {
			t.Errorf("New(%+v): %d problems reported, want %d:\n%v", tt.opts, len(lines), len(tt.want), err)
		}
		for i, line := range lines {
			if !strings.HasPrefix(line, "limiter: ") {
				t.Errorf("New(%+v): %q does not start with \"limiter: \"", tt.opts, line)
			}
			if i < len(tt.want) && !strings.Contains(line, tt.want[i]) {
				t.Errorf("New(%+v): %q does not say %q", tt.opts, line, tt.want[i])
			}
		}
	}
}

func TestOptions(t *testing.T) {
	opts := Options{Limit: 5, Burst: 2, Window: time.Minute, Exact: true}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := opts
	want.MaxKeys = DefaultMaxKeys
	if got := w.Options(); got != want {
		t.Errorf("Options() = %+v, want %+v", got, want)
	}
	if len(w.shards) != maxShards {
		t.Errorf("%d shards for the default MaxKeys, want %d", len(w.shards), maxShards)
	}
	// MaxKeys is split exactly, however small.
	for _, maxKeys := range []int{1, 2, 63, 127, 128, 1000, 12345, DefaultMaxKeys} {
		w, err := New(Options{Limit: 1, Window: time.Second, MaxKeys: maxKeys})
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i := range w.shards {
			sum += w.shards[i].t.max
		}
		if sum != maxKeys {
			t.Errorf("MaxKeys %d split into shards totalling %d", maxKeys, sum)
		}
	}
}

// TestConcurrentAllow runs goroutines deciding on a few shared keys at one
// instant while others flood a small Window with new keys, and checks that
// every shared key had exactly its budget allowed: counting is atomic per key
// and the flood evicts none of them. (Deterministic: each shared key is
// warmed to an estimate of 2 before the flood, each flood key has 1, and
// fewer shared keys than a sample holds means a flood key is always lighter.)
// Run it with -race.
func TestConcurrentAllow(t *testing.T) {
	const limit, burst, shared, workers, perWorker = 40, 10, evictionSample - 1, 4, 100
	for _, opts := range eachAlgorithm(Options{Limit: limit, Burst: burst, Window: time.Minute, MaxKeys: 1000}) {
		w, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		key := func(i int) []byte { return []byte(fmt.Sprintf("shared-%d", i)) }
		for i := range shared {
			w.Allow(key(i), t0)
			w.Allow(key(i), t0)
		}
		allowed := make([][shared]int, workers)
		done := make(chan struct{})
		for g := range workers {
			go func() {
				defer func() { done <- struct{}{} }()
				for range perWorker {
					for i := range shared {
						if w.Allow(key(i), t0).Allowed {
							allowed[g][i]++
						}
					}
				}
			}()
			go func() {
				defer func() { done <- struct{}{} }()
				var buf [8]byte
				for i := range 5000 {
					w.Allow(floodKey(&buf, g<<20|i), t0)
				}
			}()
		}
		for range 2 * workers {
			<-done
		}
		for i := range shared {
			total := 2
			for g := range workers {
				total += allowed[g][i]
			}
			if total != limit+burst {
				t.Errorf("%s: key %d had %d allowed, want %d", opts.algorithm(), i, total, limit+burst)
			}
		}
		if n := w.Len(); n > 1000 {
			t.Errorf("%s: Len %d > MaxKeys", opts.algorithm(), n)
		}
	}
}
