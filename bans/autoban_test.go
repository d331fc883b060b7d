package bans

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func mustAutoBan(t *testing.T, opts AutoBanOptions) *AutoBan {
	t.Helper()
	a, err := NewAutoBan(opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAutoBanCountsToTheThreshold: the Threshold-th denial within the window bans, with
// the reason, the expiry and the evidence of that client's denials; denials further apart
// than the window never add up.
func TestAutoBanCountsToTheThreshold(t *testing.T) {
	a := mustAutoBan(t, AutoBanOptions{Threshold: 3, Window: time.Minute, BanFor: 10 * time.Minute, RateLimit: true})
	client := netip.MustParseAddr("192.0.2.1")
	other := netip.MustParseAddr("192.0.2.2")
	var got []bool
	for i := range 3 {
		now := t0.Add(time.Duration(i) * time.Second)
		a.Count(other, DenialRateLimit, "login", now) // another client's denials are not evidence
		_, banned := a.Count(client, DenialRateLimit, "login", now)
		got = append(got, banned)
	}
	if !slices.Equal(got, []bool{false, false, true}) {
		t.Fatalf("banned after each denial: %v, want the third", got)
	}
	at := t0.Add(3 * time.Second)
	b, banned := a.Count(client, DenialRateLimit, "login", at)
	want := Ban{Prefix: netip.MustParsePrefix("192.0.2.1/32"), Reason: "autoban: 3 ratelimit denials in 1m0s",
		Source: SourceAutoBan, Created: at, Expires: at.Add(10 * time.Minute),
		Evidence: []string{"2026-11-29T12:00:00Z ratelimit login", "2026-11-29T12:00:01Z ratelimit login",
			"2026-11-29T12:00:02Z ratelimit login", "2026-11-29T12:00:03Z ratelimit login"}}
	if !banned || !sameBan(b, want) {
		t.Errorf("ban %+v, want %+v", b, want)
	}

	spread := netip.MustParseAddr("192.0.2.3")
	for i := range 6 {
		if _, banned := a.Count(spread, DenialRateLimit, "login", t0.Add(time.Duration(i)*40*time.Second)); banned {
			t.Fatalf("denial %d, 40s apart with a 1m window and threshold 3, banned", i+1)
		}
	}
}

// TestAutoBanIPv6ByTheSlash64: addresses rotating within one /64 are one client, banned
// as the /64; IPv4-mapped addresses are their IPv4 client.
func TestAutoBanIPv6ByTheSlash64(t *testing.T) {
	a := mustAutoBan(t, AutoBanOptions{Threshold: 2, Window: time.Minute, BanFor: time.Minute, WAF: true})
	a.Count(netip.MustParseAddr("2001:db8:1:2::1"), DenialWAF, "942100", t0)
	b, banned := a.Count(netip.MustParseAddr("2001:db8:1:2::2%eth0"), DenialWAF, "942100", t0)
	if !banned || b.Prefix != netip.MustParsePrefix("2001:db8:1:2::/64") {
		t.Errorf("banned %v %s, want the /64", banned, b.Prefix)
	}
	a.Count(netip.MustParseAddr("::ffff:198.51.100.7"), DenialWAF, "942100", t0)
	if b, banned := a.Count(netip.MustParseAddr("198.51.100.7"), DenialWAF, "942100", t0); !banned || b.Prefix != netip.MustParsePrefix("198.51.100.7/32") {
		t.Errorf("mapped then plain: banned %v %s, want 198.51.100.7/32", banned, b.Prefix)
	}
}

func TestAutoBanCounts(t *testing.T) {
	for _, tc := range []struct {
		opts       AutoBanOptions
		waf, limit bool
		reason     string
	}{
		{AutoBanOptions{Threshold: 1, Window: time.Minute, WAF: true}, true, false, "autoban: 1 waf denials in 1m0s"},
		{AutoBanOptions{Threshold: 5, Window: time.Hour, RateLimit: true}, false, true, "autoban: 5 ratelimit denials in 1h0m0s"},
		{AutoBanOptions{Threshold: 10, Window: time.Minute, WAF: true, RateLimit: true}, true, true, "autoban: 10 waf/ratelimit denials in 1m0s"},
	} {
		a := mustAutoBan(t, tc.opts)
		if a.Counts(DenialWAF) != tc.waf || a.Counts(DenialRateLimit) != tc.limit || a.Counts("blocklist") {
			t.Errorf("%+v: counts waf %v, ratelimit %v", tc.opts, a.Counts(DenialWAF), a.Counts(DenialRateLimit))
		}
		if a.reason != tc.reason {
			t.Errorf("%+v: reason %q, want %q", tc.opts, a.reason, tc.reason)
		}
	}
}
