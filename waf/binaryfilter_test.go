package waf

import (
	"math/rand/v2"
	"strings"
	"testing"

	"rsc.io/binaryregexp"
)

func TestByteFilter(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		yes, no []string
	}{
		{`\x{bc}[^>\x{be}]*[>\x{be}]|<[^\x{be}]*\x{be}`, // 941310
			[]string{"\xbcscript\xbe", "a<b", "x\xbcy"}, []string{"", "plain words", "a>b", "caf\xc3\xa9", "\xbe"}},
		{`\xac\xed\x00\x05`, []string{"\xac"}, []string{"java", "\xed\x00\x05"}},
		{`(?i)ab|cd`, []string{"A", "xa", "C", "c"}, []string{"xyz", "bd"}}, // a or c, either case
		{`x(?:ab)+y`, []string{"x", "X"}, []string{"abab", "y"}},            // the first of the smallest
	} {
		f := newByteFilter(tc.pattern)
		if f == nil {
			t.Errorf("%q: no filter", tc.pattern)
			continue
		}
		for _, v := range tc.yes {
			if !f.MayMatch(v) {
				t.Errorf("%q: MayMatch(%q) = false", tc.pattern, v)
			}
		}
		for _, v := range tc.no {
			if f.MayMatch(v) {
				t.Errorf("%q: MayMatch(%q) = true", tc.pattern, v)
			}
		}
	}
	for _, p := range []string{`a*`, `[a-z]{3}`, `.+`, `^$`, `(?i)\x{e9}t\x{e9}`} {
		if newByteFilter(p) != nil {
			t.Errorf("%q: a filter, want none (no small set of bytes is in every match)", p)
		}
	}
}

// TestByteFilterSound: for every binaryregexp pattern of the CRS and a few more, a value
// the filter turns away has no substring that, with ASCII letters in either case, the
// pattern matches; on random values over an alphabet of the patterns' own bytes.
func TestByteFilterSound(t *testing.T) {
	patterns := []string{`(?i)ab|cd`, `x(?:ab)+y`, `[\x80-\x{85}]q`}
	for _, p := range crsRxPatterns(t) {
		if matchesArbitraryBytes("(?sm)" + p) {
			patterns = append(patterns, p)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const alpha = "<>\xbc\xbe$:aAbBcCdDqQxXyY/ (){}\xac\xed\x00\x05\x80\x83\xff"
	filtered, rejected, matched := 0, 0, 0
	for _, p := range patterns {
		f := newByteFilter(p)
		if f == nil {
			continue
		}
		filtered++
		re := binaryregexp.MustCompile(p)
		for range 20000 {
			b := make([]byte, rng.IntN(14))
			for i := range b {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
			v := string(b)
			if f.MayMatch(v) {
				if re.MatchString(v) {
					matched++
				}
				continue
			}
			rejected++
			i := rng.IntN(len(v) + 1)
			j := i + rng.IntN(len(v)-i+1)
			w := []byte(v[i:j])
			for k := range w {
				if rng.IntN(2) == 0 {
					w[k] = []byte(strings.ToUpper(string(w[k : k+1])))[0]
				} else {
					w[k] = []byte(strings.ToLower(string(w[k : k+1])))[0]
				}
			}
			if re.MatchString(v) || re.Match(w) {
				t.Fatalf("%.80q: the filter turns away %q, but the pattern matches it or %q", p, v, w)
			}
		}
	}
	if filtered < 6 || rejected < 10000 || matched < 1000 {
		t.Errorf("%d patterns filtered, %d values turned away, %d matches let through: too few to tell", filtered, rejected, matched)
	}
}
