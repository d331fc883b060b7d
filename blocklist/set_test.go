package blocklist

import (
	"math"
	"net/netip"
	"sync"
	"testing"
)

func TestSet(t *testing.T) {
	mp := netip.MustParsePrefix
	tests := []struct {
		name    string
		list    []netip.Prefix // given to New as is, so unnormalised forms can be tested
		wantLen int
		lookups map[string]string // address -> the entry Lookup reports, "" for not listed
	}{
		{
			name:    "empty",
			wantLen: 0,
			lookups: map[string]string{"192.0.2.1": "", "2001:db8::1": "", "0.0.0.0": "", "::": ""},
		},
		{
			name:    "single addresses",
			list:    []netip.Prefix{mp("192.0.2.1/32"), mp("2001:db8::1/128")},
			wantLen: 2,
			lookups: map[string]string{
				"192.0.2.1": "192.0.2.1/32", "192.0.2.2": "", "192.0.2.0": "",
				"2001:db8::1": "2001:db8::1/128", "2001:db8::2": "",
			},
		},
		{
			name:    "duplicates are one entry",
			list:    []netip.Prefix{mp("192.0.2.1/32"), mp("192.0.2.1/32"), mp("::ffff:192.0.2.1/128"), mp("192.0.2.0/24"), mp("192.0.2.9/24")},
			wantLen: 1,
			lookups: map[string]string{"192.0.2.1": "192.0.2.0/24"},
		},
		{
			name:    "v4-mapped entries and lookups are IPv4",
			list:    []netip.Prefix{mp("::ffff:192.0.2.1/128"), mp("::ffff:198.51.100.0/120")},
			wantLen: 2,
			lookups: map[string]string{
				"192.0.2.1": "192.0.2.1/32", "::ffff:192.0.2.1": "192.0.2.1/32",
				"198.51.100.7": "198.51.100.0/24", "::ffff:198.51.100.255": "198.51.100.0/24",
				"198.51.101.0": "",
			},
		},
		{
			name:    "unmasked prefixes are masked",
			list:    []netip.Prefix{mp("192.0.2.77/24"), mp("2001:db8::77/64")},
			wantLen: 2,
			lookups: map[string]string{"192.0.2.0": "192.0.2.0/24", "2001:db8::ffff": "2001:db8::/64"},
		},
		{
			name:    "nested entries report the widest",
			list:    []netip.Prefix{mp("10.1.2.3/32"), mp("10.1.0.0/16"), mp("10.0.0.0/8"), mp("10.1.2.0/24"), mp("2001:db8:1::1/128"), mp("2001:db8::/32"), mp("2001:db8:1::/48")},
			wantLen: 2,
			lookups: map[string]string{
				"10.1.2.3": "10.0.0.0/8", "10.255.255.255": "10.0.0.0/8", "11.0.0.0": "", "9.255.255.255": "",
				"2001:db8:1::1": "2001:db8::/32", "2001:db9::": "", "2001:db7:ffff::": "",
			},
		},
		{
			name:    "adjacent prefixes are not merged",
			list:    []netip.Prefix{mp("192.0.2.0/25"), mp("192.0.2.128/25")},
			wantLen: 2,
			lookups: map[string]string{"192.0.2.127": "192.0.2.0/25", "192.0.2.128": "192.0.2.128/25", "192.0.3.0": ""},
		},
		{
			name:    "all of IPv4 lists mapped addresses too, but not IPv6",
			list:    []netip.Prefix{mp("0.0.0.0/0")},
			wantLen: 1,
			lookups: map[string]string{"0.0.0.0": "0.0.0.0/0", "255.255.255.255": "0.0.0.0/0", "::ffff:1.2.3.4": "0.0.0.0/0", "2001:db8::1": "", "::": ""},
		},
		{
			name:    "all of IPv6 does not list IPv4, even mapped",
			list:    []netip.Prefix{mp("::/0")},
			wantLen: 1,
			lookups: map[string]string{"2001:db8::1": "::/0", "::": "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": "::/0", "1.2.3.4": "", "::ffff:1.2.3.4": ""},
		},
		{
			name:    "the mapped /96 is all of IPv4",
			list:    []netip.Prefix{mp("::ffff:0:0/96")},
			wantLen: 1,
			lookups: map[string]string{"1.2.3.4": "0.0.0.0/0", "2001:db8::1": ""},
		},
		{
			name:    "a v6 prefix wider than the mapped block stays IPv6",
			list:    []netip.Prefix{mp("::ffff:0:0/95")},
			wantLen: 1,
			lookups: map[string]string{"::fffe:0:1": "::fffe:0:0/95", "1.2.3.4": "", "::ffff:1.2.3.4": ""},
		},
		{
			name: "edges of the address spaces",
			list: []netip.Prefix{
				mp("0.0.0.0/32"), mp("255.255.255.255/32"), mp("255.255.255.0/24"), mp("0.0.0.0/31"),
				mp("::/128"), mp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), mp("ffff::/16"),
			},
			wantLen: 4,
			lookups: map[string]string{
				"0.0.0.0": "0.0.0.0/31", "0.0.0.1": "0.0.0.0/31", "0.0.0.2": "",
				"255.255.255.255": "255.255.255.0/24", "255.255.254.255": "",
				"::": "::/128", "::1": "",
				"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff": "ffff::/16", "fffe:ffff::": "",
			},
		},
		{
			name:    "zones are ignored on lookup",
			list:    []netip.Prefix{mp("fe80::1/128"), mp("fe80:1::/64")},
			wantLen: 2,
			lookups: map[string]string{"fe80::1%eth0": "fe80::1/128", "fe80:1::9%1": "fe80:1::/64", "fe80::2%eth0": ""},
		},
		{
			name:    "invalid prefixes are skipped",
			list:    []netip.Prefix{{}, mp("192.0.2.1/32"), netip.PrefixFrom(netip.MustParseAddr("192.0.2.2"), 33)},
			wantLen: 1,
			lookups: map[string]string{"192.0.2.1": "192.0.2.1/32", "192.0.2.2": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The answers must not depend on the filter: try it tight and
			// nearly useless.
			for _, rate := range []float64{0, 0.99} {
				s := New(tt.list, Options{FalsePositiveRate: rate})
				if got := s.Len(); got != tt.wantLen {
					t.Errorf("rate %v: Len() = %d, want %d", rate, got, tt.wantLen)
				}
				for in, want := range tt.lookups {
					checkLookup(t, s, netip.MustParseAddr(in), want)
				}
			}
		})
	}
}

