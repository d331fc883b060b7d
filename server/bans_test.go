package server

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/waf"
)

// mustBans returns an in-memory bans store holding permanent bans of entries, reason
// "test".
func mustBans(tb testing.TB, entries ...string) *bans.Store {
	tb.Helper()
	store, err := bans.Open(bans.Options{}, t0)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			a := netip.MustParseAddr(e)
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if _, err := store.Ban(bans.Ban{Prefix: p, Reason: "test", Source: bans.SourceAdmin}, t0); err != nil {
			tb.Fatal(err)
		}
	}
	return store
}

func TestBans(t *testing.T) {
	store := mustBans(t, "198.51.100.0/24")
	if _, err := store.Ban(bans.Ban{Prefix: netip.MustParsePrefix("192.0.2.9/32"), Reason: "one hour",
		Source: bans.SourceAdmin, Expires: t0.Add(time.Hour)}, t0); err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{now: t0}
	p := &Policy{
		Allow: mustSet(t, "198.51.100.1"),
		Block: mustSet(t, "198.51.100.0/25"),
	}
	s := New(p, Options{Now: clock.Now, Bans: store})

	tests := []struct {
		name, addr     string
		at             time.Time
		status         int
		action, reason string
	}{
		{"banned range", "198.51.100.200", t0, 403, "ban", "198.51.100.0/24 ban: test"},
		{"ban before the blocklist", "198.51.100.7", t0, 403, "ban", "198.51.100.0/24 ban: test"},
		{"the allowlist wins over bans", "198.51.100.1", t0, 204, "", ""},
		{"IPv4-mapped", "::ffff:198.51.100.200", t0, 403, "ban", "198.51.100.0/24 ban: test"},
		{"before expiry", "192.0.2.9", t0.Add(59 * time.Minute), 403, "ban", "192.0.2.9/32 ban: one hour"},
		{"at expiry, not yet swept", "192.0.2.9", t0.Add(time.Hour), 204, "", ""},
		{"not banned", "192.0.2.10", t0, 204, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.now = tc.at
			ctx := serve(t, s, subrequest("GET", "/", tc.addr))
			if got := ctx.Response.StatusCode(); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			if got := header(ctx, HeaderAction); got != tc.action {
				t.Errorf("action %q, want %q", got, tc.action)
			}
			if got := header(ctx, HeaderReason); got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
		})
	}

	// A ban applies to the very next request, and so does its lifting.
	clock.now = t0
	if _, err := store.Ban(bans.Ban{Prefix: netip.MustParsePrefix("192.0.2.10/32"), Source: bans.SourceAdmin}, t0); err != nil {
		t.Fatal(err)
	}
	if ctx := serve(t, s, subrequest("GET", "/", "192.0.2.10")); ctx.Response.StatusCode() != 403 || header(ctx, HeaderReason) != "192.0.2.10/32 ban" {
		t.Errorf("after Ban: %d %q", ctx.Response.StatusCode(), header(ctx, HeaderReason))
	}
	if _, err := store.Unban(netip.MustParsePrefix("192.0.2.10/32")); err != nil {
		t.Fatal(err)
	}
	if ctx := serve(t, s, subrequest("GET", "/", "192.0.2.10")); ctx.Response.StatusCode() != 204 {
		t.Errorf("after Unban: %d", ctx.Response.StatusCode())
	}
}

// applyOne applies what auto-ban submitted to store, at now (bans.Store.Run would, with
// the real clock), and returns the one ban that took effect.
func applyOne(t *testing.T, store *bans.Store, now time.Time) bans.Ban {
	t.Helper()
	applied, err := store.ApplyQueued(now)
	if err != nil || len(applied) != 1 {
		t.Fatalf("ApplyQueued = %+v, %v; want one ban", applied, err)
	}
	return applied[0]
}

