package blocklist

import (
	"cmp"
	"net/netip"
	"slices"
)

// The range tables hold the CIDR prefixes of one family as parallel arrays
// sorted by first address, disjoint after newTable4/newTable6. Parallel
// arrays rather than a slice of structs: the search touches only first,
// which then packs 16 IPv4 starts into a cache line instead of 8. Each
// range's last address is computed from its length, not stored.
//
// A binary search over 16,000 IPv4 ranges measured about 75 ns, more than
// the whole Bloom filter probe, so both tables put cheaper answers in front
// of it:
//
//   - cover, a 65,536-bit map (8 KiB, stays in L1/L2) of the blocks that
//     meet some range: a clear bit proves the address is outside every range,
//     which is the answer for most traffic. IPv4 blocks are the /16s, indexed
//     directly. IPv6 blocks are the /24s, hashed to 16 bits: IPv6 addresses
//     in use cluster under a few top-16-bit values (2001::, 2a00:: ...), so a
//     direct /16 map would be set wherever the traffic is, while /24s
//     separate networks. A range wider than 4,096 blocks sets the whole map,
//     which is correct and merely slower.
//   - for IPv4, index: for each /16 block h, index[h] is the number of ranges
//     starting below it, so the ranges starting inside it are
//     first[index[h]:index[h+1]] (usually none or one) and the only other
//     candidate is the range just before them. That makes the search O(1)
//     for typical lists, for 256 KiB.

type net4 struct {
	first uint32
	bits  uint8
}

type net6 struct {
	first u128
	bits  uint8
}

type table4 struct {
	first []uint32
	bits  []uint8
	cover *blockMap
	index []uint32 // 1<<16+1 entries; nil for small tables, searched whole
}

type table6 struct {
	first []u128
	bits  []uint8
	cover *blockMap
}

// indexMin is the array size from which a /16 index is built: it costs
// 256 KiB, and below this size a search of the whole array stays in a few
// cache lines anyway.
const indexMin = 512

// blockIndex returns the /16 index of sorted a: index[h] is the number of
// elements below block h (h<<16), so a[index[h]:index[h+1]] are those inside
// it. It returns nil when a is shorter than indexMin.
func blockIndex(a []uint32) []uint32 {
	if len(a) < indexMin {
		return nil
	}
	index := make([]uint32, 1<<16+1)
	i := 0
	for h := range uint32(1 << 16) {
		index[h] = uint32(i)
		for i < len(a) && a[i]>>16 == h {
			i++
		}
	}
	index[1<<16] = uint32(len(a))
	return index
}

// span returns the part of an array of length n to search for x: the
// elements in x's /16 block if there is an index, else all of them.
func span(index []uint32, x uint32, n int) (lo, hi int) {
	if index == nil {
		return 0, n
	}
	h := x >> 16
	return int(index[h]), int(index[h+1])
}

// maxCoverSpan is the number of blocks a range may span before it sets the
// whole cover map rather than one bit per block.
const maxCoverSpan = 1 << 12

// blockMap is a 65,536-bit set of blocks.
type blockMap [1 << 16 / 64]uint64

func (m *blockMap) set(b uint32)      { m[b/64] |= 1 << (b % 64) }
func (m *blockMap) has(b uint32) bool { return m[b/64]&(1<<(b%64)) != 0 }

func (m *blockMap) fill() {
	for i := range m {
		m[i] = ^uint64(0)
	}
}

// block6 returns the cover map bit of the IPv6 /24 that hi (the upper half
// of an address) lies in: Fibonacci hashing, so nearby /24s spread out.
func block6(hi uint64) uint32 { return uint32((hi >> 40) * 0x9e3779b97f4a7c15 >> 48) }

func last4(first uint32, bits uint8) uint32 { return first | ^uint32(0)>>bits }

// newTable4 sorts nets (in place) and keeps only those not nested inside
// another. Sorting by first address and then widest first puts every prefix
// right after the one that contains it, and aligned prefixes never partly
// overlap, so one sweep suffices.
func newTable4(nets []net4) table4 {
	if len(nets) == 0 {
		return table4{}
	}
	slices.SortFunc(nets, func(a, b net4) int {
		return cmp.Or(cmp.Compare(a.first, b.first), cmp.Compare(a.bits, b.bits))
	})
	t := table4{
		first: make([]uint32, 0, len(nets)),
		bits:  make([]uint8, 0, len(nets)),
		cover: new(blockMap),
	}
	for _, n := range nets {
		if k := len(t.first) - 1; k >= 0 && n.first <= last4(t.first[k], t.bits[k]) {
			continue
		}
		t.first = append(t.first, n.first)
		t.bits = append(t.bits, n.bits)
	}
	t.first, t.bits = clip(t.first), clip(t.bits)

	for i, f := range t.first {
		for h := f >> 16; h <= last4(f, t.bits[i])>>16; h++ {
			t.cover.set(h)
			if h == 1<<16-1 {
				break // h++ would wrap to 0
			}
		}
	}
	t.index = blockIndex(t.first)
	return t
}

