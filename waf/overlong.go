package waf

import (
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// overlongOp is the operator @detectOverlongUTF8: it matches a value holding an overlong
// UTF-8 sequence, a character encoded in more bytes than UTF-8 allows for it (RFC 3629
// forbids them). It captures the sequence as TX.0.
type overlongOp struct{}

func newOverlongOp(plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	return overlongOp{}, nil
}

func (overlongOp) Evaluate(tx plugintypes.TransactionState, value string) bool {
	i, n := findOverlong(value)
	if i < 0 {
		return false
	}
	if tx.Capturing() {
		tx.CaptureField(0, value[i:i+n])
	}
	return true
}

// MayMatch lets our Coraza's value filter skip a value without transforming it: every
// overlong sequence starts with a byte of 0xC0 or more, which no transformation the
// rules apply makes out of ASCII without a '%', '&' or '\' (their trigger bytes).
func (overlongOp) MayMatch(value string) bool {
	for i := 0; i < len(value); i++ {
		if value[i] >= 0xC0 {
			return true
		}
	}
	return false
}

// findOverlong returns the offset and length of the first overlong UTF-8 sequence in s,
// or -1.
func findOverlong(s string) (int, int) {
	for i := 0; i < len(s); i++ {
		if n := overlongLen(s, i); n > 0 {
			return i, n
		}
	}
	return -1, 0
}

// overlongLen returns the length of the overlong UTF-8 sequence that starts at s[i], or
// 0: a two-byte sequence led by C0 or C1 (a code point below U+0080), a three-byte one
// led by E0 with a second byte below A0 (below U+0800), a four-byte one led by F0 with a
// second byte below 90 (below U+10000); continuation bytes are 80-BF.
func overlongLen(s string, i int) int {
	cont := func(j int) bool { return j < len(s) && s[j]&0xC0 == 0x80 }
	switch c := s[i]; {
	case c == 0xC0 || c == 0xC1:
		if cont(i + 1) {
			return 2
		}
	case c == 0xE0:
		if cont(i+1) && s[i+1] < 0xA0 && cont(i+2) {
			return 3
		}
	case c == 0xF0:
		if cont(i+1) && s[i+1] < 0x90 && cont(i+2) && cont(i+3) {
			return 4
		}
	}
	return 0
}

// overlongRune is the code point a (lenient) decoder reads from an overlong sequence
// of two, three or four bytes: its payload bits, which fit in fewer bytes.
func overlongRune(seq string) rune {
	switch len(seq) {
	case 2:
		return rune(seq[0]&0x1F)<<6 | rune(seq[1]&0x3F)
	case 3:
		return rune(seq[0]&0x0F)<<12 | rune(seq[1]&0x3F)<<6 | rune(seq[2]&0x3F)
	case 4:
		return rune(seq[0]&0x07)<<18 | rune(seq[1]&0x3F)<<12 | rune(seq[2]&0x3F)<<6 | rune(seq[3]&0x3F)
	}
	return 0
}