func mustAutoBan(t *testing.T, opts bans.AutoBanOptions) *bans.AutoBan {
	t.Helper()
	a, err := bans.NewAutoBan(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAutoBanRateLimit(t *testing.T) {
	store := mustBans(t)
	clock := &fixedClock{now: t0}
	p := &Policy{
		Allow:   mustSet(t, "192.0.2.99"),
		Limits:  []*Limit{mustLimit(t, "login", Match{Path: "/login"}, 1, time.Minute, false, false)},
		AutoBan: mustAutoBan(t, bans.AutoBanOptions{Threshold: 3, Window: time.Minute, BanFor: 10 * time.Minute, RateLimit: true}),
	}
	s := New(p, Options{Now: clock.Now, Bans: store})

	// The first request is allowed; the next three are denied, and the third denial
	// (at t0+3s) earns the ban.
	for i := range 4 {
		clock.now = t0.Add(time.Duration(i) * time.Second)
		serve(t, s, subrequest("POST", "/login", "192.0.2.1"))
		if i < 3 && store.Stats().Queued != 0 {
			t.Fatalf("banned after %d denials, want 3", i)
		}
	}
	got := store.Stats().Queued
	if got != 1 {
		t.Fatalf("%d bans queued after 3 denials, want 1", got)
	}
	// Until the ban applies, further denials submit it again; the store keeps one.
	serve(t, s, subrequest("POST", "/login", "192.0.2.1"))
	b := applyOne(t, store, clock.now)
	if b.Prefix != netip.MustParsePrefix("192.0.2.1/32") || b.Source != bans.SourceAutoBan ||
		b.Reason != "autoban: 3 ratelimit denials in 1m0s" || !b.Created.Equal(clock.now) ||
		!b.Expires.Equal(clock.now.Add(10*time.Minute)) {
		t.Errorf("ban %+v", b)
	}
	wantEvidence := []string{
		"2026-11-29T12:00:01Z ratelimit login",
		"2026-11-29T12:00:02Z ratelimit login",
		"2026-11-29T12:00:03Z ratelimit login",
	}
	if strings.Join(b.Evidence, "\n") != strings.Join(wantEvidence, "\n") {
		t.Errorf("evidence:\n%s\nwant:\n%s", strings.Join(b.Evidence, "\n"), strings.Join(wantEvidence, "\n"))
	}
	// Now banned: every path, rate-limited or not.
	if ctx := serve(t, s, subrequest("GET", "/", "192.0.2.1")); ctx.Response.StatusCode() != 403 || header(ctx, HeaderAction) != "ban" {
		t.Errorf("after the auto-ban: %d %q, want 403 ban", ctx.Response.StatusCode(), header(ctx, HeaderAction))
	}

	// Denials spread wider than the window never add up to a ban.
	for i := range 6 {
		clock.now = t0.Add(time.Hour + time.Duration(i)*40*time.Second)
		serve(t, s, subrequest("POST", "/login", "192.0.2.2"))
	}
	if n := store.Stats().Queued; n != 0 {
		t.Errorf("%d bans for denials 40s apart with a 1m window and threshold 3", n)
	}

	// An allowlisted client is never counted.
	for i := range 10 {
		clock.now = t0.Add(2*time.Hour + time.Duration(i)*time.Second)
		serve(t, s, subrequest("POST", "/login", "192.0.2.99"))
	}
	if n := store.Stats().Queued; n != 0 {
		t.Errorf("%d bans for an allowlisted client", n)
	}
}

func TestAutoBanIPv6CountsTheSlash64(t *testing.T) {
	store := mustBans(t)
	clock := &fixedClock{now: t0}
	p := &Policy{
		Limits:  []*Limit{mustLimit(t, "all", Match{}, 1, time.Minute, false, false)},
		AutoBan: mustAutoBan(t, bans.AutoBanOptions{Threshold: 2, Window: time.Minute, BanFor: time.Minute, RateLimit: true}),
	}
	s := New(p, Options{Now: clock.Now, Bans: store})
	// Rotating addresses within one /64: the rate limit (by /64) and auto-ban see one client.
	for _, a := range []string{"2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"} {
		serve(t, s, subrequest("GET", "/", a))
	}
	if n := store.Stats().Queued; n != 1 {
		t.Fatalf("%d bans queued, want 1", n)
	}
	if b := applyOne(t, store, clock.now); b.Prefix != netip.MustParsePrefix("2001:db8:1:2::/64") {
		t.Errorf("banned %s, want the /64", b.Prefix)
	}
}

func TestAutoBanWAF(t *testing.T) {
	store := mustBans(t)
	clock := &fixedClock{now: t0}
	engine := testWAF(t, waf.Options{ParanoiaLevel: 1, InboundAnomalyThreshold: 5})
	p := &Policy{
		WAF:     engine,
		Limits:  []*Limit{mustLimit(t, "all", Match{}, 1, time.Minute, false, false)},
		AutoBan: mustAutoBan(t, bans.AutoBanOptions{Threshold: 1, Window: time.Minute, BanFor: time.Hour, WAF: true}),
	}
	s := New(p, Options{Now: clock.Now, Bans: store})
	// A rate-limit denial does not count (only WAF denials are chosen).
	serve(t, s, subrequest("GET", "/", "192.0.2.5"))
	serve(t, s, subrequest("GET", "/", "192.0.2.5"))
	if n := store.Stats().Queued; n != 0 {
		t.Fatalf("a rate-limit denial was counted: %d bans", n)
	}
	// Threshold 1: the first WAF denial bans.
	ctx := serve(t, s, subrequest("GET", "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.6", browser...))
	if ctx.Response.StatusCode() != 403 || header(ctx, HeaderAction) != actionWAF {
		t.Fatalf("the attack was not denied by the WAF: %d %s", ctx.Response.StatusCode(), header(ctx, HeaderAction))
	}
	if n := store.Stats().Queued; n != 1 {
		t.Fatalf("%d bans queued, want 1", n)
	}
	b := applyOne(t, store, clock.now)
	if b.Reason != "autoban: 1 waf denials in 1m0s" || len(b.Evidence) != 1 ||
		!strings.HasPrefix(b.Evidence[0], "2026-11-29T12:00:00Z waf ") || !strings.Contains(b.Evidence[0], "949110") {
		t.Errorf("ban %+v", b)
	}
}

// TestAutoBanNeedsAStore: without a bans store auto-ban does nothing (and does not panic).
func TestAutoBanNeedsAStore(t *testing.T) {
	p := &Policy{
		Limits:  []*Limit{mustLimit(t, "all", Match{}, 1, time.Minute, false, false)},
		AutoBan: mustAutoBan(t, bans.AutoBanOptions{Threshold: 1, Window: time.Minute, BanFor: time.Minute, RateLimit: true}),
	}
	s := New(p, Options{Now: func() time.Time { return t0 }})
	serve(t, s, subrequest("GET", "/", "192.0.2.5"))
	if ctx := serve(t, s, subrequest("GET", "/", "192.0.2.5")); ctx.Response.StatusCode() != 403 {
		t.Errorf("status %d, want the rate limit's 403", ctx.Response.StatusCode())
	}
}
