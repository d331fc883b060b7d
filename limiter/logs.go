package limiter

import (
	"math"
	"sync/atomic"
	"time"
)

// This file is the default algorithm: the counter, with an exact sliding log for the
// keys near their limit (see the package documentation). A key's log is in one of three
// states, kept in keyLog.state:
//
//   - inline: the key's allowed requests still inside the sliding window, at most
//     inlineLen of them, are the whole of ts, a ring. Exact.
//   - pooled: they are a ring of Limit+Burst timestamps lent by the shard's logPool.
//     Exact.
//   - inexact: the key needed a log when the pool had none to lend, so it is decided by
//     its counters; ts keeps its newest allowed requests, so that it can become exact
//     again as soon as the counters show that they are all its window holds.
//
// Times in a log are ticks: fixed-window index × ticks per window + ticks into the window,
// modulo 2³². The ticks per window are below maxTicks, and every timestamp a key keeps is
// less than four windows from any instant it is compared with (a key's timestamps lie
// after the start of the fixed window before its latest, and a key more than a window
// past that is reset), so the difference of two ticks, read as an int32, is exact.

const (
	// inlineLen is the timestamps each key keeps in its slot: a key with at most this
	// many allowed requests in its window needs nothing more, and nearly all keys are
	// such keys. Four make a keyLog of 20 bytes and a slot of 40.
	inlineLen = 4

	// maxTicks bounds the ticks in a window (see tickFor), so that four windows of
	// ticks fit in an int32 with room to spare.
	maxTicks = 1 << 28

	// reclaimSample is how many pooled logs a key that needs one, finding the pool
	// empty, inspects for a log its owner no longer needs.
	reclaimSample = 8

	// DefaultLogBytes caps the memory of a Window's pool of logs when Options.LogKeys
	// is 0: at most this many bytes of timestamps, 4 per request of Limit+Burst per log.
	DefaultLogBytes = 32 << 20

	// DefaultLogFraction is the share of MaxKeys that may hold a full log at once when
	// Options.LogKeys is 0 (1/16: 62 500 of a million keys), unless DefaultLogBytes
	// allows fewer.
	DefaultLogFraction = 16
)

// keyLog states. Pooled: logPooled | the pool's log index. Inline: logInexact or not,
// the ring's head in bits 3-4 and its length in bits 0-2.
const (
	logPooled  = 1 << 31
	logInexact = 1 << 30
)

// keyLog is what the hybrid keeps per key besides the counters: 20 bytes, no pointers.
type keyLog struct {
	state uint32
	// ts is the inline ring, oldest first from its head; while the key is pooled, ts[0]
	// and ts[1] are the pooled ring's head and length.
	ts [inlineLen]uint32
}

// ring returns the key's log: its timestamps, the index of the oldest and their number.
func (e *keyLog) ring(p *logPool) (ring []uint32, head, n uint32) {
	if e.state&logPooled != 0 {
		return p.log(e.state &^ logPooled), e.ts[0], e.ts[1]
	}
	return e.ts[:], e.state >> 3 & 3, e.state & 7
}

// setRing records head and n for the key's log, keeping its state otherwise.
func (e *keyLog) setRing(head, n uint32) {
	if e.state&logPooled != 0 {
		e.ts[0], e.ts[1] = head, n
		return
	}
	e.state = e.state&logInexact | head<<3 | n
}

// logPool lends the keys of one shard that need more than inlineLen timestamps a ring of
// Limit+Burst, for as long as they need it. The rings live in one slice of uint32,
// which the garbage collector does not scan, grown by doubling up to max logs; free logs
// are chained through their first element.
//
// A logPool is guarded by its shard's mutex; used is also read by Stats without it.
type logPool struct {
	size  uint32   // timestamps per log: Limit+Burst
	max   int      // logs it may lend at once
	ts    []uint32 // log j is ts[j*size : (j+1)*size]
	owner []uint64 // the hash of the key holding log j, 0 while it is free
	free  uint32   // the first free log + 1; 0 when there is none
	hand  int      // where reclaim looks next
	used  atomic.Int64
}

func (p *logPool) log(j uint32) []uint32 {
	k := uint64(j) * uint64(p.size)
	return p.ts[k : k+uint64(p.size) : k+uint64(p.size)]
}

