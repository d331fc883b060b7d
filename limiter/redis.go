package limiter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/sidewall/sidewall/internal/redisconn"
)

const (
	// DefaultRedisTimeout is RedisOptions.Timeout when it is 0: a decision waits at most
	// this long for Redis before the fallback decides.
	DefaultRedisTimeout = 50 * time.Millisecond

	// DefaultRedisBackoff is RedisOptions.Backoff when it is 0: how long a limiter whose
	// Redis failed stays in fallback before asking it again.
	DefaultRedisBackoff = time.Second

	// redisHashBytes is how much of a key's SHA-256 names it in Redis: 128 bits, so that
	// even a billion keys collide with probability 10⁻²¹.
	redisHashBytes = 16

	// clusterSlots is the number of hash slots of a Redis Cluster.
	clusterSlots = 16384
)

// RedisOptions configure a Redis limiter.
type RedisOptions struct {
	// Options are the limit, as for Window: Limit, Window (a whole number of
	// microseconds), Burst, and Counter or Exact. MaxKeys and LogKeys do not apply:
	// Redis expires idle keys, and a list grows only as long as it needs to.
	Options

	// Prefix starts every Redis key of this limiter. Give each rule its own, e.g.
	// "sidewall:rl:login:"; limiters with the same prefix and options share counts.
	Prefix string

	// Timeout bounds one decision's round trip; 0 means DefaultRedisTimeout.
	Timeout time.Duration

	// Backoff is how long the limiter stays in fallback after Redis failed before it
	// asks again; 0 means DefaultRedisBackoff.
	Backoff time.Duration

	// Fallback decides while Redis is unreachable. Its Limit, Window, Burst, Counter
	// and Exact must be those of Options. Nil allows every request while Redis is unreachable.
	Fallback *Window

	// OnStateChange, if set, is called once for each switch: with fallback true and the
	// error that caused it when the limiter falls back, with fallback false and a nil
	// error when Redis answers again. It runs on the goroutine of the Allow that saw the
	// change, with the limiter's state lock held so that calls arrive in order: it must
	// be quick and must not call the limiter.
	OnStateChange func(fallback bool, err error)

	// CallerClock makes the script use the now passed to Allow instead of Redis's
	// clock. Replicas whose clocks differ then disagree about the window; it is meant for
	// tests with fixed instants.
	CallerClock bool
}

// RedisStats are a Redis limiter's cumulative counts, for metrics. Reading them takes
// no locks.
type RedisStats struct {
	// Decisions counts requests Redis decided.
	Decisions uint64
	// Errors counts calls to Redis that failed (an error or a timeout); each of those
	// requests was decided by the fallback.
	Errors uint64
	// Fallbacks counts switches from Redis to the fallback.
	Fallbacks uint64
	// FallbackDecisions counts requests decided by the fallback, or allowed for want of
	// one: those that found Redis failing and those that did not ask it.
	FallbackDecisions uint64
	// InFallback reports whether the limiter is in fallback now: for some keys at least,
	// on a cluster.
	InFallback bool
}