// checkLookup checks Lookup and Contains for one address; want is the entry
// Lookup must report, or "" for not listed.
func checkLookup(t *testing.T, s *Set, a netip.Addr, want string) {
	t.Helper()
	p, ok := s.Lookup(a)
	got := ""
	if ok {
		got = p.String()
	}
	if got != want {
		t.Errorf("Lookup(%v) = %q, want %q", a, got, want)
	}
	if c := s.Contains(a); c != (want != "") {
		t.Errorf("Contains(%v) = %v, want %v", a, c, want != "")
	}
}

func TestNilSet(t *testing.T) {
	var s *Set
	for _, a := range []netip.Addr{{}, netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("2001:db8::1")} {
		if s.Contains(a) {
			t.Errorf("nil Set contains %v", a)
		}
		if p, ok := s.Lookup(a); ok || p.IsValid() {
			t.Errorf("nil Set Lookup(%v) = %v, %v", a, p, ok)
		}
	}
	if s.Len() != 0 || s.Stats() != (Stats{}) {
		t.Error("nil Set has entries")
	}
}

func TestZeroAddrNotListed(t *testing.T) {
	s := New(mustPrefixes(t, "0.0.0.0/0", "::/0"), Options{})
	if s.Contains(netip.Addr{}) {
		t.Error("the zero Addr is listed")
	}
	if _, ok := s.Lookup(netip.Addr{}); ok {
		t.Error("Lookup of the zero Addr found an entry")
	}
}

func TestOptionsRate(t *testing.T) {
	tests := []struct {
		in, want float64
	}{
		{0, DefaultFalsePositiveRate},
		{-0.1, DefaultFalsePositiveRate},
		{1, DefaultFalsePositiveRate},
		{2, DefaultFalsePositiveRate},
		{math.NaN(), DefaultFalsePositiveRate},
		{math.Inf(1), DefaultFalsePositiveRate},
		{1e-300, minFalsePositiveRate},
		{0.5, 0.5},
		{0.0001, 0.0001},
	}
	for _, tt := range tests {
		if got := (Options{FalsePositiveRate: tt.in}).rate(); got != tt.want {
			t.Errorf("rate(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStats(t *testing.T) {
	s := New(mustPrefixes(t, "192.0.2.1", "192.0.2.2", "198.51.100.0/24", "198.51.100.1", "2001:db8::1", "2001:db8:1::/48"), Options{})
	st := s.Stats()
	want := Stats{Addrs4: 2, Addrs6: 1, Nets4: 1, Nets6: 1}
	if st.Addrs4 != want.Addrs4 || st.Addrs6 != want.Addrs6 || st.Nets4 != want.Nets4 || st.Nets6 != want.Nets6 {
		t.Errorf("Stats() = %+v, want counts %+v", st, want)
	}
	if st.FilterBits == 0 || st.FilterHashes == 0 || st.Bytes == 0 {
		t.Errorf("Stats() = %+v, want filter and size filled in", st)
	}
	if st.Addrs4+st.Addrs6+st.Nets4+st.Nets6 != s.Len() {
		t.Errorf("Stats counts do not add up to Len() = %d", s.Len())
	}
	if New(mustPrefixes(t, "192.0.2.0/24"), Options{}).Stats().FilterBits != 0 {
		t.Error("a set without single addresses built a filter")
	}
}

// TestNewDoesNotKeepInput checks that New copies: changing the caller's
// slice afterwards must not change the set.
func TestNewDoesNotKeepInput(t *testing.T) {
	in := mustPrefixes(t, "192.0.2.1", "198.51.100.0/24")
	s := New(in, Options{})
	in[0], in[1] = netip.MustParsePrefix("203.0.113.1/32"), netip.MustParsePrefix("203.0.113.0/24")
	if !s.Contains(netip.MustParseAddr("192.0.2.1")) || !s.Contains(netip.MustParseAddr("198.51.100.9")) {
		t.Error("the set changed with its input")
	}
}

// TestConcurrentLookups backs the concurrency promise on Set: run with -race,
// any write on the lookup path would be reported.
func TestConcurrentLookups(t *testing.T) {
	s := New(mustPrefixes(t, "192.0.2.1", "198.51.100.0/24", "2001:db8::1", "2001:db8:1::/48"), Options{})
	addrs := []netip.Addr{
		netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("198.51.100.7"),
		netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:1::1"), netip.MustParseAddr("2001:db8::2"),
	}
	want := []bool{true, false, true, true, true, false}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				for i, a := range addrs {
					if s.Contains(a) != want[i] {
						t.Errorf("Contains(%v) != %v", a, want[i])
						return
					}
					s.Lookup(a)
				}
			}
		})
	}
	wg.Wait()
}
