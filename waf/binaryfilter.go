package waf

import (
	"slices"

	"rsc.io/binaryregexp/syntax"
)

// byteFilter is the value filter of a @rx that binaryregexp runs (binaryRx): the bytes
// of which every match holds one. The prefilter (prefilter.go) reads patterns as UTF-8
// and cannot serve these, whose \xbc means the byte 0xbc; without a filter, 941310 (an
// XSS written in US-ASCII with the high bit set: \xbc for <, \xbe for >) transformed
// and matched every cookie and argument of every request, ~2% of a benign GET's CPU.
// Its filter is {0xbc, <}.
type byteFilter [4]uint64

// maxFilterBytes bounds the bytes a filter may hold: a match of [a-z]{3} holds a
// letter, which says nothing of use.
const maxFilterBytes = 16

// newByteFilter returns the filter for a binaryregexp pattern, or nil when no small set
// of bytes is in every match.
func newByteFilter(pattern string) *byteFilter {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	set, ok := requiredBytes(re.Simplify())
	if !ok {
		return nil
	}
	var f byteFilter
	for _, b := range set {
		f.add(b)
		// A value filter answers for every value that is a substring of this one
		// with ASCII letters in either case (third_party/coraza, valuefilter.go).
		if 'a' <= b && b <= 'z' {
			f.add(b - 'a' + 'A')
		} else if 'A' <= b && b <= 'Z' {
			f.add(b - 'A' + 'a')
		}
	}
	return &f
}

func (f *byteFilter) add(b byte) { f[b>>6] |= 1 << (b & 63) }

// MayMatch reports false only if value holds no byte of the filter.
func (f *byteFilter) MayMatch(value string) bool {
	for i := 0; i < len(value); i++ {
		if b := value[i]; f[b>>6]&(1<<(b&63)) != 0 {
			return true
		}
	}
	return false
}

// WithStopBytes returns the filter with the bytes of stop added, for the value filter.
func (f *byteFilter) WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool } {
	g := *f
	for i := range g {
		g[i] |= stop[i]
	}
	return &g
}

// requiredBytes returns a set of bytes of which every match of re holds one, at most
// maxFilterBytes of them, or false. In binaryregexp a rune of the pattern is a byte.
func requiredBytes(re *syntax.Regexp) ([]byte, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil, false
		}
		return literalBytes(re.Rune[0], re.Flags&syntax.FoldCase != 0)
	case syntax.OpCharClass:
		var set []byte
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi > 0xff {
				hi = 0xff
			}
			if lo > hi || int(hi-lo)+1+len(set) > maxFilterBytes {
				if lo > 0xff {
					continue // runes past 0xff match no byte
				}
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				set = append(set, byte(r))
			}
		}
		return set, len(set) > 0
	case syntax.OpCapture, syntax.OpPlus:
		return requiredBytes(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return requiredBytes(re.Sub[0])
	case syntax.OpConcat:
		var best []byte
		found := false
		for _, sub := range re.Sub {
			if set, ok := requiredBytes(sub); ok && (!found || len(set) < len(best)) {
				best, found = set, true
			}
		}
		return best, found
	case syntax.OpAlternate:
		var union []byte
		for _, sub := range re.Sub {
			set, ok := requiredBytes(sub)
			if !ok {
				return nil, false
			}
			for _, b := range set {
				if !slices.Contains(union, b) {
					union = append(union, b)
				}
			}
			if len(union) > maxFilterBytes {
				return nil, false
			}
		}
		return union, len(union) > 0
	}
	return nil, false
}

// literalBytes is the set a literal rune requires: its byte, both cases of an ASCII
// letter when the pattern ignores case, and every byte past 0x7f for a byte past 0x7f
// that ignores case (binaryregexp folds them as Latin-1 letters).
func literalBytes(r rune, fold bool) ([]byte, bool) {
	if r > 0xff {
		return nil, false // cannot be in a match: leave the pattern to binaryregexp
	}
	b := byte(r)
	switch {
	case !fold:
		return []byte{b}, true
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		return []byte{b | 0x20, b &^ 0x20}, true
	case b >= 0x80:
		return nil, false
	}
	return []byte{b}, true
}