func newTable6(nets []net6) table6 {
	if len(nets) == 0 {
		return table6{}
	}
	slices.SortFunc(nets, func(a, b net6) int {
		return cmp.Or(a.first.cmp(b.first), cmp.Compare(a.bits, b.bits))
	})
	t := table6{
		first: make([]u128, 0, len(nets)),
		bits:  make([]uint8, 0, len(nets)),
		cover: new(blockMap),
	}
	for _, n := range nets {
		if k := len(t.first) - 1; k >= 0 && n.first.cmp(t.first[k].last(t.bits[k])) <= 0 {
			continue
		}
		t.first = append(t.first, n.first)
		t.bits = append(t.bits, n.bits)
	}
	t.first, t.bits = clip(t.first), clip(t.bits)

	for i, f := range t.first {
		b0, b1 := f.hi>>40, f.last(t.bits[i]).hi>>40
		if b1-b0 >= maxCoverSpan {
			t.cover.fill()
			break
		}
		for b := b0; b <= b1; b++ {
			t.cover.set(block6(b << 40))
		}
	}
	return t
}

func (t *table4) len() int { return len(t.first) }
func (t *table6) len() int { return len(t.first) }

func (t *table4) bytes() int {
	n := 5*len(t.first) + 4*len(t.index)
	if t.cover != nil {
		n += len(t.cover) * 8
	}
	return n
}

func (t *table6) bytes() int {
	n := 17 * len(t.first)
	if t.cover != nil {
		n += len(t.cover) * 8
	}
	return n
}

// find returns the index of the range containing x, or -1.
func (t *table4) find(x uint32) int {
	h := x >> 16
	if t.cover == nil || !t.cover.has(h) {
		return -1
	}
	lo, hi := span(t.index, x, len(t.first))
	// The last range starting at or before x is the only one that can
	// contain it: one starting in x's block, or else the one before them.
	i := lo + lastAtOrBefore4(t.first[lo:hi], x)
	if i >= 0 && x <= last4(t.first[i], t.bits[i]) {
		return i
	}
	return -1
}

func (t *table6) find(x u128) int {
	if t.cover == nil || !t.cover.has(block6(x.hi)) {
		return -1
	}
	i := lastAtOrBefore6(t.first, x)
	if i >= 0 && x.cmp(t.first[i].last(t.bits[i])) <= 0 {
		return i
	}
	return -1
}

// lastAtOrBefore4 returns the index of the last element of sorted a that is
// <= x, or -1. It is a predecessor search, which slices.BinarySearch is not:
// the range containing x starts at or before it.
//
// The loop halves a window of fixed size, so it always runs ceil(log2(n))
// times with one comparison each (Knuth's "uniform" binary search). The
// Go compiler still emits a branch for the comparison; this measured the
// same as the textbook lo/hi loop, and is kept for its simpler invariant.
func lastAtOrBefore4(a []uint32, x uint32) int {
	n := len(a)
	if n == 0 || x < a[0] {
		return -1
	}
	base := 0 // invariant: a[base] <= x
	for n > 1 {
		half := n >> 1
		if a[base+half] <= x {
			base += half
		}
		n -= half
	}
	return base
}

func lastAtOrBefore6(a []u128, x u128) int {
	n := len(a)
	if n == 0 || x.cmp(a[0]) < 0 {
		return -1
	}
	base := 0
	for n > 1 {
		half := n >> 1
		if f := a[base+half]; f.hi < x.hi || f.hi == x.hi && f.lo <= x.lo {
			base += half
		}
		n -= half
	}
	return base
}

func (t *table4) prefix(i int) netip.Prefix {
	f := t.first[i]
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(f >> 24), byte(f >> 16), byte(f >> 8), byte(f)}), int(t.bits[i]))
}

func (t *table6) prefix(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16(t.first[i].as16()), int(t.bits[i]))
}

// dropCovered4 removes from sorted addrs those inside a range of t, in place.
// Both are sorted, so one merge walk does it.
func dropCovered4(addrs []uint32, t *table4) []uint32 {
	if len(t.first) == 0 {
		return addrs
	}
	out, j := addrs[:0], 0
	for _, x := range addrs {
		for j < len(t.first) && last4(t.first[j], t.bits[j]) < x {
			j++
		}
		if j < len(t.first) && t.first[j] <= x {
			continue
		}
		out = append(out, x)
	}
	return out
}

func dropCovered6(addrs []u128, t *table6) []u128 {
	if len(t.first) == 0 {
		return addrs
	}
	out, j := addrs[:0], 0
	for _, x := range addrs {
		for j < len(t.first) && t.first[j].last(t.bits[j]).cmp(x) < 0 {
			j++
		}
		if j < len(t.first) && t.first[j].cmp(x) <= 0 {
			continue
		}
		out = append(out, x)
	}
	return out
}