// Redis is a sliding-window rate limiter whose counts live in Redis, so that every
// sidewall replica using the same Redis, Prefix and options enforces one limit together,
// with the same Result as Window.
//
// One round trip: each decision is one EVALSHA of a Lua script (rueidis.Lua: EVALSHA,
// and EVAL once after Redis lost its script cache, on a restart or SCRIPT FLUSH). Redis
// runs a script atomically, so replicas deciding on one key at the same instant see each
// other's counts; the arithmetic is Window's, in microseconds instead of nanoseconds.
// With Counter the script keeps a hash per key, {w: fixed window index, p: previous
// window's count, c: current window's count}, which expires when its counts stop
// weighing on the estimate (the end of the window after w). Otherwise (the default, and
// Exact) it keeps an exact sliding log: a list per key of the timestamps of its allowed
// requests still in the window, newest first, which expires a Window after the newest.
// Redis lists take memory as they grow, about 10 bytes a request, so Redis needs no pool:
// every key is decided exactly, whatever Limit+Burst, and a key far under its limit costs
// a few requests' worth. The list is trimmed from its oldest end as requests leave the
// window, so a decision costs a few list commands whatever its length; for limits of
// thousands per window, where a busy key's list holds thousands, Counter keeps Redis's
// memory at one small hash per key. The script's numbers are Lua doubles: exact while
// (Limit+Burst)×Window in microseconds stays below 2⁵³ (a million requests per hour is
// 3.6·10¹⁵), and off by a microsecond or so beyond it.
//
// Time: by default the script reads Redis's own clock (TIME), not the caller's.
// Replicas' clocks differ by milliseconds, or by seconds on a badly kept host, and a
// sliding window decided by several clocks counts a request as early on one replica and
// late on another; one clock keeps every replica's decisions consistent. The now passed
// to Allow then times the fallback and the backoff only. RedisOptions.CallerClock passes
// now to the script instead, for tests with fixed instants (and a single replica).
//
// Keys: a Redis key is Prefix, the state's shape and window ("counter:1m0s:" for
// Counter's hash, "exact:1m0s:" for the log's list), and the first 128 bits of the
// SHA-256 of the caller's key, in hex and in braces: "sidewall:rl:login:exact:1m0s:{3f9c…}".
// The raw key (an API key, a session cookie) is never stored in Redis or sent over the
// wire. A plain SHA-256 needs no secret shared by the replicas, and no one can choose a
// key that collides with another's (a 2¹²⁸ search). It is not encryption: a low-entropy
// key such as an IPv4 address can be found by hashing all 2³² of them. The shape and
// window are part of the key so that a rule whose window changes starts afresh, and
// replicas running old and new configurations side by side during a rollout never read
// each other's state in the wrong shape.
//
// Cluster: the braces are a hash tag. Redis Cluster places a key by the CRC16 of its tag
// alone, so a key's slot is its hash's, spread evenly over the shards, and the keys of
// rules that count by the same thing (two rules by "addr") share a slot: everything one
// decision touches is in one slot, and a script that touched several keys of it would
// stay atomic on a cluster. (Each script touches one key today, which a cluster runs
// atomically on that key's master.)
//
// Failure: a call that fails (an error reply, a lost connection, or no answer within
// Timeout) is decided by the fallback Window (or allowed, when there is none) and puts
// the key's part of Redis in fallback: for the next Backoff (measured by the now of
// Allow) requests for it go straight to the fallback, without paying a timeout each; then
// one request probes Redis with its own decision. The part is all of Redis for a single
// server or a Sentinel set, and the key's hash slot on a cluster: when one shard fails
// over, only the keys of its slots are decided locally while the others are shared as
// before (16384 slots' state: 128 KiB per limiter on a cluster, 8 bytes elsewhere). The
// limiter as a whole is in fallback from the first failure until a call succeeds a
// Backoff or more after the last failure; each of those switches is reported once
// through OnStateChange and counted in RedisStats. The fallback counts only what it
// decided, so a client gets a fresh local quota when Redis goes away, and the shared one
// Redis remembers when it returns.
//
// A Redis is safe for concurrent use; its options are fixed by NewRedis. It does not
// own the connection: close it after the last Allow. It starts no goroutines.
type Redis struct {
	conn     *redisconn.Conn
	script   *rueidis.Lua
	opts     RedisOptions
	prefix   string   // Prefix + algorithm and window tag
	args     []string // the script's ARGV without now: window (µs), limit, limit+burst
	timeout  time.Duration
	backoff  int64 // nanoseconds
	fallback *Window

	// parts[slot % len(parts)] is 0 while that part of Redis answers; while it is in
	// fallback, the Unix nanoseconds before which it is not asked (see Failure above).
	parts    []atomic.Int64
	down     atomic.Bool  // the limiter as a whole is in fallback
	lastFail atomic.Int64 // Unix nanoseconds of the latest failed call
	mu       sync.Mutex   // serialises switches, so OnStateChange sees them in order

	decisions, errs, fallbacks, fallbackDecisions atomic.Uint64
}

