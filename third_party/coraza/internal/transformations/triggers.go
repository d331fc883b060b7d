// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package transformations

import "strings"

// ByteSet is a set of bytes, one bit each.
type ByteSet [4]uint64

// Add puts the bytes of s into the set.
func (s *ByteSet) Add(chars string) {
	for i := 0; i < len(chars); i++ {
		s.AddByte(chars[i])
	}
}

// AddByte puts b into the set.
func (s *ByteSet) AddByte(b byte) { s[b>>6] |= 1 << (b & 63) }

// AddRange puts lo..hi (inclusive) into the set.
func (s *ByteSet) AddRange(lo, hi byte) {
	for b := int(lo); b <= int(hi); b++ {
		s.AddByte(byte(b))
	}
}

// Union adds every byte of o to s.
func (s *ByteSet) Union(o ByteSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Has reports whether b is in the set.
func (s *ByteSet) Has(b byte) bool { return s[b>>6]&(1<<(b&63)) != 0 }

// Any reports whether some byte of v is in the set.
func (s *ByteSet) Any(v string) bool {
	for i := 0; i < len(v); i++ {
		b := v[i]
		if s[b>>6]&(1<<(b&63)) != 0 {
			return true
		}
	}
	return false
}

// triggers holds, for a built-in transformation, the bytes whose presence in a
// value may make the transformation change it in a way that matters to a
// literal search. Without any of them the transformation returns a value that,
// with ASCII letters folded to one case, is a substring of the input folded the
// same way (most often the input itself), so a literal that is not in the input
// cannot be in the output either. A transformation that is not in the table, or
// that a plugin registered over a built-in name, has no entry: nothing can be
// said of it. TestTriggersKeepLiterals checks every entry on generated values.
var triggers = map[string]ByteSet{}

const nonASCII = "\x80-\xff"

func setTriggers(name string, chars string, nonASCIIToo bool) {
	var s ByteSet
	s.Add(chars)
	if nonASCIIToo {
		s.AddRange(0x80, 0xff)
	}
	triggers[strings.ToLower(name)] = s
}

// registerTriggers fills the table for the built-ins; it runs after they are
// registered, so that Register can forget a name a plugin takes over.
func registerTriggers() {
	// strings.ToLower maps some non-ASCII letters to ASCII ones (U+0130 to 'i',
	// U+212A to 'k'); ASCII letters only change case.
	setTriggers("lowercase", "", true)
	setTriggers("uppercase", "", true)
	setTriggers("urlDecode", "%+", false)
	setTriggers("urlDecodeUni", "%+", false)
	setTriggers("htmlEntityDecode", "&", false)
	setTriggers("jsDecode", `\`, false)
	setTriggers("cssDecode", `\`, false)
	setTriggers("escapeSeqDecode", `\`, false)
	setTriggers("removeNulls", "\x00", false)
	setTriggers("replaceNulls", "\x00", false)
	// unicode.IsSpace includes U+0085 and U+00A0, and strings.Map turns
	// invalid UTF-8 into U+FFFD.
	setTriggers("removeWhitespace", " \t\n\v\f\r", true)
	setTriggers("compressWhitespace", " \t\n\v\f\r", true)
	setTriggers("cmdLine", " \t\n\r\"'\\^,;", false)
	setTriggers("normalizePath", "/", false)
	setTriggers("normalisePath", "/", false)
	setTriggers("normalizePathWin", `/\`, false)
	setTriggers("normalisePathWin", `/\`, false)
	setTriggers("replaceComments", "/", false)
	setTriggers("removeComments", "/<-#", false)
	setTriggers("removeCommentsChar", "/*<-#", false)
	setTriggers("utf8toUnicode", "", true)
	// TrimSpace only cuts from the ends: what is left is a substring.
	setTriggers("trim", "", false)
	setTriggers("trimLeft", "", false)
	setTriggers("trimRight", "", false)
	setTriggers("none", "", false)
}

// Triggers returns the bytes that may make the built-in transformation name
// change a value beyond case and trimming (see triggers), and false when
// nothing is known of name.
func Triggers(name string) (ByteSet, bool) {
	s, ok := triggers[strings.ToLower(name)]
	return s, ok
}
