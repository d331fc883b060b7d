package blocklist

import "github.com/bits-and-blooms/bloom/v3"

// filter is the Bloom filter in front of the single addresses: a
// bits-and-blooms filter sized by bloom.EstimateParameters, probed with
// locations we hash ourselves.
//
// BloomFilter.Test hashes its []byte key with two rounds of 128-bit murmur3:
// 70-85 ns per probe of a 4-byte key, against 43-47 ns for the same filter
// probed as below (BenchmarkFilterHashing). Our keys are fixed-size
// integers, so two 64-bit finalizer mixes give the two independent hashes
// that double hashing needs (location i = h1 + i*h2, Kirsch and Mitzenmacher,
// "Less hashing, same performance"), and the library probes them with
// TestLocations: the same filter and the same rate, for a few nanoseconds of
// hashing. TestFilterRate checks that the rate achieved is the rate asked
// for.
type filter struct {
	bf *bloom.BloomFilter
	m  uint64 // bits
	k  uint   // locations per key, at most maxHashes
}

// maxHashes bounds k: EstimateParameters gives k = ceil(log2(1/rate)), 20 at
// minFalsePositiveRate.
const maxHashes = 24

func newFilter(n int, rate float64) filter {
	m, k := bloom.EstimateParameters(uint(n), rate)
	k = min(max(k, 1), maxHashes)
	return filter{bf: bloom.New(m, k), m: uint64(max(m, 1)), k: k}
}

func (f *filter) add(h1, h2 uint64) {
	bs := f.bf.BitSet()
	for i := range f.k {
		// The same reduction TestLocations applies to each location.
		bs.Set(uint((h1 + uint64(i)*h2) % f.m))
	}
}

// test reports whether the key hashed to h1, h2 may be in the filter; false
// is certain. It does not allocate: locs stays on the stack.
func (f *filter) test(h1, h2 uint64) bool {
	var locs [maxHashes]uint64
	for i := range f.k {
		locs[i] = h1 + uint64(i)*h2
	}
	return f.bf.TestLocations(locs[:f.k])
}

// mix64 is the murmur3 64-bit finalizer: a bijection in which every input bit
// affects every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// hash4 and hash6 return the two hashes of an address. The seeds keep the
// families and the two hashes apart; h2 is odd so that the k locations are
// distinct whenever m is.
func hash4(x uint32) (h1, h2 uint64) {
	return mix64(uint64(x) ^ 0x243f6a8885a308d3), mix64(uint64(x)^0x13198a2e03707344) | 1
}

func hash6(x u128) (h1, h2 uint64) {
	h1 = mix64(x.hi ^ mix64(x.lo^0xa4093822299f31d0))
	h2 = mix64(x.lo^mix64(x.hi^0x082efa98ec4e6c89)) | 1
	return h1, h2
}
