// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package operators

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/internal/corazawaf"
	"github.com/corazawaf/coraza/v3/internal/transformations"
)

func TestPhraseStarts(t *testing.T) {
	s := newPhraseStarts([]string{"<script", "eval(", "x"})
	for in, want := range map[string]bool{
		"":                  false,
		"ordinary words":    false,
		"plain text":        true, // the x of "text"
		"<SCRIPT>":          true,
		"EvAl(":             true,
		"EvAl":              false, // the pair, not the phrase
		"<scrip":            false,
		"nothing to see":    false,
		"e v a l":           false,
		"\xff\xfe<\xffs":    false,
		"\xc3\xa9v\xc3\xa9": false,
	} {
		if got := s.occurs(in); got != want {
			t.Errorf("occurs(%q) = %v, want %v", in, got, want)
		}
	}
	if newPhraseStarts([]string{"a", ""}) != nil {
		t.Error("an empty phrase matches everywhere: no filter")
	}
}

// TestPhraseStartsExact: occurs answers what the automaton does, on generated phrases
// and values over a small alphabet (so that matches are frequent) with both cases and
// bytes outside ASCII (an upper-case É, which the phrases have lower-cased).
func TestPhraseStartsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alpha := []string{"a", "B", "c", "<", "(", " ", "\xc3\xa9", "\xc3\x89", "\xff", "Z"}
	word := func(max int) string {
		var b strings.Builder
		for n := 1 + rng.IntN(max); n > 0; n-- {
			b.WriteString(alpha[rng.IntN(len(alpha))])
		}
		return b.String()
	}
	matched, missed := 0, 0
	for range 2000 {
		var phrases []string
		for n := 1 + rng.IntN(4); n > 0; n-- {
			phrases = append(phrases, word(4))
		}
		op, err := newPM(plugintypes.OperatorOptions{Arguments: strings.Join(phrases, " ")})
		if err != nil {
			t.Fatal(err)
		}
		p := op.(*pm)
		tx := corazawaf.NewWAF().NewTransaction()
		for range 20 {
			v := word(12)
			want := pmEvaluate(p.matcher, tx, v)
			if want {
				matched++
			} else {
				missed++
			}
			if p.starts == nil { // an empty phrase: MayMatch must only be sound
				if want && !p.MayMatch(v) {
					t.Fatalf("phrases %q match %q, but MayMatch says they cannot", phrases, v)
				}
				continue
			}
			if p.MayMatch(v) != want || p.Evaluate(tx, v) != want {
				t.Fatalf("phrases %q in %q: automaton %v, MayMatch %v, Evaluate %v", phrases, v, want, p.MayMatch(v), p.Evaluate(tx, v))
			}
		}
	}
	if matched < 1000 || missed < 1000 {
		t.Errorf("%d matches and %d misses generated, want 1000 of each", matched, missed)
	}
}

// TestStopBytesJoinTheScan: the MayMatch that WithStopBytes returns (for @pm and
// @detectXSS) reports a value holding a stop byte, and otherwise answers as the
// operator's own MayMatch, on generated stop sets and values.
func TestStopBytesJoinTheScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alpha := "abcAB<=( %&\\\x00\xc3\xa9"
	word := func(max int) string {
		b := make([]byte, rng.IntN(max+1))
		for i := range b {
			b[i] = alpha[rng.IntN(len(alpha))]
		}
		return string(b)
	}
	type stopper interface {
		plugintypes.Operator
		MayMatch(string) bool
		WithStopBytes([4]uint64) interface{ MayMatch(string) bool }
	}
	stops, passes := 0, 0
	for range 500 {
		var stop transformations.ByteSet
		for n := rng.IntN(3); n > 0; n-- {
			stop.AddByte(alpha[rng.IntN(len(alpha))])
		}
		pmOp, err := newPM(plugintypes.OperatorOptions{Arguments: word(3) + " " + word(3)})
		if err != nil {
			t.Fatal(err)
		}
		xss, _ := newDetectXSS(plugintypes.OperatorOptions{})
		for _, op := range []stopper{pmOp.(*pm), xss.(*detectXSS)} {
			f := op.WithStopBytes(stop)
			for range 20 {
				v := word(10)
				want := stop.Any(v) || op.MayMatch(v)
				if stop.Any(v) {
					stops++
				} else if want {
					passes++
				}
				if got := f.MayMatch(v); got != want {
					t.Fatalf("%T with stop bytes %v: MayMatch(%q) = %v, want %v", op, stop, v, got, want)
				}
			}
		}
	}
	if stops < 1000 || passes < 1000 {
		t.Errorf("%d values with a stop byte and %d passed by the operator alone, want 1000 of each", stops, passes)
	}
}
