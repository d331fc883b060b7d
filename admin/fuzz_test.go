package admin

import (
	"testing"

	"github.com/sidewall/sidewall/blocklist"
)

// FuzzParseAddr: parseAddr never panics, and what it accepts is a valid, normalised
// prefix that bans fewer than every client.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"203.0.113.9", "203.0.113.0/24", "10.1.2.3/8", "::/0", "2001:db8::/32",
		"::ffff:192.0.2.0/120", "fe80::1%eth0", " 192.0.2.1 ", "192.0.2.1-192.0.2.9", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseAddr(s)
		if err != nil {
			return
		}
		if n, ok := blocklist.Normalise(p); !ok || n != p || p.Bits() == 0 {
			t.Fatalf("parseAddr(%q) = %v, not a valid normalised prefix of length > 0", s, p)
		}
	})
}
