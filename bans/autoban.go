package bans

import (
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/sidewall/sidewall/limiter"
)

// The kinds of denial an AutoBan counts, as they read in a ban's reason and evidence
// (the same words as the X-Sidewall-Action of those denials).
const (
	DenialWAF       = "waf"
	DenialRateLimit = "ratelimit"
)

// AutoBanOptions configure an AutoBan.
type AutoBanOptions struct {
	// Threshold is the number of counted denials within Window that earns a ban (1: the
	// first denial bans).
	Threshold int
	Window    time.Duration
	// BanFor is how long the ban lasts.
	BanFor time.Duration
	// WAF and RateLimit choose which denials count: the WAF's (not detection-only
	// matches, not a 413 for a body over the limit) and those of rate-limit rules with
	// action "deny".
	WAF, RateLimit bool
	// MaxKeys bounds the clients counted at once; 0 means the limiter's default.
	MaxKeys int
}

// AutoBan bans a client that earns Threshold denials within Window, like fail2ban: each
// denial of a counted kind is one request against a sliding-window limiter keyed by the
// client (an IPv4 address, or an IPv6 /64: one host usually owns a /64, and counting
// single IPv6 addresses would let a client dodge by rotating within it); the first
// denial the limiter refuses is the Threshold-th, and bans the same address or /64.
//
// Count returns the ban for the caller to queue (Store.Submit), so that the hot path
// never waits for a file write; until it applies, a few milliseconds later, the client's
// further denials earn it again and the store keeps one. Only denials pay anything: the
// allow path does not reach AutoBan at all.
//
// Evidence: the last evidenceSize counted denials of all clients are kept in a ring, and
// a ban carries those of its client within the window (the time, the kind, the rule
// name or the WAF's rule ids), for its log line and the ban list. Under a flood of
// denials from many clients the ring may hold fewer than Threshold of them.
//
// An AutoBan is safe for concurrent use; its options are fixed by NewAutoBan. Like a rate
// limit's window, a reload that keeps the options keeps the AutoBan, and with it the
// counts.
type AutoBan struct {
	opts    AutoBanOptions
	counter *limiter.Window // nil when Threshold is 1
	reason  string          // "autoban: 10 waf/ratelimit denials in 1m0s"

	mu     sync.Mutex
	recent [evidenceSize]denial // a ring, guarded by mu
	next   int                  // the ring's next slot, guarded by mu
}

// evidenceSize is how many recent denials AutoBan remembers for evidence, and
// maxEvidence how many a ban carries.
const (
	evidenceSize = 1024
	maxEvidence  = 20
)

// denial is one counted denial, for evidence.
type denial struct {
	at     time.Time
	client netip.Prefix // the counted key: an IPv4 /32 or an IPv6 /64
	kind   string       // DenialWAF or DenialRateLimit
	detail string       // the rule name, or the WAF's rule ids
}

// NewAutoBan returns an AutoBan for opts, or the limiter's error for a bad Window or
// MaxKeys.
func NewAutoBan(opts AutoBanOptions) (*AutoBan, error) {
	a := &AutoBan{opts: opts}
	if opts.Threshold > 1 {
		var err error
		a.counter, err = limiter.New(limiter.Options{
			// The counter allows Threshold-1 denials; the one it refuses is the
			// Threshold-th. Small thresholds are counted exactly, as a login limit is.
			Limit:   opts.Threshold - 1,
			Window:  opts.Window,
			MaxKeys: opts.MaxKeys,
			Exact:   opts.Threshold-1 <= limiter.MaxExact,
		})
		if err != nil {
			return nil, err
		}
	}
	kinds := ""
	if opts.WAF {
		kinds = DenialWAF
	}
	if opts.RateLimit {
		if kinds != "" {
			kinds += "/"
		}
		kinds += DenialRateLimit
	}
	a.reason = "autoban: " + strconv.Itoa(opts.Threshold) + " " + kinds + " denials in " + opts.Window.String()
	return a, nil
}

// Options returns the options a was built with.
func (a *AutoBan) Options() AutoBanOptions { return a.opts }

// Counts reports whether denials of kind (DenialWAF or DenialRateLimit) count towards a
// ban.
func (a *AutoBan) Counts(kind string) bool {
	return (kind == DenialWAF && a.opts.WAF) || (kind == DenialRateLimit && a.opts.RateLimit)
}

// Count counts a denial of kind against the client at addr, at now; detail is the rule
// name or the WAF's rule ids, for evidence. When this denial is the Threshold-th within
// Window it returns the ban the client earned, for the caller to submit and log. The
// caller has checked Counts(kind), and that the client is not allowlisted (a ban could
// not apply to it).
func (a *AutoBan) Count(addr netip.Addr, kind, detail string, now time.Time) (Ban, bool) {
	client := clientPrefix(addr)
	a.record(denial{at: now, client: client, kind: kind, detail: detail})
	if a.counter != nil {
		var key [2 + 16]byte
		if a.counter.Allow(appendClientKey(key[:0], client), now).Allowed {
			return Ban{}, false
		}
	}
	return Ban{Prefix: client, Reason: a.reason, Source: SourceAutoBan,
		Created: now, Expires: now.Add(a.opts.BanFor), Evidence: a.evidence(client, now)}, true
}

// clientPrefix is the client a denial is counted against, and banned: an IPv4 address,
// or an IPv6 /64.
func clientPrefix(addr netip.Addr) netip.Prefix {
	addr = addr.Unmap()
	if addr.Is4() {
		return netip.PrefixFrom(addr, 32)
	}
	p, _ := addr.WithZone("").Prefix(64)
	return p
}

// appendClientKey appends the counter's key for client: the family, the prefix length
// and the address bytes, so that IPv4 and IPv6 keys never collide.
func appendClientKey(dst []byte, client netip.Prefix) []byte {
	a := client.Addr()
	if a.Is4() {
		b := a.As4()
		return append(append(dst, 4, 32), b[:]...)
	}
	b := a.As16()
	return append(append(dst, 6, 64), b[:]...)
}

// record remembers d for evidence.
func (a *AutoBan) record(d denial) {
	a.mu.Lock()
	a.recent[a.next] = d
	a.next = (a.next + 1) % evidenceSize
	a.mu.Unlock()
}

// evidence returns the remembered denials of client within the window before now, oldest
// first, at most maxEvidence (the latest): "2026-11-29T12:00:00.25Z waf 942100,949110".
func (a *AutoBan) evidence(client netip.Prefix, now time.Time) []string {
	from := now.Add(-a.opts.Window)
	var found []denial
	a.mu.Lock()
	for i := 1; i <= evidenceSize && len(found) < maxEvidence; i++ {
		d := &a.recent[(a.next-i+evidenceSize)%evidenceSize]
		if d.at.IsZero() {
			break // the ring has not wrapped yet
		}
		if d.client == client && !d.at.Before(from) {
			found = append(found, *d)
		}
	}
	a.mu.Unlock()
	out := make([]string, len(found))
	for i, d := range found {
		out[len(found)-1-i] = d.at.UTC().Format(time.RFC3339Nano) + " " + d.kind + " " + d.detail
	}
	return out
}
