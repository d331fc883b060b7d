// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package operators

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/internal/corazawaf"
)

func TestPhraseStarts(t *testing.T) {
	s := newPhraseStarts([]string{"<script", "eval(", "x"})
	for in, want := range map[string]bool{
		"":                  false,
		"ordinary words":    false,
		"plain text":        true, // the x of "text"
		"<SCRIPT>":          true,
		"EvAl":              true,
		"nothing to see":    false,
		"e v a l":           false,
		"\xff\xfe<\xffs":    false,
		"\xc3\xa9v\xc3\xa9": false,
	} {
		if got := s.mayMatch(in); got != want {
			t.Errorf("mayMatch(%q) = %v, want %v", in, got, want)
		}
	}
	if newPhraseStarts([]string{"a", ""}) != nil {
		t.Error("an empty phrase matches everywhere: no filter")
	}
}

// TestPhraseStartsSound: whenever the automaton finds a phrase, the filter lets the
// value through, on generated phrases and values over a small alphabet (so that
// matches are frequent) with both cases and bytes outside ASCII.
func TestPhraseStartsSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alpha := []string{"a", "B", "c", "<", "(", " ", "\xc3\xa9", "\xff", "Z"}
	word := func(max int) string {
		var b strings.Builder
		for n := 1 + rng.IntN(max); n > 0; n-- {
			b.WriteString(alpha[rng.IntN(len(alpha))])
		}
		return b.String()
	}
	matched := 0
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
			if pmEvaluate(p.matcher, tx, v) {
				matched++
				if !p.MayMatch(v) || !p.Evaluate(tx, v) {
					t.Fatalf("phrases %q match %q, but the filter says they cannot", phrases, v)
				}
			}
		}
	}
	if matched < 1000 {
		t.Errorf("only %d matches generated", matched)
	}
}
