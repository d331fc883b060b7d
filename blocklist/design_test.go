package blocklist

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"

	"github.com/bits-and-blooms/bloom/v3"
)

// This file keeps the designs the package was chosen against, as benchmarks
// at the target scale, so the numbers in the package comment can be
// reproduced and re-checked when the hardware or the lists change:
//
//	go test ./blocklist/ -run '^$' -bench 'Design|FalsePositiveRate' -benchtime 200ms
//
// The alternatives live here, not in the package: they are measurements,
// not code anyone should call.

// lengthSet is design (a): every entry, single or prefix, goes into one Bloom
// filter keyed by (masked address, length); a lookup probes the filter once
// per prefix length present and confirms each maybe in an exact map.
type lengthSet struct {
	filter             *bloom.BloomFilter
	exact              map[lengthKey]struct{}
	lengths4, lengths6 []int // widest first
}

type lengthKey struct {
	addr u128
	bits uint8
	v6   bool
}

func newLengthSet(prefixes []netip.Prefix) *lengthSet {
	s := &lengthSet{exact: make(map[lengthKey]struct{}, len(prefixes))}
	var seen [2][129]bool
	for _, p := range prefixes {
		p, _ = normalise(p)
		k := lengthKey{u128From16(p.Addr().As16()), uint8(p.Bits()), p.Addr().Is6()}
		if p.Addr().Is4() {
			k.addr = u128{0, uint64(u32(p.Addr()))}
		}
		s.exact[k] = struct{}{}
		f := 0
		if k.v6 {
			f = 1
		}
		seen[f][p.Bits()] = true
	}
	for l := range 129 {
		if seen[0][l] {
			s.lengths4 = append(s.lengths4, l)
		}
		if seen[1][l] {
			s.lengths6 = append(s.lengths6, l)
		}
	}
	s.filter = bloom.NewWithEstimates(uint(len(s.exact)), DefaultFalsePositiveRate)
	for k := range s.exact {
		key := k.key()
		if k.v6 {
			s.filter.Add(key[:17])
		} else {
			s.filter.Add(key[:5])
		}
	}
	return s
}

func (k lengthKey) key() (b [17]byte) {
	if k.v6 {
		a := k.addr.as16()
		copy(b[:], a[:])
		b[16] = k.bits
		return b
	}
	binary.BigEndian.PutUint32(b[:4], uint32(k.addr.lo))
	b[4] = k.bits
	return b
}

func (s *lengthSet) contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is4() {
		x := u32(addr)
		for _, l := range s.lengths4 {
			k := lengthKey{addr: u128{0, uint64(x &^ (^uint32(0) >> l))}, bits: uint8(l)}
			key := k.key()
			if s.filter.Test(key[:5]) {
				if _, ok := s.exact[k]; ok {
					return true
				}
			}
		}
		return false
	}
	x := u128From16(addr.As16())
	for _, l := range s.lengths6 {
		m := x
		if l <= 64 {
			m = u128{x.hi &^ (^uint64(0) >> l), 0}
		} else {
			m.lo &^= ^uint64(0) >> (l - 64)
		}
		k := lengthKey{addr: m, bits: uint8(l), v6: true}
		key := k.key()
		if s.filter.Test(key[:]) {
			if _, ok := s.exact[k]; ok {
				return true
			}
		}
	}
	return false
}

// exactContains is the chosen design without the filter in front: the same
// sorted arrays and range tables, searched for every lookup.
func exactContains(s *Set, addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is4() {
		x := u32(addr)
		if s.nets4.find(x) >= 0 {
			return true
		}
		lo, hi := span(s.index4, x, len(s.addrs4))
		i := lo + lastAtOrBefore4(s.addrs4[lo:hi], x)
		return i >= lo && s.addrs4[i] == x
	}
	x := u128From16(addr.As16())
	if s.nets6.find(x) >= 0 {
		return true
	}
	h1, _ := hash6(x)
	return s.has6(x, h1)
}

// noIndexContains is the chosen design with a plain binary search over all
// IPv4 singles instead of the /16 index: what the index buys on a hit.
func noIndexContains(s *Set, addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.Is4() {
		return s.Contains(addr)
	}
	x := u32(addr)
	if s.nets4.find(x) >= 0 {
		return true
	}
	if !s.filter.test(hash4(x)) {
		return false
	}
	i := lastAtOrBefore4(s.addrs4, x)
	return i >= 0 && s.addrs4[i] == x
}

