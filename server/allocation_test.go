//go:build !race

package server

import (
	"testing"
	"time"
)

// TestDecisionsDoNotAllocate guards the hot path: parsing the subrequest, the blocklist
// probe, the limiter decision and writing the allow or deny answer allocate nothing (with
// logging off; a logged denial pays for its log line). The WAF allocates inside Coraza and
// has a measured budget in BenchmarkAuth instead. (An invalid request, which only a client
// bypassing nginx can send, allocates netip's parse error; it is not on this list.)
func TestDecisionsDoNotAllocate(t *testing.T) {
	p := &Policy{
		Block: mustSet(t, "203.0.113.0/24", "2001:db8:bad::/48", "198.51.100.7"),
		Allow: mustSet(t, "203.0.113.9"),
		Limits: []*Limit{
			mustLimit(t, "site", Match{PathPrefix: "/"}, 1_000_000_000, time.Minute, false, true),
			mustLimit(t, "login", Match{Path: "/login", Methods: []string{"POST"}}, 1, time.Minute, false, false),
		},
	}
	store := mustBans(t, "198.51.100.0/24", "2001:db8:ba2::1")
	s := New(p, Options{Now: func() time.Time { return t0 }, Bans: store})
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"allow", subrequest("GET", "/products/42?color=red", "192.0.2.1", browser...), 204},
		{"allow IPv6", subrequest("GET", "/", "2001:db8::1", browser...), 204},
		{"allow, path needing normalisation", subrequest("GET", "/a//b/./c%20d", "192.0.2.1"), 204},
		{"blocklist deny", subrequest("GET", "/", "203.0.113.7"), 403},
		{"ban deny", subrequest("GET", "/", "198.51.100.7"), 403},
		{"ban deny IPv6", subrequest("GET", "/", "2001:db8:ba2::1"), 403},
		{"rate-limit deny", subrequest("POST", "/login", "192.0.2.2"), 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := newCtx(t, tc.raw)
			s.Handler(ctx) // first run: the rate-limit key is created, the login quota spent
			allocs := testing.AllocsPerRun(200, func() {
				ctx.Response.Reset()
				s.Handler(ctx)
			})
			if got := ctx.Response.StatusCode(); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			if allocs != 0 {
				t.Errorf("%v allocations per decision, want 0", allocs)
			}
		})
	}
}
