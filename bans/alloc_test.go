//go:build !race

package bans

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// TestLookupDoesNotAllocate guards the hot path: the server asks on every request.
func TestLookupDoesNotAllocate(t *testing.T) {
	s := open(t, "", t0)
	ban(t, s, "203.0.113.0/24", "range", time.Time{}, t0)
	ban(t, s, "192.0.2.9", "single", t2, t0)
	for _, addr := range []string{"203.0.113.7", "192.0.2.9", "198.51.100.1", "2001:db8::1"} {
		a := netip.MustParseAddr(addr)
		allocs := testing.AllocsPerRun(200, func() {
			m, ok := s.Lookup(a)
			_ = ok && m.Active(t1)
		})
		if allocs != 0 {
			t.Errorf("Lookup(%s): %v allocations, want 0", addr, allocs)
		}
	}
}

// BenchmarkLookup measures what the bans check adds to every request: with no bans (the
// common case) and with a few hundred, for an address that is not banned.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{0, 500} {
		s, _ := Open(Options{}, t0)
		for i := range n {
			s.Ban(Ban{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}), 32)}, t0)
		}
		a := netip.MustParseAddr("192.0.2.1")
		b.Run(fmt.Sprintf("bans=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					s.Lookup(a)
				}
			})
		})
	}
}
