// Package blocklist answers one question on every request: is this client
// address on a list? A [Set] holds single addresses and CIDR prefixes, IPv4
// and IPv6, and answers exactly: it never reports an unlisted address as
// listed, and it never misses a listed one.
//
// # How a lookup runs
//
// Most requests come from addresses that are not listed, so the structure is
// shaped to make that answer cheap without ever making it wrong. An address
// goes through two independent checks, and a miss must pass both:
//
//   - Prefixes. A Bloom filter cannot answer "is x inside some range", so
//     CIDR prefixes live in sorted arrays of disjoint ranges (New drops
//     prefixes nested in wider ones; aligned prefixes are either nested or
//     disjoint, so after that sweep at most one range can match). In front
//     of each array sits a 65,536-bit map (8 KiB) of the blocks any range
//     touches: /16s for IPv4, hashed /24s for IPv6. A clear bit ends the
//     check; otherwise IPv4 jumps through a /16 index to the few ranges
//     starting in that block and IPv6 binary-searches the whole array.
//   - Single addresses (/32, /128), by far the largest part of real lists,
//     sit behind a Bloom filter (github.com/bits-and-blooms/bloom/v3) sized
//     from their count and [Options.FalsePositiveRate]. The filter can say
//     "surely not listed" but only "maybe listed", so every maybe is
//     confirmed exactly: IPv4 in a sorted []uint32 through a /16 index, IPv6
//     in a compact hash table (one [2]uint64 array grouped by hash bucket).
//     The filter decides speed, never correctness: at a rate of 0.9 a Set
//     answers exactly the same, only slower.
//
// The filter is probed with our own hashes (two 64-bit mixes of the address,
// combined by double hashing) through the library's TestLocations, because
// its byte-oriented murmur3 hashing cost as much as the rest of a miss.
//
// # Why this design
//
// Every alternative below is a benchmark in design_test.go (go test -bench Design
// ./blocklist), at the target scale: 1,000,000 IPv4 and 100,000 IPv6 addresses, 16,000
// IPv4 prefixes /8-/31 and 4,000 IPv6 prefixes /16-/127, within budgets of 100 ns a
// lookup and 16 MB. The README (Benchmarks) keeps the figures of the last run; they go
// stale, the reasons do not.
//
// One probe per prefix length hashes once per distinct length (tens of them in real
// lists, more for IPv6) and keys every entry in a map: an order of magnitude over both
// budgets. A map[netip.Addr] for the single addresses is quick but alone takes several
// times the memory budget.
//
// The filter is not what makes the uniform case fast: with the indexed exact tables
// behind it, a miss costs about the same without it (IPv4) or less (IPv6), and a hit
// less. It earns its place on lists that cluster, as real ones do (hosting ranges, one
// provider's botnet): with the addresses in a few /16s and misses from the same blocks,
// the exact search walks a bucket of thousands, while the filter's miss cost does not
// depend on how a list is shaped. (For IPv6 the exact side is a hash table, insensitive
// to clustering, so there the filter buys nothing; it is kept so that all single
// addresses behave and are tuned alike.)
//
// A Set holds about 8 bytes per entry. The rate trades memory for hit cost, not miss
// cost: a lower rate makes a bigger filter and fewer exact confirmations of misses that
// were never listed.
//
// # Normalisation
//
// [New] masks every prefix, turns IPv4-mapped IPv6 (::ffff:1.2.3.4, and
// prefixes of length 96 or more inside ::ffff:0:0/96) into IPv4, removes
// duplicates and drops entries covered by a wider listed prefix. Lookups
// unmap IPv4-mapped addresses the same way and ignore IPv6 zones, so
// ::ffff:192.0.2.1 and 192.0.2.1 get the same answer. An IPv6 prefix
// shorter than /96 never lists IPv4 addresses, even if it spans
// ::ffff:0:0/96: list 0.0.0.0/0 to block all of IPv4.
//
// # Limits
//
// A Set is immutable. To change a list, parse it again, build a new Set and
// publish it (the server swaps it behind an atomic pointer); the target
// scale builds in a fraction of a second. Adjacent prefixes are not merged
// into wider ones, so [Set.Lookup] reports an entry that was listed, never
// one that was invented. Address ranges written as "a-b" and list formats
// other than one entry per line (JSON feeds, for example) are not read by
// [Parse].
package blocklist

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"net/netip"
	"slices"
)