// mapSet keeps the singles in Go maps instead of the filter and sorted
// arrays; prefixes go through the chosen range tables.
type mapSet struct {
	set    *Set
	addrs4 map[uint32]struct{}
	addrs6 map[u128]struct{}
}

func newMapSet(s *Set) *mapSet {
	m := &mapSet{set: s, addrs4: make(map[uint32]struct{}, len(s.addrs4)), addrs6: make(map[u128]struct{}, len(s.addrs6))}
	for _, x := range s.addrs4 {
		m.addrs4[x] = struct{}{}
	}
	for _, x := range s.addrs6 {
		m.addrs6[x] = struct{}{}
	}
	return m
}

func (m *mapSet) contains(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.Is4() {
		x := u32(addr)
		_, ok := m.addrs4[x]
		return ok || m.set.nets4.find(x) >= 0
	}
	x := u128From16(addr.As16())
	_, ok := m.addrs6[x]
	return ok || m.set.nets6.find(x) >= 0
}

// benchFunc is benchContains for any contains function.
func benchFunc(b *testing.B, contains func(netip.Addr) bool, addrs []netip.Addr, want bool) {
	b.ReportAllocs()
	mask := len(addrs) - 1
	wrong, i := 0, 0
	for b.Loop() {
		if contains(addrs[i&mask]) != want {
			wrong++
		}
		i++
	}
	if wrong > 0 {
		b.Fatalf("%d lookups did not answer %v", wrong, want)
	}
}

func BenchmarkDesign(b *testing.B) {
	s, pr := scaleSet(), scaleProbes()
	designs := []struct {
		name     string
		contains func() func(netip.Addr) bool // built lazily: -bench filters may skip it
	}{
		{"chosen", func() func(netip.Addr) bool { return s.Contains }},
		{"exact-no-filter", func() func(netip.Addr) bool { return func(a netip.Addr) bool { return exactContains(s, a) } }},
		{"no-v4-index", func() func(netip.Addr) bool { return func(a netip.Addr) bool { return noIndexContains(s, a) } }},
		{"go-maps", func() func(netip.Addr) bool { return newMapSet(s).contains }},
		{"probe-per-length", func() func(netip.Addr) bool { return newLengthSet(scaleLists()).contains }},
	}
	cases := []struct {
		name  string
		addrs []netip.Addr
		want  bool
	}{
		{"miss4", pr.miss4, false}, {"miss6", pr.miss6, false},
		{"hit4", pr.hit4, true}, {"hit6", pr.hit6, true},
		{"hitNet4", pr.hitNet4, true}, {"hitNet6", pr.hitNet6, true},
	}
	for _, d := range designs {
		b.Run(d.name, func(b *testing.B) {
			contains := d.contains()
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) { benchFunc(b, contains, c.addrs, c.want) })
			}
		})
	}
}

// heapOf returns the live heap that build adds, measured around a GC.
func heapOf(build func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkDesignMemory reports the memory each design holds at the target
// scale. Run it with -benchtime 1x.
func BenchmarkDesignMemory(b *testing.B) {
	ps, s := scaleLists(), scaleSet()
	for _, d := range []struct {
		name  string
		build func() any
	}{
		{"chosen", func() any { return New(ps, Options{}) }},
		{"go-maps-singles", func() any { return newMapSet(s) }},
		{"netip-map-singles", func() any {
			m := make(map[netip.Addr]struct{})
			for _, p := range ps {
				if p.IsSingleIP() {
					m[p.Addr()] = struct{}{}
				}
			}
			return m
		}},
		{"probe-per-length", func() any { return newLengthSet(ps) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			var n uint64
			for b.Loop() {
				n = heapOf(d.build)
			}
			b.ReportMetric(float64(n), "bytes/set")
		})
	}
}

// BenchmarkFalsePositiveRate shows what the filter's size buys: the miss
// cost and the memory of the whole set at several rates.
func BenchmarkFalsePositiveRate(b *testing.B) {
	ps, pr := scaleLists(), scaleProbes()
	for _, rate := range []float64{0.0001, 0.001, 0.01, 0.1} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) {
			s := New(ps, Options{FalsePositiveRate: rate})
			b.Run("miss4", func(b *testing.B) {
				benchContains(b, s, pr.miss4, false)
				b.ReportMetric(float64(s.Stats().Bytes), "bytes/set")
			})
			b.Run("miss6", func(b *testing.B) { benchContains(b, s, pr.miss6, false) })
			b.Run("hit4", func(b *testing.B) { benchContains(b, s, pr.hit4, true) })
		})
	}
}

