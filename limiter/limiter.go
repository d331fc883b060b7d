// Package limiter decides whether a request may proceed under a rate limit of
// "Limit requests per Window" for each key, measured over a sliding window, in
// bounded memory and without allocating on the hot path.
//
// The caller derives a key from the request (a client address prefix, an API
// key, or a combination of parts) and calls [Window.Allow] with the key and the
// current time. Allow counts the request if it is allowed and returns a
// [Result] that carries everything the IETF RateLimit fields and Retry-After
// need. The package knows nothing about HTTP or configuration files.
//
// # Algorithm
//
// Every key keeps the two counters of the sliding window counter Cloudflare
// described in 2017 ("How we built rate limiting capable of scaling to millions
// of domains"). Time is cut into fixed windows of length Window, aligned to
// multiples of Window since the Unix epoch, and a key counts the requests
// allowed in the current fixed window (cur) and in the one before it (prev).
// The number of requests in the sliding window that ends now is estimated as
//
//	prev × (1 − elapsed/Window) + cur
//
// where elapsed is the time since the current fixed window began: the part of
// the previous window still inside the sliding window is assumed to hold its
// proportional share of prev. With Options.Counter a request is allowed when
// the estimate, counting the request itself, is at most Limit+Burst: 12 bytes
// of state per key whatever the limit, a decision in O(1), and exact integer
// arithmetic, so RetryAfter names the nanosecond at which a request would be
// allowed.
//
// The estimate is wrong when the previous window's requests were bunched
// rather than spread: bunched early, the counter is stricter than a true
// sliding window; bunched late, it is more lenient, and a burst that straddles
// a window boundary can get up to 2×(Limit+Burst)−1 requests into one interval
// of length Window. Never more: an interval that starts a fraction f into
// fixed window k holds at most prev (window k's count) plus what window k+1
// has allowed by then, which is at most budget − prev×(1−f); together
// budget + prev×f, below 2×budget. At low limits the counter also errs the
// other way for a client that never pauses: the last request of a fixed
// window fits only once the previous window's weight is below one request, so
// such a client gets fewer than Limit per Window (a fifth fewer at 5 per
// minute). In the package's accuracy test, which replays synthetic traffic
// through a Window and through an exact sliding log, the counter decides
// 10–25% of the requests of clients near their limit differently from the log.
//
// So by default the counter is only the fallback. The estimate and a true
// sliding window can only disagree about a key once Limit+Burst of its
// requests fall in its current and previous fixed windows, and nearly every
// key is far under that. Each key therefore also keeps the times of its last
// four allowed requests, inline; while its sliding window holds no more than
// four, they are its complete history, and it is decided exactly, by its log.
// The moment a fifth arrives in the window, the key is lent a full log (a
// ring of Limit+Burst timestamps, 4 bytes each) from its shard's pool, which
// starts with the complete history, so the key stays exact for as long as it
// holds the log; when its window is back under four it returns the log. A key
// that needs a log when the pool has none left (Options.LogKeys, a few
// percent of MaxKeys by default) is decided by its counters, which were kept
// all along, and counted in Stats.Inexact; it is exact again once its
// counters show no more than four requests since the previous fixed window
// began. Before giving up, a key that needs a log looks at a few lent ones and
// takes back any whose key's window no longer holds more than four. In the
// accuracy test the default agrees with the log on every request of every
// mix; with a pool far too small it degrades towards the counter's figures,
// never beyond its bound. Options.Exact makes the pool big enough for every
// key, for Limit+Burst up to MaxExact.
//
// The logs keep time in ticks: 1, 2 or 5×10ᵏ nanoseconds, the finest that
// divides the window into fewer than 2²⁸ (500 ns for a minute, 20 µs for an
// hour), so that a timestamp is 4 bytes. Requests within one tick of each
// other are the same instant to a log, and a request leaves the window when
// the tick Window after its own begins; RetryAfter and Reset are exact to the
// nanosecond for that rule.
//
// # What counts
//
// Only allowed requests count; a denied request leaves no trace. So a client
// that keeps retrying while it is limited still gets Limit requests per Window,
// and the RetryAfter it was told stays true however many retries it sends in
// between. Counting denied requests as well (as Cloudflare does) would keep a
// client that never pauses blocked forever, and nginx's limit_req, which this
// matches, counts only what it accepts. The price is that a Window limits
// throughput, not attempts: a client sending 100× the limit still has Limit of
// them allowed per Window.
//
// Burst widens the budget to Limit+Burst requests in any window, like nginx's
// limit_req burst with nodelay. Remaining and Reset are still reported against
// Limit, the quota the client is told about.
//
// # Memory and eviction
//
// Keys are hashed with hash/maphash and a random seed per Window, so an
// attacker cannot choose keys that collide, and only the 64-bit hash is kept:
// the key's bytes are never retained after Allow returns, which makes it safe
// to pass fasthttp's request buffers. Two keys with the same hash would share a
// count; among n keys that happens with probability about n²/2⁶⁵ (3·10⁻⁸ for a
// million keys).
//
// The hashes live in up to 256 shards, each with its own mutex and its own
// open-addressing table of 40-byte pointer-free slots, so concurrent callers
// rarely meet on a lock and the garbage collector never scans the tables. A
// million keys take about 55 bytes each (40-byte slots: the counters and
// four timestamps; Options.Counter leaves the timestamps unused, and saves
// only the pool). The pool of logs grows as keys borrow them, up to LogKeys
// logs of 4×(Limit+Burst) bytes, by default MaxKeys/16 but at most 32 MiB:
// 15 MB for a million keys at a Limit of 60 (72 bytes per key if every key is
// near its limit), the whole 32 MiB at a Limit of 1000 (90 bytes per key).
//
// A key whose current and previous windows are both over holds no information
// and is dead. No goroutine sweeps: each insertion of a new key looks at two
// random slots and drops the dead keys it finds, so idle keys fade away at the
// pace new ones arrive. MaxKeys caps the keys tracked, split evenly across the
// shards. When a new key arrives at a full shard, the shard looks at a random
// sample of eight keys and drops the dead ones among them; if there
// are none, it evicts the sampled key with the lowest current estimate. An
// evicted key starts again from zero, so eviction can only ever let a client
// through that should have been limited, never deny one that should not. A
// client that is being limited has an estimate of at least Limit, so a flood of
// one-off keys (estimate 1) cannot push it out; an attacker whose rotating keys
// each reach the limit as well can. Because the cap is per shard, evictions can
// start a little before Len reaches MaxKeys. Memory grows with the keys tracked
// up to MaxKeys and is not given back.
//
// # Time
//
// Time is a parameter, as in golang.org/x/time/rate, so tests use fixed
// instants and the caller reads the clock once per request. The times passed
// for one key should not go backwards; a slightly earlier time (two goroutines
// racing between reading the clock and calling Allow) is treated as the latest
// time already seen for that key, which errs towards denying.
//
// # Shared limits
//
// A Window counts in one process. [Redis] runs the counter or an exact sliding
// log inside Redis, one Lua script per decision, so that several sidewall
// replicas enforce one limit together; while Redis is unreachable it decides
// with a local Window (or allows) and reports the switch. Its documentation
// says which clock it uses, what it stores, and how it fails.
package limiter

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

