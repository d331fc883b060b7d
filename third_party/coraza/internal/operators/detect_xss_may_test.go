// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package operators

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corazawaf/libinjection-go"
)

// TestDetectXSSNeedsLtOrEq holds detectXSS.MayMatch to libinjection: over generated
// values made of the pieces XSS is made of (event handlers, URL schemes, quotes,
// comment and CDATA openers, spaces, bytes outside ASCII) but no '<' or '=', IsXSS is
// always false; with them it is sometimes true, so the generator can find XSS.
func TestDetectXSSNeedsLtOrEq(t *testing.T) {
	pieces := []string{"a", "x", " ", "\t", "\n", "\f", "\r", "\x00", "'", "\"", "`", "/", ">", "!", "-",
		"--", "[if", "xml", "import", "?", "(", ")", ";", ":", ",", "&", "#", "%", "onerror", "onload",
		"ONERROR", "style", "href", "src", "xmlns", "xlink:href", "javascript:", "vbscript:", "data:",
		"alert(1)", "script", "svg", "img", "iframe", "formaction", "attributename", "values", "\\",
		"\u00a0", "é", "\xff", "doctype", "DOCTYPE", "![CDATA["}
	op := &detectXSS{}
	rng := rand.New(rand.NewPCG(7, 9))
	gen := func(extra []string) string {
		var b strings.Builder
		for n := 1 + rng.IntN(12); n > 0; n-- {
			if len(extra) > 0 && rng.IntN(4) == 0 {
				b.WriteString(extra[rng.IntN(len(extra))])
			} else {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
		}
		return b.String()
	}
	for range 300000 {
		if v := gen(nil); libinjection.IsXSS(v) || op.MayMatch(v) {
			t.Fatalf("%q: IsXSS %v, MayMatch %v; want both false", v, libinjection.IsXSS(v), op.MayMatch(v))
		}
	}
	found := 0
	for range 20000 {
		v := gen([]string{"<", "=", "<!--", "<svg"})
		if libinjection.IsXSS(v) {
			found++
			if !op.MayMatch(v) {
				t.Fatalf("%q is XSS but MayMatch says it cannot be", v)
			}
		}
	}
	if found < 100 {
		t.Errorf("only %d XSS values generated with '<' and '='", found)
	}
}
