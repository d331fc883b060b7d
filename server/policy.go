package server

import (
	"net/netip"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/limiter"
	"github.com/sidewall/sidewall/waf"
)

// Policy is everything that decides, as one immutable snapshot. The server holds the live
// Policy behind an atomic pointer, so a reload builds a new Policy off the hot path and
// publishes it in one step (Server.SetPolicy); requests in flight finish with the Policy
// they started with. A Policy must not be modified after it is handed to the server.
type Policy struct {
	// TrustedPeers are the TCP peers whose contract headers (the client address above
	// all) sidewall believes: nginx's addresses. A request from any other TCP peer is
	// denied as invalid, since anyone who can choose X-Sidewall-Addr can dodge the
	// blocklist and spend other clients' rate limits. Unix-socket peers are trusted: the
	// socket file's permissions decide who connects. Nil trusts every peer. They belong
	// to the policy rather than to Options so that a reload changes them with the rest.
	TrustedPeers []netip.Prefix
	// Allow lists addresses that neither the bans nor Block ever deny; they still meet
	// rate limits and the WAF. Nil means none.
	Allow *blocklist.Set
	// Block lists denied addresses and ranges. Nil means none.
	Block *blocklist.Set
	// Limits are the rate-limit rules, in the order they are evaluated.
	Limits []*Limit
	// WAF inspects the request line and headers. Nil turns the WAF off.
	WAF *waf.Engine
	// Profiles are other engines, chosen by the profile name nginx sends in
	// X-Sidewall-Profile (set $sidewall_profile NAME; in a location). An unknown name is
	// inspected by WAF, and logged: a typo in nginx must not turn the WAF off.
	Profiles map[string]*waf.Engine
	// SkipWAF names static assets the WAF does not inspect.
	SkipWAF StaticAssets
	// AutoBan bans clients that earn too many denials, through Options.Bans. Nil turns
	// auto-ban off.
	AutoBan *bans.AutoBan
	// FailOpen chooses the answer when a check panics: allow (true) or deny (false).
	FailOpen bool
	// LogAllowed logs every allowed request too, not only denials.
	LogAllowed bool
}

// Limit is one rate-limit rule: which requests it counts, by what key, and its limiter.
type Limit struct {
	Name   string
	Match  Match
	Key    Key
	Window *limiter.Window
	// Shared, when set, decides instead of Window: a limiter shared by every sidewall
	// replica through Redis, which falls back as configured when Redis is unreachable.
	// (Two concrete fields rather than an interface: a key passed through an interface
	// method escapes to the heap, and the in-memory decision must not allocate.)
	Shared *limiter.Redis
	// DryRun logs what the rule would deny and denies nothing (like limit_req_dry_run).
	DryRun bool
	// Headers adds the RateLimit fields to allowed answers too.
	Headers bool

	// policyField is the RateLimit-Policy value, rendered once when the rule is built.
	policyField []byte
}

// Match selects the requests a Limit counts. Every non-empty condition must hold.
type Match struct {
	Host       string   // exact host, without port, compared case-insensitively
	Path       string   // exact path (no query string)
	PathPrefix string   // path prefix
	Methods    []string // upper-case methods; empty matches all
}

// KeyPart is one component of a rate-limit key.
type KeyPart struct {
	Kind KeyKind
	Name string // the header or cookie name for KeyHeader and KeyCookie
}

// KeyKind says what a KeyPart takes from the request.
type KeyKind uint8

// The kinds of key parts.
const (
	KeyAddr   KeyKind = iota + 1 // client address, shortened to Key.IPv4Bits / Key.IPv6Bits
	KeyHost                      // Host, without port
	KeyPath                      // path, without query string
	KeyMethod                    // original method
	KeyHeader                    // a request header's value
	KeyCookie                    // a cookie's value
)

// Key says what a Limit counts by: the concatenation of its parts, each followed by a
// separator byte that cannot occur in an address or a header value (0), so that
// ("ab","c") and ("a","bc") never share a key.
type Key struct {
	Parts    []KeyPart
	IPv4Bits int // 1..32
	IPv6Bits int // 1..128
}

// NewLimit builds a rule around a limiter window. It renders the RateLimit-Policy field
// once, so the hot path only copies bytes.
func NewLimit(name string, m Match, k Key, w *limiter.Window, dryRun, headers bool) *Limit {
	o := w.Options()
	l := &Limit{Name: name, Match: m, Key: k, Window: w, DryRun: dryRun, Headers: headers}
	l.policyField = appendPolicy(nil, name, o.Limit, int64(o.Window.Seconds()))
	return l
}