const (
	// DefaultMaxKeys is the number of keys a Window tracks when Options.MaxKeys is 0.
	DefaultMaxKeys = 1_000_000

	// MaxExact is the largest Limit+Burst that Options.Exact accepts. Every key
	// may then hold a log of that many 4-byte timestamps, so at 64 a million keys
	// near their limit take 256 MB of logs; above that, let the pool (LogKeys)
	// bound what logs may take.
	MaxExact = 64

	// MinWindow and MaxWindow bound Options.Window. Below a millisecond a window
	// is clock jitter; above a year it is a quota, not a rate, and the arithmetic
	// on 2×Window would approach the range of time.Duration.
	MinWindow = time.Millisecond
	MaxWindow = 365 * 24 * time.Hour

	// maxShards bounds the shards of a Window: enough that two callers rarely
	// want the same lock on any machine sidewall runs on, few enough that a
	// Window with a small MaxKeys still has a useful number of keys per shard.
	maxShards = 256

	// minShardKeys is the fewest keys a shard is given when MaxKeys is split:
	// a shard much smaller than this evicts by luck of the hash, not by weight.
	minShardKeys = 64

	// sweepSample is how many keys an insertion into a shard that is not full
	// inspects for death. Two is enough for dead keys to be dropped about as
	// fast as new keys arrive, which is all the sweep needs to do.
	sweepSample = 2

	// evictionSample is how many keys a full shard inspects to choose a victim.
	// Eight makes it very unlikely that every sampled key is heavier than the
	// typical key, and keeps a full insertion within a few cache lines.
	evictionSample = 8
)

