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
// or -1: a two-byte sequence led by C0 or C1 (a code point below U+0080), a three-byte
// one led by E0 with a second byte below A0 (below U+0800), a four-byte one led by F0
// with a second byte below 90 (below U+10000); continuation bytes are 80-BF.
func findOverlong(s string) (int, int) {
	cont := func(i int) bool { return i < len(s) && s[i]&0xC0 == 0x80 }
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0xC0 || c == 0xC1:
			if cont(i + 1) {
				return i, 2
			}
		case c == 0xE0:
			if cont(i+1) && s[i+1] < 0xA0 && cont(i+2) {
				return i, 3
			}
		case c == 0xF0:
			if cont(i+1) && s[i+1] < 0x90 && cont(i+2) && cont(i+3) {
				return i, 4
			}
		}
	}
	return -1, 0
}
