package blocklist

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

// mustPrefixes parses entries with ParsePrefix and fails the test on error.
func mustPrefixes(t testing.TB, entries ...string) []netip.Prefix {
	t.Helper()
	ps := make([]netip.Prefix, 0, len(entries))
	for _, e := range entries {
		p, err := ParsePrefix(e)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// reference is the trivially correct model of a Set: a linear scan with
// netip.Prefix.Contains over the prefixes as given, after the normalisation
// the package documents (written out again here, independently of
// normalise).
type reference []netip.Prefix

func newReference(prefixes []netip.Prefix) reference {
	var r reference
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		r = append(r, p.Masked())
	}
	return r
}

// lookup returns the widest prefix containing addr.
func (r reference) lookup(addr netip.Addr) (netip.Prefix, bool) {
	addr = addr.Unmap().WithZone("")
	var best netip.Prefix
	for _, p := range r {
		if p.Contains(addr) && (!best.IsValid() || p.Bits() < best.Bits()) {
			best = p
		}
	}
	return best, best.IsValid()
}

// oracle answers the same question as reference in time proportional to the
// number of distinct prefix lengths rather than the number of prefixes, so
// the property test can ask it millions of times. It is still obviously
// correct: mask the address to every listed length, widest first, and look
// the result up in that length's map.
type oracle struct {
	nets4              [33]map[uint32]bool
	nets6              [129]map[u128]bool
	lengths4, lengths6 []int // ascending
}

func newOracle(prefixes []netip.Prefix) *oracle {
	o := &oracle{}
	for _, p := range newReference(prefixes) {
		l := p.Bits()
		if p.Addr().Is4() {
			if o.nets4[l] == nil {
				o.nets4[l] = make(map[uint32]bool)
				o.lengths4 = append(o.lengths4, l)
			}
			o.nets4[l][u32(p.Addr())] = true
			continue
		}
		if o.nets6[l] == nil {
			o.nets6[l] = make(map[u128]bool)
			o.lengths6 = append(o.lengths6, l)
		}
		o.nets6[l][u128From16(p.Addr().As16())] = true
	}
	slices.Sort(o.lengths4)
	slices.Sort(o.lengths6)
	return o
}

func (o *oracle) lookup(addr netip.Addr) (netip.Prefix, bool) {
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		x := u32(addr)
		for _, l := range o.lengths4 {
			if m := x & ^(^uint32(0) >> l); o.nets4[l][m] {
				return netip.PrefixFrom(addr4(m), l), true
			}
		}
		return netip.Prefix{}, false
	}
	x := u128From16(addr.As16())
	for _, l := range o.lengths6 {
		m := x
		if l <= 64 {
			m = u128{x.hi &^ (^uint64(0) >> l), 0}
		} else {
			m.lo &^= ^uint64(0) >> (l - 64)
		}
		if o.nets6[l][m] {
			return netip.PrefixFrom(addr6(m.hi, m.lo), l), true
		}
	}
	return netip.Prefix{}, false
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func addr4(x uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return netip.AddrFrom4(b)
}

func addr6(hi, lo uint64) netip.Addr {
	return netip.AddrFrom16(u128{hi, lo}.as16())
}

// lastAddr returns the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// randomIn returns a uniformly random address inside p.
func randomIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		if rng.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// randomV6 returns a random global unicast IPv6 address (2000::/3), where
// real lists and traffic live.
func randomV6(rng *rand.Rand) netip.Addr {
	return addr6(rng.Uint64()>>3|1<<61, rng.Uint64())
}

// Scale is the size the package is tuned for (see the package comment).
type scale struct {
	addrs4, addrs6, nets4, nets6 int
}

var targetScale = scale{addrs4: 1_000_000, addrs6: 100_000, nets4: 16_000, nets6: 4_000}

// genLists returns random lists of the given scale. IPv4 prefixes are mostly
// /24 with a tail of wider and narrower ones, roughly the shape of FireHOL
// level 1 and Spamhaus DROP; IPv6 prefixes are mostly /32, /48 and /64 with
// some of every other length. Single addresses are uniform, so a few fall
// inside prefixes, as they do in merged real feeds.
func genLists(rng *rand.Rand, sc scale) []netip.Prefix {
	ps := make([]netip.Prefix, 0, sc.addrs4+sc.addrs6+sc.nets4+sc.nets6)
	for range sc.addrs4 {
		ps = append(ps, netip.PrefixFrom(addr4(rng.Uint32()), 32))
	}
	for range sc.addrs6 {
		ps = append(ps, netip.PrefixFrom(randomV6(rng), 128))
	}
	for range sc.nets4 {
		var bits int
		switch r := rng.IntN(100); {
		case r < 1 && rng.IntN(5) == 0: // 0.2%
			bits = 8 + rng.IntN(8) // /8-/15
		case r < 21:
			bits = 16 + rng.IntN(8) // /16-/23
		case r < 71:
			bits = 24
		default:
			bits = 25 + rng.IntN(7) // /25-/31
		}
		ps = append(ps, netip.PrefixFrom(addr4(rng.Uint32()), bits).Masked())
	}
	for range sc.nets6 {
		var bits int
		switch r := rng.IntN(100); {
		case r < 5:
			bits = 16 + rng.IntN(16)
		case r < 35:
			bits = 32
		case r < 55:
			bits = 48
		case r < 85:
			bits = 64
		default:
			bits = 65 + rng.IntN(63)
		}
		ps = append(ps, netip.PrefixFrom(randomV6(rng), bits).Masked())
	}
	return ps
}

// scaleLists is the target-scale input, built once per test binary: the
// benchmarks share it so that each does not spend seconds generating it.
var scaleLists = sync.OnceValue(func() []netip.Prefix {
	return genLists(rand.New(rand.NewPCG(1, 2)), targetScale)
})

// scaleSet is New(scaleLists(), Options{}) built once per test binary.
var scaleSet = sync.OnceValue(func() *Set { return New(scaleLists(), Options{}) })

// probes holds addresses for the benchmarks, 1<<16 of each kind so that
// indexing with i&(len-1) is cheap and the pool is larger than the caches
// that would otherwise flatter the lookups.
type probes struct {
	miss4, miss6     []netip.Addr
	hit4, hit6       []netip.Addr // listed single addresses
	hitNet4, hitNet6 []netip.Addr // addresses inside listed prefixes
}

const probeCount = 1 << 16

var scaleProbes = sync.OnceValue(func() *probes {
	rng := rand.New(rand.NewPCG(3, 4))
	s := scaleSet()
	pr := &probes{}
	for len(pr.miss4) < probeCount {
		if a := addr4(rng.Uint32()); !s.Contains(a) {
			pr.miss4 = append(pr.miss4, a)
		}
	}
	for len(pr.miss6) < probeCount {
		if a := randomV6(rng); !s.Contains(a) {
			pr.miss6 = append(pr.miss6, a)
		}
	}
	for len(pr.hit4) < probeCount {
		x := s.addrs4[rng.IntN(len(s.addrs4))]
		pr.hit4 = append(pr.hit4, addr4(x))
	}
	for len(pr.hit6) < probeCount {
		x := s.addrs6[rng.IntN(len(s.addrs6))]
		pr.hit6 = append(pr.hit6, addr6(x.hi, x.lo))
	}
	for len(pr.hitNet4) < probeCount {
		pr.hitNet4 = append(pr.hitNet4, randomIn(rng, s.nets4.prefix(rng.IntN(s.nets4.len()))))
	}
	for len(pr.hitNet6) < probeCount {
		pr.hitNet6 = append(pr.hitNet6, randomIn(rng, s.nets6.prefix(rng.IntN(s.nets6.len()))))
	}
	return pr
})