// Options configure a Window. The zero value is not valid: Limit and Window
// are required.
type Options struct {
	// Limit is the number of requests allowed per Window; it must be positive.
	// It is the quota reported in Result.Limit and Result.Remaining.
	Limit int

	// Window is the length of the sliding window, between MinWindow and MaxWindow.
	Window time.Duration

	// Burst is the number of requests tolerated above Limit in any window,
	// like nginx's limit_req burst with nodelay; 0 means none.
	Burst int

	// MaxKeys caps the keys tracked at once; 0 means DefaultMaxKeys. When the
	// cap is reached the least useful keys are dropped (see the package
	// documentation), and a dropped key starts again from zero.
	MaxKeys int

	// Counter decides every key by the two counters alone, as Cloudflare's
	// limiter does: no pool of logs, whatever the limit, but it decides 10–25%
	// of the requests of clients near their limit differently from a true
	// sliding window (see the package documentation).
	Counter bool

	// Exact lets every key hold a full log at once, so that no key is ever
	// decided by the counters (Stats.Inexact stays 0) whatever the traffic. It
	// needs Limit+Burst <= MaxExact, and an attacker who brings MaxKeys keys near
	// their limit at once makes the Window hold 4×(Limit+Burst) bytes for each.
	// Use it where every decision matters, such as counting password guesses.
	Exact bool

	// LogKeys is how many keys may hold a full log (4×(Limit+Burst) bytes) at
	// once, the rest of the keys near their limit being decided by the counters;
	// 0 means MaxKeys/DefaultLogFraction, but no more than DefaultLogBytes of
	// logs. It is split across the Window's shards like MaxKeys, and ignored
	// with Counter or Exact.
	LogKeys int
}

// algorithm names the algorithm o chooses, for messages.
func (o Options) algorithm() string {
	switch {
	case o.Counter:
		return "counter"
	case o.Exact:
		return "exact"
	}
	return "counter with logs"
}

// validate reports every problem with o at once, so a configuration with
// three mistakes needs one round trip, not three.
func (o Options) validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("limiter: "+format, args...))
	}
	if o.Limit <= 0 {
		bad("limit must be positive, got %d", o.Limit)
	}
	if o.Burst < 0 {
		bad("burst must not be negative, got %d", o.Burst)
	}
	// Counts are kept in uint32 and summed with headroom in uint64.
	if o.Limit > 0 && o.Burst >= 0 && int64(o.Limit)+int64(o.Burst) > math.MaxInt32 {
		bad("limit+burst must be at most %d, got %d", math.MaxInt32, int64(o.Limit)+int64(o.Burst))
	}
	if o.Window < MinWindow || o.Window > MaxWindow {
		bad("window must be between %v and %v, got %v", MinWindow, MaxWindow, o.Window)
	}
	if o.MaxKeys < 0 {
		bad("max keys must not be negative, got %d", o.MaxKeys)
	}
	if o.Exact && o.Limit > 0 && o.Burst >= 0 && o.Limit+o.Burst > MaxExact {
		bad("exact mode needs limit+burst at most %d, got %d", MaxExact, o.Limit+o.Burst)
	}
	if o.Exact && o.Counter {
		bad("exact and counter exclude each other")
	}
	if o.LogKeys < 0 {
		bad("log keys must not be negative, got %d", o.LogKeys)
	}
	return errors.Join(errs...)
}

// Result is the decision on one request. It is a small value returned by
// value, not a pointer, so that Allow does not allocate (as rate.go's
// reserveN returns a Reservation value).
type Result struct {
	// Allowed reports whether the request may proceed. Only allowed requests
	// are counted.
	Allowed bool

	// Limit is the policy's quota, Options.Limit.
	Limit int

	// Remaining is how many more requests the key could make now without going
	// over Limit (Burst aside); 0 when the request was denied.
	Remaining int

	// RetryAfter is, when Allowed is false, how long until a request for this
	// key would be allowed, assuming no other request for it is allowed in
	// between; it is always positive then. It is exact to the nanosecond: round
	// it up when converting to whole seconds for Retry-After. Zero when Allowed.
	RetryAfter time.Duration

	// Reset is how long until the key's quota is fully available again
	// (Remaining back to Limit) if it makes no more requests: the RateLimit
	// field's "t". With the counter a request weighs on the estimate until the
	// end of the next fixed window, so Reset after an allowed request is
	// between Window and 2×Window; with a log it is Window after the newest
	// request.
	Reset time.Duration
}