// DefaultFalsePositiveRate is the Bloom filter rate used when
// [Options.FalsePositiveRate] is zero. At 0.001 the filter costs about 14.4
// bits (1.8 bytes) per single address and lets one unlisted address in a
// thousand through to the exact check.
const DefaultFalsePositiveRate = 0.001

// minFalsePositiveRate bounds how far a caller can tighten the filter. Below
// it the filter only grows (and hashes more per hit) while the exact check
// already makes every answer right.
const minFalsePositiveRate = 1e-6

// Options tunes a Set. The zero value is usable.
type Options struct {
	// FalsePositiveRate is the target share of unlisted single addresses that
	// pass the Bloom filter and must be confirmed by the exact lookup. A
	// lower rate costs memory (about 1.44*log2(1/rate) bits per address) and
	// hashes per hit; a higher one sends more misses to the exact check. It
	// never affects correctness. Zero means DefaultFalsePositiveRate; values
	// outside (0, 1) (and NaN) are treated as zero, and values below 1e-6 are
	// raised to 1e-6.
	FalsePositiveRate float64
}

func (o Options) rate() float64 {
	r := o.FalsePositiveRate
	switch {
	case math.IsNaN(r) || r <= 0 || r >= 1:
		return DefaultFalsePositiveRate
	case r < minFalsePositiveRate:
		return minFalsePositiveRate
	}
	return r
}

// Set is an immutable set of IPv4 and IPv6 addresses and prefixes.
//
// A Set is immutable after New returns: Contains, Lookup, Len and Stats are
// safe for concurrent use by any number of goroutines without locking, and a
// Set may be shared freely and kept for as long as it is needed. A nil *Set
// is valid and lists nothing, so a disabled list can be kept as nil.
type Set struct {
	// filter holds every single address of both families (hash4, hash6).
	// Its zero value (no single addresses) is never probed.
	filter filter

	// addrs4 is sorted and unique. index4 is its /16 index (see blockIndex):
	// addrs4[index4[h]:index4[h+1]] are the addresses in block h. Nil for
	// small sets, which are searched whole.
	addrs4 []uint32
	index4 []uint32

	// addrs6 is a hash table in one array: unique addresses grouped by the
	// top bits of their first filter hash, addrs6[index6[b]:index6[b+1]]
	// being bucket b = h1>>shift6. There are about half as many buckets as
	// addresses, so a confirmation compares one or two entries, wherever the
	// addresses cluster (a sorted search walked 17 levels of 1.6 MB).
	addrs6 []u128
	index6 []uint32
	shift6 uint8

	nets4 table4
	nets6 table6
}

// New builds an immutable Set from prefixes; single addresses are /32 or /128
// prefixes. It normalises as the package documentation describes: masks,
// unmaps IPv4-mapped IPv6, removes duplicates and entries covered by wider
// ones. Invalid (zero) prefixes are skipped. New keeps no reference to
// prefixes.
func New(prefixes []netip.Prefix, opts Options) *Set {
	// Count first so that every slice is allocated once, at its final size:
	// at a million entries, append's doubling would leave as much garbage as
	// the set itself.
	var c4, c6, n4, n6 int
	for _, p := range prefixes {
		p, ok := normalise(p)
		switch {
		case !ok:
		case p.Addr().Is4() && p.Bits() == 32:
			c4++
		case p.Addr().Is4():
			n4++
		case p.Bits() == 128:
			c6++
		default:
			n6++
		}
	}
	addrs4 := make([]uint32, 0, c4)
	addrs6 := make([]u128, 0, c6)
	nets4 := make([]net4, 0, n4)
	nets6 := make([]net6, 0, n6)
	for _, p := range prefixes {
		p, ok := normalise(p)
		if !ok {
			continue
		}
		a, l := p.Addr(), uint8(p.Bits())
		if a.Is4() {
			b := a.As4()
			x := binary.BigEndian.Uint32(b[:])
			if l == 32 {
				addrs4 = append(addrs4, x)
			} else {
				nets4 = append(nets4, net4{x, l})
			}
			continue
		}
		x := u128From16(a.As16())
		if l == 128 {
			addrs6 = append(addrs6, x)
		} else {
			nets6 = append(nets6, net6{x, l})
		}
	}

	s := &Set{}
	s.nets4 = newTable4(nets4)
	s.nets6 = newTable6(nets6)

	slices.Sort(addrs4)
	addrs4 = slices.Compact(addrs4)
	addrs4 = dropCovered4(addrs4, &s.nets4)
	slices.SortFunc(addrs6, u128.cmp)
	addrs6 = slices.Compact(addrs6)
	addrs6 = dropCovered6(addrs6, &s.nets6)
	// Compact and dropCovered shrink in place; clip so that Stats reports
	// the memory really held rather than a capacity nobody can see.
	s.addrs4 = clip(addrs4)
	s.index4 = blockIndex(s.addrs4)
	s.addrs6, s.index6, s.shift6 = hashTable6(addrs6)

	if n := len(s.addrs4) + len(s.addrs6); n > 0 {
		s.filter = newFilter(n, opts.rate())
		for _, x := range s.addrs4 {
			s.filter.add(hash4(x))
		}
		for _, x := range s.addrs6 {
			s.filter.add(hash6(x))
		}
	}
	return s
}