// NewRedis returns a limiter deciding through conn with opts, or an error, starting
// "limiter: ", naming every invalid option. It does not contact Redis.
func NewRedis(conn *redisconn.Conn, opts RedisOptions) (*Redis, error) {
	var errs []error
	if conn == nil {
		errs = append(errs, errors.New("limiter: redis: no connection"))
	}
	if err := opts.Options.validate(); err != nil {
		errs = append(errs, err)
	} else if opts.Window%time.Microsecond != 0 {
		errs = append(errs, fmt.Errorf("limiter: redis: window must be a whole number of microseconds, got %v", opts.Window))
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("limiter: redis: timeout must not be negative, got %v", opts.Timeout))
	}
	if opts.Backoff < 0 {
		errs = append(errs, fmt.Errorf("limiter: redis: backoff must not be negative, got %v", opts.Backoff))
	}
	if f := opts.Fallback; f != nil {
		fo := f.Options()
		if fo.Limit != opts.Limit || fo.Window != opts.Window || fo.Burst != opts.Burst || fo.Counter != opts.Counter || fo.Exact != opts.Exact {
			errs = append(errs, fmt.Errorf("limiter: redis: the fallback's limit (%d per %v, burst %d, %s) differs from the limiter's (%d per %v, burst %d, %s)",
				fo.Limit, fo.Window, fo.Burst, fo.algorithm(), opts.Limit, opts.Window, opts.Burst, opts.algorithm()))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	if opts.Backoff == 0 {
		opts.Backoff = DefaultRedisBackoff
	}
	opts.MaxKeys, opts.LogKeys = 0, 0
	// The key names the state's shape, not the option: the default and Exact keep the
	// same list, and may share it.
	script, algo := exactScript, "exact"
	if opts.Counter {
		script, algo = counterScript, "counter"
	}
	parts := 1
	if conn.Cluster() {
		parts = clusterSlots
	}
	return &Redis{
		conn:   conn,
		parts:  make([]atomic.Int64, parts),
		script: rueidis.NewLuaScript(script),
		opts:   opts,
		prefix: opts.Prefix + algo + ":" + opts.Window.String() + ":",
		args: []string{
			strconv.FormatInt(opts.Window.Microseconds(), 10),
			strconv.Itoa(opts.Limit),
			strconv.Itoa(opts.Limit + opts.Burst),
		},
		timeout:  opts.Timeout,
		backoff:  int64(opts.Backoff),
		fallback: opts.Fallback,
	}, nil
}

// Options returns the limit the Redis limiter enforces (MaxKeys and LogKeys are 0: they
// do not apply).
func (r *Redis) Options() Options { return r.opts.Options }

// Stats returns the limiter's counters. It takes no locks, so the fields may be a moment
// apart from each other.
func (r *Redis) Stats() RedisStats {
	return RedisStats{
		Decisions:         r.decisions.Load(),
		Errors:            r.errs.Load(),
		Fallbacks:         r.fallbacks.Load(),
		FallbackDecisions: r.fallbackDecisions.Load(),
		InFallback:        r.down.Load(),
	}
}

// Allow decides whether a request for key at time now may proceed, and counts it if so,
// in Redis or, while its part of Redis is unreachable, in the fallback. It does not keep
// key. Its Result means what Window.Allow's does; when no fallback decides, it allows
// with Remaining equal to Limit and Reset 0.
//
// A decision by Redis makes one round trip and a few small allocations (the command,
// its reply, the timeout's context); a decision by the fallback makes none.
func (r *Redis) Allow(key []byte, now time.Time) Result {
	var buf [128]byte
	k := r.redisKey(buf[:0], key)
	part := &r.parts[0]
	if len(r.parts) > 1 {
		part = &r.parts[hashSlot(k[len(r.prefix)+1:len(k)-1])]
	}
	if at := part.Load(); at != 0 {
		// In fallback: one caller per Backoff probes Redis, the rest do not wait for it.
		if now.UnixNano() < at || !part.CompareAndSwap(at, now.UnixNano()+r.backoff) {
			return r.fallbackAllow(key, now)
		}
	}
	res, err := r.eval(k, now)
	if err != nil {
		r.errs.Add(1)
		part.Store(now.UnixNano() + r.backoff)
		r.fail(err, now)
		return r.fallbackAllow(key, now)
	}
	r.decisions.Add(1)
	if part.Load() != 0 {
		part.Store(0)
	}
	if r.down.Load() && now.UnixNano()-r.lastFail.Load() >= r.backoff {
		r.recover(now)
	}
	return res
}

// redisKey appends the Redis key of the caller's key to buf: the prefix, and the hash in
// braces.
func (r *Redis) redisKey(buf, key []byte) []byte {
	sum := sha256.Sum256(key)
	buf = append(append(buf, r.prefix...), '{')
	return append(hex.AppendEncode(buf, sum[:redisHashBytes]), '}')
}

// eval runs the script for the Redis key k: one round trip.
func (r *Redis) eval(k []byte, now time.Time) (Result, error) {
	client, err := r.conn.Client()
	if err != nil {
		return Result{}, fmt.Errorf("limiter: redis: %w", err)
	}
	args := r.args
	if r.opts.CallerClock {
		args = append(args[:len(args):len(args)], strconv.FormatInt(now.UnixMicro(), 10))
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	v, err := r.script.Exec(ctx, client, []string{string(k)}, args).AsIntSlice()
	if err != nil {
		return Result{}, fmt.Errorf("limiter: redis: %w", err)
	}
	if len(v) != 4 {
		return Result{}, fmt.Errorf("limiter: redis: the script returned %d values, want 4", len(v))
	}
	res := Result{
		Allowed:    v[0] == 1,
		Limit:      r.opts.Limit,
		Remaining:  int(v[1]),
		RetryAfter: time.Duration(v[2]) * time.Microsecond,
		Reset:      time.Duration(v[3]) * time.Microsecond,
	}
	if !res.Allowed && res.RetryAfter <= 0 {
		res.RetryAfter = time.Microsecond // the script's arithmetic rules this out; the contract is kept regardless
	}
	return res, nil
}

// fallbackAllow decides without Redis.
func (r *Redis) fallbackAllow(key []byte, now time.Time) Result {
	r.fallbackDecisions.Add(1)
	if r.fallback != nil {
		return r.fallback.Allow(key, now)
	}
	return Result{Allowed: true, Limit: r.opts.Limit, Remaining: r.opts.Limit}
}

// fail notes a failed call at now, and switches the limiter to the fallback unless it is
// there already.
func (r *Redis) fail(err error, now time.Time) {
	r.lastFail.Store(now.UnixNano())
	if r.down.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down.Load() { // another caller's failure got here first
		return
	}
	r.down.Store(true)
	r.fallbacks.Add(1)
	if r.opts.OnStateChange != nil {
		r.opts.OnStateChange(true, err)
	}
}

// recover switches the limiter back to Redis after a call at now succeeded a Backoff or
// more after the last failure.
func (r *Redis) recover(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.down.Load() || now.UnixNano()-r.lastFail.Load() < r.backoff {
		return
	}
	r.down.Store(false)
	if r.opts.OnStateChange != nil {
		r.opts.OnStateChange(false, nil)
	}
}

// hashSlot is Redis Cluster's hash slot of a key whose hash tag is tag: the CRC16
// (XMODEM) of the tag, modulo 16384. Computed here only to keep the fallback state per
// slot; rueidis computes it again to route the call.
func hashSlot(tag []byte) int {
	var crc uint16
	for _, b := range tag {
		crc ^= uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc) % clusterSlots
}

// scriptHead reads the arguments common to both scripts and the clock, and defines the
// exact integer helpers.
//
// KEYS[1] is the key's state; ARGV is window (µs), limit, limit+burst and, with
// CallerClock, now (µs since the Unix epoch). Each script returns {allowed (1 or 0),
// remaining, retry after (µs), reset (µs)}, Window's Result.
const scriptHead = `
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
if not now then
  if redis.replicate_commands then redis.replicate_commands() end -- Redis < 5: TIME before writes
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- floor(a*b/c), exact while a*b < 2^53: fmod is exact, and so is dividing a multiple of c
-- by c (a plain a*b/c rounds, and its floor can be one off). Also returns the remainder.
local function muldiv(a, b, c)
  local n = a * b
  local r = math.fmod(n, c)
  return (n - r) / c, r
end

local function remaining(used)
  if used >= limit then return 0 end
  return limit - used
end

-- Numbers are written as integers, not in Lua's %.14g.
local function int(x) return string.format('%.0f', x) end
`

// counterScript is Window.decide, retryAfter and resetCounter over a hash {w, p, c}.
const counterScript = scriptHead + `
local elapsed = math.fmod(now, window)
if elapsed < 0 then elapsed = elapsed + window end -- before 1970
local idx = (now - elapsed) / window

local st = redis.call('HMGET', KEYS[1], 'w', 'p', 'c')
local win = tonumber(st[1])
local prev, cur = tonumber(st[2]) or 0, tonumber(st[3]) or 0
local lag = 0 -- how far now lies before the instant decided at
if win == idx then
elseif win == idx - 1 then
  prev, cur, win = cur, 0, idx
elseif win == idx + 1 then
  -- a late request, from the window before the key's current one: decide it at the start
  -- of the current window, the strictest instant in it
  lag = window - elapsed
  elapsed = 0
else
  prev, cur, win = 0, 0, idx
end

local rest = window - elapsed
local share, r = muldiv(prev, rest, window)
if r > 0 then share = share + 1 end
local used = cur + share
if used < budget then
  redis.call('HSET', KEYS[1], 'w', int(win), 'p', int(prev), 'c', int(cur + 1))
  -- the counts weigh until the end of the window after win
  redis.call('PEXPIRE', KEYS[1], math.ceil(((win + 2) * window - now) / 1000))
  return {1, remaining(used + 1), 0, lag + rest + window}
end

-- Denied: nothing to write, as the next call redoes any rollover above the same way.
local wait
if cur < budget and prev > 0 then
  local fit = muldiv(budget - 1 - cur, window, prev)
  if fit > 0 then wait = rest - fit end
end
if not wait then
  wait = rest
  if cur > budget - 1 then
    wait = wait + window - muldiv(budget - 1, window, cur)
  end
end
local reset = 0
if cur > 0 then reset = rest + window elseif prev > 0 then reset = rest end
return {0, 0, lag + wait, lag + reset}
`

// exactScript is Window's sliding log (decideLog, without a pool) over a list of the
// allowed timestamps still in the window, newest first. The oldest end is trimmed as
// timestamps leave the window, so the list is never longer than limit+burst and a
// decision costs a few commands however long it is.
const exactScript = scriptHead + `
local newest = tonumber(redis.call('LINDEX', KEYS[1], 0))
local lag = 0
if newest and now < newest then -- a late request: decide it at the newest instant seen
  lag = newest - now
  now = newest
end
local cutoff = now - window -- timestamps at or before cutoff are out
local n = redis.call('LLEN', KEYS[1])
while n > 0 do
  local oldest = tonumber(redis.call('LINDEX', KEYS[1], -1))
  if oldest > cutoff then
    if n >= budget then
      return {0, 0, lag + oldest - cutoff, lag + newest - cutoff}
    end
    break
  end
  redis.call('RPOP', KEYS[1])
  n = n - 1
end
redis.call('LPUSH', KEYS[1], int(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
return {1, remaining(n + 1), 0, lag + window}
`
