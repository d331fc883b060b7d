// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package operators

import (
	"math/bits"

	"github.com/corazawaf/coraza/v3/internal/transformations"
)

// phraseStarts tells whether a @pm family phrase occurs in a value without the
// Aho-Corasick automaton. Every occurrence of a phrase begins with the phrase's first
// two bytes (ASCII case aside, as the matcher compares), so a table of those pairs
// finds the few places where a phrase may start, and the phrases that start with the
// pair found are compared there. The automaton cost some 6 ns a byte and four
// allocations a call (a seventh of a benign form POST's CPU); the table costs a
// lookup a byte, and a comparison where a pair is found: a User-Agent holds several
// pairs that begin one of the 900 phrases of scanners-user-agents.data, and none of
// the phrases.
type phraseStarts struct {
	pairs [1 << 16 / 64]uint64 // bit b0<<8|b1, lower-cased, for phrases of two bytes or more
	// rank[w] counts the bits set in pairs[:w], so that a pair's bit finds its
	// phrases in byPair without a map.
	rank   [1 << 16 / 64]uint16
	byPair [][]string       // the phrases of each pair, in the order of the pairs' bits
	single [256 / 64]uint64 // bit b for phrases of one byte
	any1   bool             // some phrase is one byte long
}

// newPhraseStarts returns nil when some phrase is empty: it matches everywhere.
func newPhraseStarts(phrases []string) *phraseStarts {
	s := &phraseStarts{}
	lists := map[uint][]string{}
	for _, p := range phrases {
		switch len(p) {
		case 0:
			return nil
		case 1:
			for _, c := range []byte{lowerASCII(p[0]), upperASCII(p[0])} {
				s.single[c>>6] |= 1 << (c & 63)
			}
			s.any1 = true
		default:
			k := uint(lowerASCII(p[0]))<<8 | uint(lowerASCII(p[1]))
			s.pairs[k>>6] |= 1 << (k & 63)
			lists[k] = append(lists[k], p)
		}
	}
	n := 0
	for w, bitsSet := range s.pairs {
		s.rank[w] = uint16(n)
		for m := bitsSet; m != 0; m &= m - 1 {
			s.byPair = append(s.byPair, lists[uint(w)<<6|uint(bits.TrailingZeros64(m))])
		}
		n += bits.OnesCount64(bitsSet)
	}
	return s
}

// occurs reports whether a phrase occurs in value, ASCII letters compared in either
// case: exactly when the automaton finds a match. So it is also the operator's
// MayMatch: a value that holds no phrase has no substring that does.
func (s *phraseStarts) occurs(value string) bool {
	if s.any1 {
		for i := 0; i < len(value); i++ {
			if c := value[i]; s.single[c>>6]&(1<<(c&63)) != 0 {
				return true
			}
		}
	}
	for i := 0; i+1 < len(value); i++ {
		k := uint(lowerASCII(value[i]))<<8 | uint(lowerASCII(value[i+1]))
		if s.pairs[k>>6]&(1<<(k&63)) != 0 && s.phraseAt(value, i, k) {
			return true
		}
	}
	return false
}

// phraseAt reports whether a phrase starts at value[i], whose pair k is in the table.
func (s *phraseStarts) phraseAt(value string, i int, k uint) bool {
	w := s.pairs[k>>6]
	for _, p := range s.byPair[int(s.rank[k>>6])+bits.OnesCount64(w&(1<<(k&63)-1))] {
		if len(value)-i >= len(p) && equalFoldASCII(value[i:i+len(p)], p) {
			return true
		}
	}
	return false
}

// stoppingPhrases is a pm's MayMatch with stop bytes (pm.WithStopBytes): one scan
// looks for both.
type stoppingPhrases struct {
	starts *phraseStarts
	stop   transformations.ByteSet // the stop bytes and the phrases of one byte
}

func newStoppingPhrases(s *phraseStarts, stop transformations.ByteSet) *stoppingPhrases {
	stop.Union(transformations.ByteSet(s.single))
	return &stoppingPhrases{starts: s, stop: stop}
}

// MayMatch reports whether value holds a byte of stop or a phrase.
func (f *stoppingPhrases) MayMatch(value string) bool {
	s := f.starts
	for i := 0; i < len(value); i++ {
		c := value[i]
		if f.stop.Has(c) {
			return true
		}
		if i+1 < len(value) {
			k := uint(lowerASCII(c))<<8 | uint(lowerASCII(value[i+1]))
			if s.pairs[k>>6]&(1<<(k&63)) != 0 && s.phraseAt(value, i, k) {
				return true
			}
		}
	}
	return false
}

// stopBytes is a set of bytes as the MayMatch of an operator with stop bytes and
// nothing else (@detectXSS).
type stopBytes struct{ transformations.ByteSet }

// MayMatch reports whether value holds a byte of the set.
func (s *stopBytes) MayMatch(value string) bool { return s.Any(value) }

// equalFoldASCII reports whether a and b, of the same length, are equal with ASCII
// letters in either case, as the automaton built AsciiCaseInsensitive compares.
func equalFoldASCII(a, b string) bool {
	for k := 0; k < len(b); k++ {
		if lowerASCII(a[k]) != lowerASCII(b[k]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}