// Normalise returns p in the one form a Set stores and [Set.Lookup] reports:
// IPv4-mapped IPv6 turned into IPv4 when the prefix lies inside ::ffff:0:0/96,
// and masked. It reports false for an invalid (zero) prefix. Callers that keep
// something per entry (the bans package keeps a reason) key it by this form.
func Normalise(p netip.Prefix) (netip.Prefix, bool) { return normalise(p) }

// normalise is Normalise.
func normalise(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() {
		return netip.Prefix{}, false
	}
	a, bits := p.Addr(), p.Bits()
	if a.Is4In6() && bits >= 96 {
		p = netip.PrefixFrom(a.Unmap(), bits-96)
	}
	return p.Masked(), true
}

// clip returns s with its spare capacity released, copying only when at least
// a quarter would be wasted.
func clip[T any](s []T) []T {
	if cap(s)-len(s) > cap(s)/4 {
		return append(make([]T, 0, len(s)), s...)
	}
	return s[:len(s):len(s)]
}

// Contains reports whether addr is listed, exactly: a Bloom filter false
// positive is always caught by the exact check. IPv4-mapped IPv6 addresses
// are looked up as IPv4 and zones are ignored; the zero Addr is never listed.
// Contains does not allocate and is safe for concurrent use; on a nil Set it
// reports false.
func (s *Set) Contains(addr netip.Addr) bool {
	if s == nil {
		return false
	}
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		x := binary.BigEndian.Uint32(b[:])
		return s.nets4.find(x) >= 0 || s.in4(x)
	}
	if addr.Is6() {
		x := u128From16(addr.As16())
		return s.nets6.find(x) >= 0 || s.in6(x)
	}
	return false
}

// Lookup is Contains that also returns the listed entry that matched, for
// logs and the deny reason. The entry is the widest listed prefix containing
// addr (narrower ones inside it were merged away by New), or addr as a /32
// or /128 when it was listed alone. Like Contains it does not allocate.
func (s *Set) Lookup(addr netip.Addr) (netip.Prefix, bool) {
	if s == nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		x := binary.BigEndian.Uint32(b[:])
		// Ranges first, as in Contains: the cover map makes their miss
		// nearly free, and New leaves no single inside a range, so the
		// order cannot change the entry reported.
		if i := s.nets4.find(x); i >= 0 {
			return s.nets4.prefix(i), true
		}
		if s.in4(x) {
			return netip.PrefixFrom(netip.AddrFrom4(b), 32), true
		}
		return netip.Prefix{}, false
	}
	if addr.Is6() {
		b := addr.As16()
		x := u128From16(b)
		if i := s.nets6.find(x); i >= 0 {
			return s.nets6.prefix(i), true
		}
		if s.in6(x) {
			return netip.PrefixFrom(netip.AddrFrom16(b), 128), true
		}
	}
	return netip.Prefix{}, false
}

// in4 reports whether x is a listed single IPv4 address.
func (s *Set) in4(x uint32) bool {
	if len(s.addrs4) == 0 {
		return false
	}
	if !s.filter.test(hash4(x)) {
		return false
	}
	lo, hi := span(s.index4, x, len(s.addrs4))
	i := lo + lastAtOrBefore4(s.addrs4[lo:hi], x)
	return i >= lo && s.addrs4[i] == x
}