// NewSharedLimit builds a rule around a limiter shared through Redis (which holds its own
// fallback), like NewLimit.
func NewSharedLimit(name string, m Match, k Key, r *limiter.Redis, dryRun, headers bool) *Limit {
	o := r.Options()
	l := &Limit{Name: name, Match: m, Key: k, Shared: r, DryRun: dryRun, Headers: headers}
	l.policyField = appendPolicy(nil, name, o.Limit, int64(o.Window.Seconds()))
	return l
}

// matches reports whether the rule counts req.
func (m *Match) matches(req *request) bool {
	if m.Host != "" && !equalFoldASCII(req.host, m.Host) {
		return false
	}
	path := req.path()
	if m.Path != "" && string(path) != m.Path {
		return false
	}
	if m.PathPrefix != "" && (len(path) < len(m.PathPrefix) || string(path[:len(m.PathPrefix)]) != m.PathPrefix) {
		return false
	}
	if len(m.Methods) > 0 {
		found := false
		for _, meth := range m.Methods {
			if string(req.method) == meth {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// appendKey appends the rule's key for req to dst. It allocates nothing when dst has room.
func (k *Key) appendKey(dst []byte, ctx *fasthttp.RequestCtx, req *request) []byte {
	for _, p := range k.Parts {
		switch p.Kind {
		case KeyAddr:
			dst = appendAddrPrefix(dst, req.addr, k.IPv4Bits, k.IPv6Bits)
		case KeyHost:
			dst = append(dst, req.host...)
		case KeyPath:
			dst = append(dst, req.path()...)
		case KeyMethod:
			dst = append(dst, req.method...)
		case KeyHeader:
			dst = append(dst, ctx.Request.Header.Peek(p.Name)...)
		case KeyCookie:
			dst = append(dst, ctx.Request.Header.Cookie(p.Name)...)
		}
		dst = append(dst, 0)
	}
	return dst
}

// appendAddrPrefix appends the address masked to the family's prefix length, as raw bytes
// with the length, so that 10.0.0.1 and 10.0.0.2 share a /24 key and IPv4 and IPv6 keys
// never collide.
func appendAddrPrefix(dst []byte, a netip.Addr, v4bits, v6bits int) []byte {
	if a.Is4() {
		b := a.As4()
		maskBytes(b[:], v4bits)
		return append(append(dst, 4, byte(v4bits)), b[:]...)
	}
	b := a.As16()
	maskBytes(b[:], v6bits)
	return append(append(dst, 6, byte(v6bits)), b[:]...)
}

// maskBytes clears every bit of b after the first bits.
func maskBytes(b []byte, bits int) {
	for i := range b {
		switch {
		case bits >= 8:
			bits -= 8
		case bits > 0:
			b[i] &= ^byte(0xff >> bits)
			bits = 0
		default:
			b[i] = 0
		}
	}
}

// equalFoldASCII compares a host from the request with a configured one, ignoring ASCII
// case, without converting (and so allocating) either side.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// CloseEngines closes the WAF engines of p (after p was replaced by a reload, or when its
// build failed). See waf.Engine.Close: requests still inspecting are not disturbed.
func (p *Policy) CloseEngines() {
	if p.WAF != nil {
		p.WAF.Close()
	}
	for _, e := range p.Profiles {
		e.Close()
	}
}

// StaticAssets name requests for static files, which carry no input for the WAF to check:
// a GET or HEAD without a query string whose normalised path starts with one of
// PathPrefixes or ends with one of Extensions (".css"). The zero value names none.
type StaticAssets struct {
	PathPrefixes []string
	Extensions   []string
}

// match reports whether req asks for a static asset, without allocating.
func (a *StaticAssets) match(req *request) bool {
	if len(a.PathPrefixes) == 0 && len(a.Extensions) == 0 {
		return false
	}
	if m := string(req.method); m != "GET" && m != "HEAD" {
		return false
	}
	for _, c := range req.uri {
		if c == '?' {
			return false
		}
	}
	path := req.path()
	for _, pre := range a.PathPrefixes {
		if len(path) >= len(pre) && string(path[:len(pre)]) == pre {
			return true
		}
	}
	for _, ext := range a.Extensions {
		if len(path) >= len(ext) && string(path[len(path)-len(ext):]) == ext {
			return true
		}
	}
	return false
}