// BenchmarkDesignCold repeats the chosen design and the exact tables without
// the filter with the caches against them: lookups rotate over 8 copies of
// the set (about 65 MB), so most of each lookup's memory is not in cache,
// closer to a server whose caches also hold the WAF and the connections.
func BenchmarkDesignCold(b *testing.B) {
	const copies = 8
	sets := make([]*Set, copies)
	for i := range sets {
		sets[i] = New(scaleLists(), Options{})
	}
	pr := scaleProbes()
	designs := []struct {
		name     string
		contains func(*Set, netip.Addr) bool
	}{
		{"chosen", (*Set).Contains},
		{"exact-no-filter", exactContains},
	}
	cases := []struct {
		name  string
		addrs []netip.Addr
		want  bool
	}{{"miss4", pr.miss4, false}, {"miss6", pr.miss6, false}, {"hit4", pr.hit4, true}, {"hit6", pr.hit6, true}}
	for _, d := range designs {
		for _, c := range cases {
			b.Run(d.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if d.contains(sets[i%copies], c.addrs[i&(probeCount-1)]) != c.want {
						b.Fatal("wrong answer")
					}
				}
			})
		}
	}
}

// BenchmarkDesignClustered is the IPv4 case the filter is kept for: a list
// whose addresses crowd into a few /16 blocks (hosting ranges, a botnet in
// one provider), probed with unlisted addresses from those same blocks. The
// exact search then walks a bucket of thousands; the filter's cost does not
// change.
func BenchmarkDesignClustered(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 11))
	blocks := make([]uint32, 64)
	for i := range blocks {
		blocks[i] = rng.Uint32() &^ 0xffff
	}
	ps := make([]netip.Prefix, 0, 1_000_000)
	for range cap(ps) {
		ps = append(ps, netip.PrefixFrom(addr4(blocks[rng.IntN(len(blocks))]|rng.Uint32N(1<<16)), 32))
	}
	s := New(ps, Options{})
	var miss, hit []netip.Addr
	for len(miss) < probeCount {
		if a := addr4(blocks[rng.IntN(len(blocks))] | rng.Uint32N(1<<16)); !s.Contains(a) {
			miss = append(miss, a)
		}
	}
	for len(hit) < probeCount {
		hit = append(hit, addr4(s.addrs4[rng.IntN(len(s.addrs4))]))
	}
	for _, d := range []struct {
		name     string
		contains func(netip.Addr) bool
	}{
		{"chosen", s.Contains},
		{"exact-no-filter", func(a netip.Addr) bool { return exactContains(s, a) }},
	} {
		b.Run(d.name+"/miss4", func(b *testing.B) { benchFunc(b, d.contains, miss, false) })
		b.Run(d.name+"/hit4", func(b *testing.B) { benchFunc(b, d.contains, hit, true) })
	}
}

// BenchmarkFilterHashing compares probing the same-sized filter with the
// library's Test (murmur3 over the 4-byte key) and with our integer hashes
// through TestLocations, on random (mostly unlisted) IPv4 addresses.
func BenchmarkFilterHashing(b *testing.B) {
	s := scaleSet()
	m, k := bloom.EstimateParameters(uint(len(s.addrs4)+len(s.addrs6)), DefaultFalsePositiveRate)
	lib := bloom.New(m, k)
	var key [4]byte
	for _, x := range s.addrs4 {
		binary.BigEndian.PutUint32(key[:], x)
		lib.Add(key[:])
	}
	rng := rand.New(rand.NewPCG(13, 13))
	xs := make([]uint32, probeCount)
	for i := range xs {
		xs[i] = rng.Uint32()
	}
	n := 0
	b.Run("library-murmur", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			binary.BigEndian.PutUint32(key[:], xs[i&(probeCount-1)])
			if lib.Test(key[:]) {
				n++
			}
		}
	})
	b.Run("own-hash", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if s.filter.test(hash4(xs[i&(probeCount-1)])) {
				n++
			}
		}
	})
	runtime.KeepAlive(n)
}