// Stats are cumulative counts for metrics. Reading them takes no locks.
type Stats struct {
	// Keys is the number of keys tracked now, as Len reports it.
	Keys int

	// Evictions counts live keys dropped since New because MaxKeys was
	// reached. Each one may let a client through early; a steady rate of them
	// means MaxKeys is too small or an attacker is rotating keys.
	Evictions uint64

	// Expired counts dead keys (both windows over) dropped since New to make
	// room or by the sweep on insertion. They are harmless.
	Expired uint64

	// Logs is the number of keys holding a full log now: those with more than
	// four requests in their window, up to Options.LogKeys.
	Logs int

	// Inexact counts requests decided by the counters alone since New because
	// their key needed a log when none was free; 0 with Exact, and not counted
	// with Counter, where every decision is the counters'. A steady rate means
	// LogKeys is too small for the keys near their limit.
	Inexact uint64
}

// Window is a sliding-window rate limiter over many keys.
//
// A Window is safe for concurrent use by any number of goroutines; its
// options are fixed by New. It needs no Close: it starts no goroutines, and
// its memory is freed with it.
type Window struct {
	opts   Options
	limit  uint64 // Options.Limit
	budget uint64 // Options.Limit + Options.Burst: what a sliding window may hold
	window int64  // Options.Window in nanoseconds
	logs   bool   // not Options.Counter: keys keep logs
	tick   int64  // the logs' clock: nanoseconds per tick
	ticks  uint32 // and ticks per Window
	seed   maphash.Seed
	shift  uint // a hash's top 64-shift bits choose its shard
	shards []shard
}

// shard is one lock's worth of keys, padded to a multiple of 128 bytes so two
// shards' locks never share a cache line (or an adjacent-line prefetch pair).
type shard struct {
	shardState
	_ [128 - unsafe.Sizeof(shardState{})%128]byte
}

type shardState struct {
	mu sync.Mutex
	t  table // guarded by mu

	// Written under mu, read without it by Len and Stats.
	keys      atomic.Int64
	evictions atomic.Uint64
	expired   atomic.Uint64
	inexact   atomic.Uint64
}

// New returns a Window for opts, or an error, starting "limiter: ", naming
// every invalid option.
func New(opts Options) (*Window, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.MaxKeys == 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	// The most shards (a power of two) that still leaves each minShardKeys.
	n := 1
	for n < maxShards && opts.MaxKeys/(2*n) >= minShardKeys {
		n *= 2
	}
	shardBits := uint(bits.TrailingZeros(uint(n)))
	w := &Window{
		opts:   opts,
		limit:  uint64(opts.Limit),
		budget: uint64(opts.Limit) + uint64(opts.Burst),
		window: int64(opts.Window),
		logs:   !opts.Counter,
		seed:   maphash.MakeSeed(),
		shift:  64 - shardBits,
		shards: make([]shard, n),
	}
	w.tick, w.ticks = tickFor(w.window)
	logKeys := 0
	if w.logs && w.budget > inlineLen {
		logKeys = opts.LogKeys
		if logKeys == 0 {
			logKeys = int(min(uint64(opts.MaxKeys/DefaultLogFraction), DefaultLogBytes/(4*w.budget)))
		}
		logKeys = min(logKeys, opts.MaxKeys)
	}
	for i := range w.shards {
		// Split MaxKeys and LogKeys exactly: the first shards take one more.
		share, logShare := split(opts.MaxKeys, n, i), split(logKeys, n, i)
		if opts.Exact {
			logShare = share
		}
		w.shards[i].t.init(share, shardBits)
		w.shards[i].t.pool = logPool{size: uint32(w.budget), max: logShare}
	}
	return w, nil
}

// split returns the ith of n nearly equal parts of total.
func split(total, n, i int) int {
	part := total / n
	if i < total%n {
		part++
	}
	return part
}

