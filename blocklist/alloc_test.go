//go:build !race

// The race detector instruments memory accesses and allocates on its own, so
// allocation counts only mean something without it.

package blocklist

import (
	"net/netip"
	"testing"
)

// TestContainsDoesNotAllocate guards the hot path: Contains and Lookup run
// on every request and must not allocate, on a hit or a miss, for either
// family, through every structure (filter, exact arrays, range tables).
func TestContainsDoesNotAllocate(t *testing.T) {
	var entries []string
	for i := range indexMin { // enough for the IPv4 block indexes
		entries = append(entries,
			netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}).String()+"/24",
			netip.AddrFrom4([4]byte{172, byte(i >> 8), byte(i), 1}).String())
	}
	entries = append(entries, "192.0.2.1", "2001:db8::1", "2001:db8:1::/48")
	s := New(mustPrefixes(t, entries...), Options{})

	for _, tc := range []struct {
		addr   string
		listed bool
	}{
		{"192.0.2.1", true},        // single, IPv4
		{"10.1.7.9", true},         // range, IPv4
		{"::ffff:192.0.2.1", true}, // mapped
		{"2001:db8::1", true},      // single, IPv6
		{"2001:db8:1::9", true},    // range, IPv6
		{"fe80::1%eth0", false},    // zone
		{"192.0.2.2", false},       // miss, IPv4
		{"10.3.0.0", false},        // miss next to the ranges
		{"172.0.7.1", true},        // single in an indexed block
		{"172.0.7.2", false},       // miss next to it
		{"2001:db8::2", false},     // miss, IPv6
		{"203.0.113.1", false},     // miss, far away
		{"ffff::ffff", false},      // miss, top of IPv6
	} {
		a := netip.MustParseAddr(tc.addr)
		if s.Contains(a) != tc.listed {
			t.Fatalf("Contains(%v) = %v, want %v", a, !tc.listed, tc.listed) // setup check
		}
		if n := testing.AllocsPerRun(1000, func() { s.Contains(a) }); n != 0 {
			t.Errorf("Contains(%v) allocates %v times per call", a, n)
		}
		if n := testing.AllocsPerRun(1000, func() { s.Lookup(a) }); n != 0 {
			t.Errorf("Lookup(%v) allocates %v times per call", a, n)
		}
	}

	var nilSet *Set
	if n := testing.AllocsPerRun(100, func() { nilSet.Contains(netip.MustParseAddr("192.0.2.1")) }); n != 0 {
		t.Errorf("Contains on a nil Set allocates %v times per call", n)
	}
}
