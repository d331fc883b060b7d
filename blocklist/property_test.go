package blocklist

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// rates are the filter settings every property is checked under. 0.9 and 0.5
// let most unlisted addresses through the filter, so they prove the exact
// confirmation rather than trust the filter; 0.0001 is a tight filter.
var rates = []float64{0.9, 0.5, 0.001, 0.0001}

// dense describes a list packed into small address ranges (10.0.0.0/16 and
// 2001:db8::/112), so that random probes land on, next to and between
// entries instead of in empty space.
type dense struct {
	addrs4, addrs6, nets4, nets6 int
	minBits4, minBits6           int // the widest prefixes generated
}

func genDense(rng *rand.Rand, d dense) []netip.Prefix {
	v4 := func() netip.Addr { return addr4(0x0a000000 | rng.Uint32N(1<<16)) }
	v6 := func() netip.Addr { return addr6(0x20010db8_00000000, rng.Uint64N(1<<16)) }
	var ps []netip.Prefix
	add := func(a netip.Addr, bits int) {
		p := netip.PrefixFrom(a, bits)
		switch rng.IntN(10) {
		case 0: // the same entry written as IPv4-mapped IPv6
			if a.Is4() {
				p = netip.PrefixFrom(netip.AddrFrom16(a.As16()), bits+96)
			}
		case 1: // host bits left set: New must mask
		default:
			p = p.Masked()
		}
		ps = append(ps, p)
		if rng.IntN(20) == 0 {
			ps = append(ps, p) // duplicate
		}
	}
	for range d.addrs4 {
		add(v4(), 32)
	}
	for range d.addrs6 {
		add(v6(), 128)
	}
	for range d.nets4 {
		add(v4(), d.minBits4+rng.IntN(32-d.minBits4))
	}
	for range d.nets6 {
		add(v6(), d.minBits6+rng.IntN(128-d.minBits6))
	}
	// A few entries far from the dense blocks, so the searches have
	// neighbours on both sides.
	for _, e := range []string{"1.0.0.0/8", "203.0.113.9/32", "2001:db8:1::/48", "3fff::1/128", "::ffff:198.51.100.0/120"} {
		ps = append(ps, netip.MustParsePrefix(e))
	}
	rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps
}

// probesFor returns addresses worth asking about: the first and last address
// of every entry and their outside neighbours, random addresses inside every
// prefix, and n random addresses from the dense blocks and from anywhere.
// Some are written as IPv4-mapped IPv6 or carry a zone.
func probesFor(rng *rand.Rand, ref reference, n int) []netip.Addr {
	var out []netip.Addr
	for _, p := range ref {
		first, last := p.Addr(), lastAddr(p)
		out = append(out, first, last, first.Prev(), last.Next(), randomIn(rng, p), randomIn(rng, p))
	}
	for range n {
		var a netip.Addr
		switch rng.IntN(6) {
		case 0, 1:
			a = addr4(0x0a000000 | rng.Uint32N(1<<16))
		case 2:
			a = addr6(0x20010db8_00000000, rng.Uint64N(1<<16))
		case 3:
			a = addr4(rng.Uint32())
		case 4:
			a = randomV6(rng)
		case 5:
			a = addr6(rng.Uint64(), rng.Uint64())
		}
		out = append(out, a)
	}
	for i, a := range out {
		switch {
		case !a.IsValid(): // Prev/Next past the ends of the space
		case a.Is4() && i%7 == 0:
			out[i] = netip.AddrFrom16(a.As16())
		case a.Is6() && i%11 == 0:
			out[i] = a.WithZone("eth0")
		}
	}
	return out
}

// TestMatchesReference compares Lookup, Contains and Len with the linear
// reference on lists small enough to scan, under every filter rate: both
// with few prefixes (the whole range table is searched) and with enough to
// build the IPv4 block index.
func TestMatchesReference(t *testing.T) {
	lists := []struct {
		name string
		d    dense
	}{
		{"few nets", dense{addrs4: 300, addrs6: 100, nets4: 30, nets6: 20, minBits4: 20, minBits6: 112}},
		{"many nets", dense{addrs4: 600, addrs6: 100, nets4: 600, nets6: 100, minBits4: 24, minBits6: 116}},
	}
	for i, l := range lists {
		rng := rand.New(rand.NewPCG(uint64(i), 42))
		ps := genDense(rng, l.d)
		ref := newReference(ps)
		probes := probesFor(rng, ref, 20_000)
		// The large test trusts the oracle; check it here, against the
		// linear scan, on the same probes.
		o := newOracle(ps)
		for _, a := range probes {
			if p, ok := o.lookup(a); !ok && ref.contains(a) || ok && p != ref.must(a) {
				t.Fatalf("oracle and reference disagree on %v", a)
			}
		}
		for _, rate := range rates {
			t.Run(fmt.Sprintf("%s/rate=%v", l.name, rate), func(t *testing.T) {
				s := New(ps, Options{FalsePositiveRate: rate})
				if got, want := s.Len(), ref.entries(); got != want {
					t.Errorf("Len() = %d, want %d", got, want)
				}
				listed, wrong := 0, 0
				for _, a := range probes {
					want, wantOK := ref.lookup(a)
					got, ok := s.Lookup(a)
					if ok != wantOK || got != want || s.Contains(a) != wantOK {
						if wrong++; wrong <= 10 {
							t.Errorf("Lookup(%v) = %v, %v; reference says %v, %v", a, got, ok, want, wantOK)
						}
					}
					if wantOK {
						listed++
					}
				}
				// The probes must exercise both answers, or the test proves
				// little.
				if listed < len(probes)/10 || listed > len(probes)*9/10 {
					t.Errorf("%d of %d probes listed; the generator needs retuning", listed, len(probes))
				}
			})
		}
	}
}