// Options returns the options the Window was made with, with MaxKeys set to
// the cap in force.
func (w *Window) Options() Options { return w.opts }

// Len returns the number of keys tracked now. It includes dead keys that no
// insertion has swept yet, and never exceeds MaxKeys.
func (w *Window) Len() int {
	n := 0
	for i := range w.shards {
		n += int(w.shards[i].keys.Load())
	}
	return n
}

// Stats returns the Window's counters. It takes no locks, so the fields may
// be a moment apart from each other.
func (w *Window) Stats() Stats {
	var st Stats
	for i := range w.shards {
		s := &w.shards[i]
		st.Keys += int(s.keys.Load())
		st.Evictions += s.evictions.Load()
		st.Expired += s.expired.Load()
		st.Logs += int(s.t.pool.used.Load())
		st.Inexact += s.inexact.Load()
	}
	return st
}

// Allow decides whether a request for key at time now may proceed, and counts
// it if so. It does not keep key. It makes no allocations unless key is new to
// the Window and its shard's table has to grow.
func (w *Window) Allow(key []byte, now time.Time) Result {
	h := w.hash(key)
	ns := now.UnixNano()
	// The division is done before taking the lock, to keep the critical
	// section short.
	idx, elapsed := w.split(ns)

	s := &w.shards[h>>w.shift]
	s.mu.Lock()
	// A deferred unlock costs next to nothing and keeps the shard usable if
	// a bug panics here and the server recovers.
	defer s.mu.Unlock()
	i, ok := s.t.find(h)
	if !ok {
		i = w.insert(s, h, i, idx, elapsed)
	}
	if w.logs {
		return w.decideLog(&s.shardState, i, idx, elapsed)
	}
	return w.decide(&s.t.slots[i], idx, elapsed)
}

// hash returns the hash that stands for key in the tables.
func (w *Window) hash(key []byte) uint64 {
	h := maphash.Bytes(w.seed, key)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h
}

// split returns the index, modulo 2³², of the fixed window holding the
// instant ns (nanoseconds since the Unix epoch), and the time elapsed in it.
func (w *Window) split(ns int64) (idx uint32, elapsed int64) {
	q, r := ns/w.window, ns%w.window
	if r < 0 { // before 1970: round towards minus infinity
		q, r = q-1, r+w.window
	}
	return uint32(q), r
}

// decide is the sliding window counter's decision for the key in s at the
// fixed window idx, elapsed nanoseconds in.
func (w *Window) decide(s *slot, idx uint32, elapsed int64) Result {
	var lag int64 // how far now lies before the instant decided at
	// Window indexes are kept modulo 2³², so the distance is too; the wrap
	// is misread only for a key idle for exactly 2³²±1 windows (136 years of
	// 1s windows) that no insertion has swept, and then costs one window of
	// stale counts.
	switch idx - s.win {
	case 0:
	case 1:
		s.prev, s.cur, s.win = s.cur, 0, idx
	case math.MaxUint32:
		// A late request, from the window before the key's current one: decide
		// it at the start of the current window, the strictest instant in it.
		lag = w.window - elapsed
		elapsed = 0
	default:
		s.prev, s.cur, s.win = 0, 0, idx
	}
	return w.estimate(s, elapsed, lag)
}

// estimate is the counter's decision for the key in s, whose counts are for the
// fixed window the decision falls in, elapsed nanoseconds in, lag nanoseconds
// after the request's own instant.
func (w *Window) estimate(s *slot, elapsed, lag int64) Result {
	rest := w.window - elapsed // time left in the fixed window, in (0, Window]
	// The estimate, rounded up: prev's share of the sliding window plus cur.
	// Rounding up is exact for the decision: est+1 <= budget in real numbers
	// exactly when ceil(est)+1 <= budget, because budget is whole.
	used := uint64(s.cur) + mulDivCeil(uint64(s.prev), uint64(rest), uint64(w.window))
	if used < w.budget {
		s.cur++
		return Result{
			Allowed:   true,
			Limit:     w.opts.Limit,
			Remaining: w.remaining(used + 1),
			Reset:     time.Duration(lag + rest + w.window),
		}
	}
	return Result{
		Limit:      w.opts.Limit,
		RetryAfter: time.Duration(lag + w.retryAfter(uint64(s.prev), uint64(s.cur), rest)),
		Reset:      time.Duration(lag + w.resetCounter(s, rest)),
	}
}

