package limiter

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"
)

// FuzzLogMatchesReference replays random traffic through a Window with a
// random, usually tiny, pool of logs and through the reference sliding log,
// and checks the promise the default makes: a key that has never been refused
// a log is decided exactly as the reference decides it, and a key that has is
// held to the counter's bound (never more than 2×(Limit+Burst)−1 in a window).
// The traffic mixes bursts, steady runs, pauses of a fraction of a window and
// idle spells of several, so keys are lent logs, give them back, have them
// reclaimed by other keys while idle, and run out.
func FuzzLogMatchesReference(f *testing.F) {
	for seed := range uint64(12) {
		f.Add(seed, uint8(seed*7), uint8(seed%3), uint8(seed%5), uint8(seed))
	}
	f.Fuzz(func(t *testing.T, seed uint64, limit, burst, logKeys, win uint8) {
		windows := [...]time.Duration{time.Second, time.Minute, 7 * time.Hour, 1500 * time.Millisecond}
		opts := Options{
			Limit:   1 + int(limit%40),
			Burst:   int(burst % 4),
			Window:  windows[int(win)%len(windows)],
			MaxKeys: 1000, // 8 shards of 125: no evictions with these few clients
			LogKeys: int(logKeys % 12),
		}
		if opts.LogKeys == 0 {
			opts.LogKeys = 1000 // plenty: every key must be exact
		}
		w, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		clients := 1 + rng.IntN(30)
		budget := opts.Limit + opts.Burst
		ref := &slidingLog{budget: budget, window: int64(opts.Window), logs: make([][]int64, clients)}
		peaks := &slidingLog{budget: 1 << 30, window: int64(opts.Window), logs: make([][]int64, clients)}
		keys := make([][]byte, clients)
		for c := range keys {
			keys[c] = binary.BigEndian.AppendUint32([]byte("fuzz-"), uint32(c))
		}
		refused := make([]bool, clients) // the client was once refused a log
		ticks := int64(opts.Window) / w.tick
		var now int64 // ticks after t0, shared by the clients: times never go back
		for range 3000 {
			switch x := rng.IntN(100); {
			case x < 60: // a burst: the same instant
			case x < 95:
				now += rng.Int64N(2*ticks/int64(budget) + 1)
			case x < 98:
				now += rng.Int64N(ticks)
			default:
				now += 2*ticks + rng.Int64N(3*ticks)
			}
			c := rng.IntN(clients)
			ns := now * w.tick
			got := w.Allow(keys[c], t0.Add(time.Duration(ns))).Allowed
			want := ref.allow(c, ns)
			if !refused[c] && got != want {
				t.Fatalf("%+v: client %d at %v: allowed=%v, the reference says %v (stats %+v)",
					opts, c, time.Duration(ns), got, want, w.Stats())
			}
			if got {
				peaks.allow(c, ns)
				n := len(peaks.logs[c])
				if n > 2*budget-1 {
					t.Fatalf("%+v: client %d allowed %d in a window", opts, c, n)
				}
				if !refused[c] && n > budget {
					t.Fatalf("%+v: client %d allowed %d in a window, exactly", opts, c, n)
				}
			}
			refused[c] = refused[c] || w.inexact(keys[c])
		}
		st := w.Stats()
		n := 0
		for _, r := range refused {
			if r {
				n++
			}
		}
		if n == 0 && st.Inexact > 0 {
			t.Fatalf("%+v: no key refused a log, yet %d inexact decisions", opts, st.Inexact)
		}
		if budget <= inlineLen && (st.Logs != 0 || st.Inexact != 0) {
			t.Fatalf("%+v: budget %d fits inline, yet %+v", opts, budget, st)
		}
	})
}

// inexact reports whether key is decided by its counters for want of a log.
func (w *Window) inexact(key []byte) bool {
	h := w.hash(key)
	s := &w.shards[h>>w.shift]
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.t.find(h)
	return ok && s.t.slots[i].log.state&logInexact != 0
}

// TestTickFor checks the logs' clock: the finest tick that keeps a window
// under maxTicks, dividing it when one of 1, 2, 5×10ᵏ ns can.
func TestTickFor(t *testing.T) {
	for _, tt := range []struct {
		window time.Duration
		tick   int64
		ticks  uint32
	}{
		{time.Millisecond, 1, 1_000_000},
		{time.Second, 5, 200_000_000},
		{time.Minute, 500, 120_000_000},
		{time.Hour, 20_000, 180_000_000},
		{MaxWindow, 200_000_000, 157_680_000},
		{time.Second + 1, 5, 200_000_001},     // rounded up by 4ns
		{10*time.Second + 3, 50, 200_000_001}, // not a whole number of any: rounded up
	} {
		tick, ticks := tickFor(int64(tt.window))
		if tick != tt.tick || ticks != tt.ticks || ticks >= maxTicks {
			t.Errorf("tickFor(%v) = %d ns × %d, want %d × %d", tt.window, tick, ticks, tt.tick, tt.ticks)
		}
	}
}

// TestLogStats checks what Stats say of the logs: keys holding one now, and
// requests decided by the counters because none was free; and that an idle
// key's log is reclaimed for a key that needs one.
func TestLogStats(t *testing.T) {
	w, err := New(Options{Limit: 10, Window: time.Second, MaxKeys: 64, LogKeys: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.shards) != 1 {
		t.Fatalf("%d shards, want 1", len(w.shards))
	}
	burst := func(key string, at time.Duration, n int) {
		for range n {
			w.Allow([]byte(key), t0.Add(at))
		}
	}
	burst("a", 0, 5) // the fifth is lent the one log
	if st := w.Stats(); st.Logs != 1 || st.Inexact != 0 {
		t.Fatalf("after a's burst: %+v", st)
	}
	burst("b", 0, 5) // none left: b's sixth request on is the counters'
	burst("b", 0, 3)
	if st := w.Stats(); st.Logs != 1 || st.Inexact != 3 || !w.inexact([]byte("b")) {
		t.Fatalf("after b's burst: %+v", st)
	}
	// A second on, a has nothing left in its window: its log is reclaimed for c.
	burst("c", time.Second, 5)
	if st := w.Stats(); st.Logs != 1 || st.Inexact != 3 || w.inexact([]byte("c")) {
		t.Fatalf("after c's burst: %+v", st)
	}
	// Two seconds on, b's counters show at most four requests in its window:
	// exact again.
	burst("b", 2*time.Second, 1)
	if st := w.Stats(); st.Inexact != 3 || w.inexact([]byte("b")) {
		t.Fatalf("b after idling: %+v", st)
	}
}