// in6 reports whether x is a listed single IPv6 address.
func (s *Set) in6(x u128) bool {
	if len(s.addrs6) == 0 {
		return false
	}
	h1, h2 := hash6(x)
	return s.filter.test(h1, h2) && s.has6(x, h1)
}

// has6 looks x, whose first hash is h1, up in the hash table, skipping the
// filter.
func (s *Set) has6(x u128, h1 uint64) bool {
	b := h1 >> s.shift6
	for _, y := range s.addrs6[s.index6[b]:s.index6[b+1]] {
		if y == x {
			return true
		}
	}
	return false
}

// hashTable6 groups unique addrs into buckets of the hash table described on
// Set.addrs6: a counting sort by bucket, into a new array of exactly the
// right size.
func hashTable6(addrs []u128) (table []u128, index []uint32, shift uint8) {
	if len(addrs) == 0 {
		return nil, nil, 0
	}
	nb := min(max(bits.Len(uint(len(addrs)))-1, 1), 16) // 2^nb <= n buckets
	shift = uint8(64 - nb)
	index = make([]uint32, 1<<nb+1)
	for _, x := range addrs {
		h1, _ := hash6(x)
		index[h1>>shift+1]++
	}
	for b := 1; b < len(index); b++ {
		index[b] += index[b-1]
	}
	table = make([]u128, len(addrs))
	next := slices.Clone(index[:len(index)-1])
	for _, x := range addrs {
		h1, _ := hash6(x)
		b := h1 >> shift
		table[next[b]] = x
		next[b]++
	}
	return table, index, shift
}

// Len is the number of entries after normalisation: single addresses and
// prefixes, both families, with duplicates and covered entries removed.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.addrs4) + len(s.addrs6) + s.nets4.len() + s.nets6.len()
}

// Stats describes a Set for metrics and logs. It is a plain value; taking it
// costs nothing worth measuring.
type Stats struct {
	Addrs4, Addrs6 int // single addresses (/32, /128) after normalisation
	Nets4, Nets6   int // prefixes after normalisation

	FilterBits   uint // size of the Bloom filter in bits (0 without singles)
	FilterHashes uint // hash functions per filter probe

	// Bytes is the memory held by the set's tables, computed from their
	// sizes (not measured); the Set header and allocator rounding are not
	// counted.
	Bytes int
}

// Stats returns counts and the memory footprint of s. A nil Set has zero
// Stats.
func (s *Set) Stats() Stats {
	if s == nil {
		return Stats{}
	}
	st := Stats{
		Addrs4: len(s.addrs4),
		Addrs6: len(s.addrs6),
		Nets4:  s.nets4.len(),
		Nets6:  s.nets6.len(),
		Bytes: 4*cap(s.addrs4) + 4*cap(s.index4) + 16*cap(s.addrs6) + 4*cap(s.index6) +
			s.nets4.bytes() + s.nets6.bytes(),
	}
	if s.filter.bf != nil {
		st.FilterBits = uint(s.filter.m)
		st.FilterHashes = s.filter.k
		st.Bytes += int(s.filter.m+63) / 64 * 8
	}
	return st
}

// u128 is an IPv6 address as two big-endian halves, so that comparing
// (hi, lo) orders addresses the way netip.Addr.Compare does, in 16 bytes and
// without netip.Addr's zone pointer.
type u128 struct{ hi, lo uint64 }

func u128From16(b [16]byte) u128 {
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (x u128) as16() (b [16]byte) {
	binary.BigEndian.PutUint64(b[:8], x.hi)
	binary.BigEndian.PutUint64(b[8:], x.lo)
	return b
}

func (x u128) cmp(y u128) int {
	if c := cmp.Compare(x.hi, y.hi); c != 0 {
		return c
	}
	return cmp.Compare(x.lo, y.lo)
}

// last returns the highest address of the prefix x/bits (x masked).
func (x u128) last(bits uint8) u128 {
	if bits <= 64 {
		return u128{x.hi | ^uint64(0)>>bits, ^uint64(0)}
	}
	return u128{x.hi, x.lo | ^uint64(0)>>(bits-64)}
}