// retryAfter returns how long after now a request would be allowed for a key
// denied with counts prev and cur, rest nanoseconds before its fixed window
// ends, if nothing else is allowed in between. The estimate only falls as time
// passes, and continuously (at the boundary cur's weight becomes prev's), so
// the first instant it fits is found piece by piece.
func (w *Window) retryAfter(prev, cur uint64, rest int64) int64 {
	win := uint64(w.window)
	// Later in this window, prev's share shrinks with the time left (r); the
	// request fits once prev×r <= room×Window. Denied now means room < prev,
	// so the quotient is below Window.
	if cur < w.budget && prev > 0 {
		room := w.budget - 1 - cur
		if r := int64(mulDivFloor(room, win, prev)); r > 0 {
			return rest - r
		}
	}
	// Otherwise in the next window, where cur becomes prev and the new cur is
	// empty: the request fits once cur×r <= (budget-1)×Window.
	wait := rest
	if cur > w.budget-1 {
		wait += w.window - int64(mulDivFloor(w.budget-1, win, cur))
	}
	return wait
}

// resetCounter returns how long until the counts in s stop weighing on the
// estimate: prev's at the end of this window, cur's at the end of the next.
func (w *Window) resetCounter(s *slot, rest int64) int64 {
	switch {
	case s.cur > 0:
		return rest + w.window
	case s.prev > 0:
		return rest
	}
	return 0
}

// remaining turns the (rounded up) number of requests in the sliding window
// into the quota left against Limit.
func (w *Window) remaining(used uint64) int {
	if used >= w.limit {
		return 0
	}
	return int(w.limit - used)
}

// insert makes room for the new key h in s, whose table does not hold it but
// would put it in the empty slot at, and returns its slot. Any dead keys in a
// small random sample are dropped; if the shard is full and none were, the
// sampled key with the least weight goes.
func (w *Window) insert(s *shard, h uint64, at int, idx uint32, elapsed int64) int {
	t := &s.t
	full := t.n >= t.max
	var sample [evictionSample]uint64
	var k int
	if full {
		k = t.sample(sample[:], 0)
	} else {
		k = t.sample(sample[:sweepSample], 4*sweepSample)
	}
	var dropped uint64
	victim, least := uint64(0), math.Inf(1)
	for _, vh := range sample[:k] {
		i, _ := t.find(vh)
		wt := w.weight(&t.slots[i], idx, elapsed)
		if wt == 0 {
			t.remove(i)
			dropped++
		} else if wt < least {
			victim, least = vh, wt
		}
	}
	if dropped > 0 {
		s.expired.Add(dropped)
		at = -1 // removals shift entries back: the empty slot may have moved
	} else if full {
		i, _ := t.find(victim)
		t.remove(i)
		s.evictions.Add(1)
		at = -1
	}
	i := t.insert(h, at)
	t.slots[i].win = idx
	s.keys.Store(int64(t.n))
	return i
}

// weight is what eviction weighs the key in s by: its counters' estimate at the
// given instant, whatever the algorithm (every key keeps its counters). Zero
// means the key is dead: nothing it did still counts. The time given is the new
// key's, which may be a little before this key's latest; the weight is then
// slightly high, which only protects the key.
func (w *Window) weight(s *slot, idx uint32, elapsed int64) float64 {
	prev, cur := s.prev, s.cur
	switch idx - s.win {
	case 0, math.MaxUint32:
	case 1:
		prev, cur = cur, 0
	default:
		return 0
	}
	return float64(prev)*float64(w.window-elapsed)/float64(w.window) + float64(cur)
}

// mulDivCeil returns ⌈a×b/c⌉; a×b/c must be below 2⁶⁴.
func mulDivCeil(a, b, c uint64) uint64 {
	if a == 0 { // a key with nothing in its previous window: no division
		return 0
	}
	hi, lo := bits.Mul64(a, b)
	if hi == 0 { // the common case, and a cheaper division
		q := lo / c
		if q*c != lo {
			q++
		}
		return q
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		q++
	}
	return q
}

// mulDivFloor returns ⌊a×b/c⌋; a×b/c must be below 2⁶⁴.
func mulDivFloor(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi == 0 {
		return lo / c
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}