func (r reference) contains(a netip.Addr) bool     { _, ok := r.lookup(a); return ok }
func (r reference) must(a netip.Addr) netip.Prefix { p, _ := r.lookup(a); return p }

// entries is the number of distinct entries not inside another: what Len
// must report.
func (r reference) entries() int {
	u := slices.Clone(r)
	slices.SortFunc(u, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr())*256 + a.Bits() - b.Bits() })
	u = slices.Compact(u)
	n := 0
	for _, p := range u {
		covered := false
		for _, q := range u {
			if q.Bits() < p.Bits() && q.Contains(p.Addr()) {
				covered = true
				break
			}
		}
		if !covered {
			n++
		}
	}
	return n
}

// TestNeverFalsePositive is the property test at scale: over millions of
// seeded random addresses, at a rate that forces Bloom false positives and
// at a tight one, the Set never reports an unlisted address and never misses
// a listed one. The oracle is independent of the Set's structures (one map
// probe per listed prefix length).
func TestNeverFalsePositive(t *testing.T) {
	sc, n := scale{addrs4: 200_000, addrs6: 20_000, nets4: 4_000, nets6: 1_000}, 1_000_000
	if testing.Short() {
		sc, n = scale{addrs4: 20_000, addrs6: 2_000, nets4: 400, nets6: 100}, 100_000
	}
	rng := rand.New(rand.NewPCG(7, 7))
	ps := genLists(rng, sc)
	o := newOracle(ps)

	// Probes: uniform addresses, and neighbours of listed ones (one low bit
	// flipped), which share a /24 or /120 with an entry and so reach the
	// range tables and the exact search, not just the filter.
	probes := make([]netip.Addr, 0, n)
	for len(probes) < n {
		switch p := ps[rng.IntN(len(ps))]; rng.IntN(4) {
		case 0:
			probes = append(probes, addr4(rng.Uint32()))
		case 1:
			probes = append(probes, randomV6(rng))
		default:
			b := randomIn(rng, p).AsSlice()
			b[len(b)-1] ^= 1 << rng.IntN(8)
			a, _ := netip.AddrFromSlice(b)
			probes = append(probes, a)
		}
	}

	for _, rate := range []float64{0.5, 0.0001} {
		t.Run(fmt.Sprintf("rate=%v", rate), func(t *testing.T) {
			s := New(ps, Options{FalsePositiveRate: rate})
			var listed, filterFP, wrong int
			for _, a := range probes {
				want, wantOK := o.lookup(a)
				got, ok := s.Lookup(a)
				if ok != wantOK || got != want {
					if wrong++; wrong <= 10 {
						t.Errorf("Lookup(%v) = %v, %v; oracle says %v, %v", a, got, ok, want, wantOK)
					}
				}
				if wantOK {
					listed++
				} else if s.filterSays(a) {
					filterFP++
				}
			}
			t.Logf("%d probes: %d listed, %d unlisted passed the filter and were refused by the exact check", len(probes), listed, filterFP)
			if rate == 0.5 && filterFP < len(probes)/10 {
				t.Errorf("only %d filter false positives at rate 0.5: the exact confirmation was not exercised", filterFP)
			}

			// Every entry, at its first and last address and one inside.
			for _, p := range ps {
				for _, a := range []netip.Addr{p.Masked().Addr(), lastAddr(p), randomIn(rng, p)} {
					want, _ := o.lookup(a)
					if got, ok := s.Lookup(a); !ok || got != want {
						if wrong++; wrong <= 10 {
							t.Errorf("listed %v (from %v): Lookup = %v, %v, want %v", a, p, got, ok, want)
						}
					}
				}
			}
		})
	}
}

// filterSays reports whether the Bloom filter lets addr through, for tests
// that count false positives.
func (s *Set) filterSays(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is4() {
		return len(s.addrs4) > 0 && s.filter.test(hash4(u32(addr)))
	}
	return len(s.addrs6) > 0 && s.filter.test(hash6(u128From16(addr.As16())))
}

// TestFilterRate checks that the filter, probed with our own hashes, lets
// through about the share of unlisted addresses that was asked for: the
// hashes are good enough for the sizing bloom.EstimateParameters assumes.
func TestFilterRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	ps := genLists(rng, scale{addrs4: 50_000, addrs6: 50_000})
	const probes = 400_000
	for _, rate := range []float64{0.1, 0.01, 0.001} {
		s := New(ps, Options{FalsePositiveRate: rate})
		var fp4, fp6 int
		for range probes / 2 {
			if a := addr4(rng.Uint32()); !s.Contains(a) && s.filterSays(a) {
				fp4++
			}
			if a := randomV6(rng); !s.Contains(a) && s.filterSays(a) {
				fp6++
			}
		}
		for i, fp := range []int{fp4, fp6} {
			fam := []string{"IPv4", "IPv6"}[i]
			got := float64(fp) / (probes / 2)
			t.Logf("rate %v: %s false positive rate %.5f", rate, fam, got)
			if got < rate/2 || got > rate*1.5 {
				t.Errorf("rate %v: %s filter lets %.5f of unlisted addresses through", rate, fam, got)
			}
		}
	}
}