// get lends a log to the key with hash h, growing the pool if it may, and reports
// whether it could.
func (p *logPool) get(h uint64) (uint32, bool) {
	if p.free == 0 && !p.grow() {
		return 0, false
	}
	j := p.free - 1
	p.free = p.ts[uint64(j)*uint64(p.size)]
	p.owner[j] = h
	p.used.Add(1)
	return j, true
}

// put takes log j back.
func (p *logPool) put(j uint32) {
	p.owner[j] = 0
	p.ts[uint64(j)*uint64(p.size)] = p.free
	p.free = j + 1
	p.used.Add(-1)
}

// grow doubles the logs the pool has (starting at 8), up to max, and reports whether
// it made any.
func (p *logPool) grow() bool {
	n := len(p.owner)
	if n >= p.max {
		return false
	}
	m := min(max(2*n, 8), p.max)
	ts := make([]uint32, uint64(m)*uint64(p.size))
	copy(ts, p.ts)
	owner := make([]uint64, m)
	copy(owner, p.owner)
	p.ts, p.owner = ts, owner
	for j := m - 1; j >= n; j-- {
		p.ts[uint64(j)*uint64(p.size)] = p.free
		p.free = uint32(j) + 1
	}
	return true
}

// tickFor returns the length of a tick of a log's clock for a window, in nanoseconds,
// and the ticks in the window: the finest tick of 1, 2 or 5 × 10ᵏ ns that divides the
// window into fewer than maxTicks (5 ns for a second, 500 ns for a minute, 20 µs for an
// hour). A window that none of them divides (it is not a whole number of microseconds,
// and long) is rounded up to whole ticks of the finest that fits: its last tick is
// shorter than the others, which moves the log's edge by less than a tick.
func tickFor(window int64) (tick int64, ticks uint32) {
	fit := int64(0)
	for unit := int64(1); unit <= window; unit *= 10 {
		for _, m := range [...]int64{1, 2, 5} {
			t := unit * m
			if window/t >= maxTicks {
				continue
			}
			if window%t == 0 {
				return t, uint32(window / t)
			}
			if fit == 0 {
				fit = t
			}
		}
	}
	return fit, uint32((window + fit - 1) / fit)
}

// tickNs converts off, in ticks after the start of a fixed window, to nanoseconds after
// it.
func (w *Window) tickNs(off uint32) int64 {
	return int64(off/w.ticks)*w.window + int64(off%w.ticks)*w.tick
}

// wrap returns the index k places after head in a ring of size, without a
// division: k <= size.
func wrap(head, k, size uint32) uint32 {
	if j := head + k; j < size {
		return j
	}
	return head + k - size
}

// expired reports whether timestamp ts is outside the sliding window that ends at now.
func (w *Window) expired(ts, now uint32) bool {
	return int32(now-ts) >= int32(w.ticks)
}

// decideLog is the hybrid's decision for the key in slot i of the shard, at the fixed
// window idx, elapsed nanoseconds in.
func (w *Window) decideLog(sh *shardState, i int, idx uint32, elapsed int64) Result {
	t := &sh.t
	s := &t.slots[i]
	e := &s.log
	base := idx * w.ticks // the start of the fixed window, on the log's clock
	now := base + uint32(elapsed/w.tick)
	late := false
	switch idx - s.win {
	case 0:
	case 1:
		s.prev, s.cur, s.win = s.cur, 0, idx
	case math.MaxUint32:
		late = true // from the window before the key's: only the counter cares
	default:
		// Nothing the key did still counts; its log, wherever it is, is stale.
		s.prev, s.cur, s.win = 0, 0, idx
		if e.state&logPooled != 0 {
			t.pool.put(e.state &^ logPooled)
		}
		*e = keyLog{}
	}

	ring, head, n := e.ring(&t.pool)
	size := uint32(len(ring))
	for n > 0 && w.expired(ring[head], now) {
		if head++; head == size {
			head = 0
		}
		n--
	}
	if e.state&logPooled != 0 && n < inlineLen {
		// Few enough to keep inline again: give the log back.
		j := e.state &^ logPooled
		var ts [inlineLen]uint32
		for k := range n {
			ts[k] = ring[wrap(head, k, size)]
		}
		t.pool.put(j)
		*e = keyLog{state: n, ts: ts}
		ring, head, size = e.ts[:], 0, inlineLen
	}
	if e.state&logInexact != 0 {
		if late || uint64(s.prev)+uint64(s.cur) > inlineLen {
			return w.decideInexact(sh, s, e, elapsed, late, now)
		}
		// The counters say the key allowed no more than inlineLen requests since the
		// fixed window before this one began, and ts holds its newest inlineLen: all
		// its window can hold. Exact again. (Not for a late request, whose window
		// reaches back into one the counters have forgotten.)
		e.state &^= logInexact
	}

	var newest uint32
	if n > 0 { // a late request: decide it at the newest instant seen
		if newest = ring[wrap(head, n-1, size)]; int32(newest-now) > 0 {
			now = newest
		}
	}
	if uint64(n) >= w.budget {
		oldest := ring[head]
		return Result{
			Limit:      w.opts.Limit,
			RetryAfter: time.Duration(w.tickNs(oldest+w.ticks-base) - elapsed),
			Reset:      time.Duration(w.tickNs(newest+w.ticks-base) - elapsed),
		}
	}
	if n == size { // inline and full: the key needs a pooled log from now on
		if j, ok := w.lend(t, s.hash, idx, now); ok {
			pooled := t.pool.log(j)
			for k := range n {
				pooled[k] = ring[wrap(head, k, size)]
			}
			e.state = logPooled | j
			ring, head, size = pooled, 0, uint32(len(pooled))
		} else {
			// No log to lend: the counters decide from the next request on.
			e.state |= logInexact
			if head++; head == size {
				head = 0
			}
			n--
		}
	}
	ring[wrap(head, n, size)] = now
	n++
	e.setRing(head, n)
	s.cur++
	return Result{
		Allowed:   true,
		Limit:     w.opts.Limit,
		Remaining: w.remaining(uint64(n)),
		Reset:     time.Duration(w.tickNs(now+w.ticks-base) - elapsed),
	}
}

// decideInexact decides, by its counters, for a key that has no complete log, and
// keeps its newest allowed requests in its inline ring.
func (w *Window) decideInexact(sh *shardState, s *slot, e *keyLog, elapsed int64, late bool, now uint32) Result {
	sh.inexact.Add(1)
	var lag int64
	if late { // decide it at the start of the key's window, as decide does
		lag = w.window - elapsed
		elapsed = 0
		now = s.win * w.ticks
	}
	r := w.estimate(s, elapsed, lag)
	if r.Allowed {
		_, head, n := e.ring(nil)
		if n > 0 { // keep the ring in order: never before the newest
			if newest := e.ts[(head+n-1)%inlineLen]; int32(newest-now) > 0 {
				now = newest
			}
		}
		if n == inlineLen {
			head = (head + 1) % inlineLen
			n--
		}
		e.ts[(head+n)%inlineLen] = now
		e.setRing(head, n+1)
	}
	return r
}

// lend finds a log for the key with hash h, which needs one at the instant now of fixed
// window idx: a free one, a new one if the pool may grow, or else one that a key holds
// but no longer needs, because no more than inlineLen of its requests are still in its
// window (the key returns to its inline ring, exact as before).
func (w *Window) lend(t *table, h uint64, idx, now uint32) (uint32, bool) {
	p := &t.pool
	if j, ok := p.get(h); ok || len(p.owner) == 0 {
		return j, ok
	}
	for range min(reclaimSample, len(p.owner)) {
		j := uint32(p.hand)
		if p.hand++; p.hand == len(p.owner) {
			p.hand = 0
		}
		i, ok := t.find(p.owner[j])
		if !ok {
			continue // cannot happen: a key's log is taken back when it is removed
		}
		s := &t.slots[i]
		e := &s.log
		ring, head, n := p.log(j), e.ts[0], e.ts[1]
		switch d := int32(idx - s.win); {
		case d >= 2:
			n = 0 // idle for over a window: all stale, as its next decision would find
		case d >= -1:
			for n > 0 && w.expired(ring[head], now) {
				if head++; head == p.size {
					head = 0
				}
				n--
			}
		default:
			continue // its clock is windows ahead of this one: leave it be
		}
		if n > inlineLen {
			e.ts[0], e.ts[1] = head, n
			continue
		}
		var ts [inlineLen]uint32
		for k := range n {
			ts[k] = ring[wrap(head, k, p.size)]
		}
		*e = keyLog{state: n, ts: ts}
		p.put(j)
		return p.get(h)
	}
	return 0, false
}
