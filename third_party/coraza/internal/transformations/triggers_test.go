// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package transformations

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// tokens are the pieces generated values are made of: ASCII that the transformations
// treat specially, letters whose case matters, and runes outside ASCII that fold,
// lower-case or count as space (U+0130, the Kelvin sign, NBSP, NEL), whole and cut.
var tokens = []string{
	"a", "A", "z", "Z", "k", "K", "s", "S", "0", "9", "x", "X",
	" ", "  ", "\t", "\n", "\r", "\v", "\f", ".", "..", "/", "//", `\`, "-", "--", "_",
	"#", "*", "/*", "*/", "<", "<!--", "-->", ">", "!", "&", "&amp;", "&#x41;", ";", "%",
	"%41", "%u0041", "+", ",", "'", `"`, "^", "(", ")", "=", ":", "C:", "::$DATA", "{", "}",
	"[", "]", "$", "@", "\x00", `\x41`, `\u0041`, `\101`, `\41 `, `\n`,
	"\u0130", "\u212a", "\u017f", "\u00a0", "\u0085", "\u00e9", "\u4f60", "\xc2", "\xa0", "\x80", "\xff",
}

// TestTriggersKeepLiterals checks the promise of every entry of the triggers table on
// generated values without a trigger byte: the transformation's output, ASCII case
// folded, is a substring of its input folded the same way.
func TestTriggersKeepLiterals(t *testing.T) {
	if len(triggers) == 0 {
		t.Fatal("no triggers registered")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for name, trig := range triggers {
		fn, ok := transformations[name]
		if !ok {
			t.Errorf("%s: triggers for a transformation that is not registered", name)
			continue
		}
		var alpha []string
		for _, tok := range tokens {
			if !trig.Any(tok) {
				alpha = append(alpha, tok)
			}
		}
		checked := 0
		for range 30000 {
			var b strings.Builder
			for n := rng.IntN(10); n > 0; n-- {
				b.WriteString(alpha[rng.IntN(len(alpha))])
			}
			in := b.String()
			out, _, err := fn(in)
			if err != nil {
				continue
			}
			checked++
			if !strings.Contains(foldASCII(in), foldASCII(out)) {
				t.Errorf("%s(%q) = %q: not a substring of the input, case aside", name, in, out)
				break
			}
		}
		if checked < 1000 {
			t.Errorf("%s: only %d values checked", name, checked)
		}
	}
}

// TestTriggersSeeWhatChanges makes sure the property test above is not vacuous: with
// its trigger, each transformation that has triggers does change some value.
func TestTriggersSeeWhatChanges(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"lowercase", "\u0130"}, {"urlDecodeUni", "%41"}, {"urlDecode", "a+b"},
		{"htmlEntityDecode", "&#x41;"}, {"jsDecode", `\x41`}, {"cssDecode", `\41 `},
		{"escapeSeqDecode", `\x41`}, {"removeNulls", "a\x00b"}, {"removeWhitespace", "a b"},
		{"compressWhitespace", "a\tb"}, {"cmdLine", `a"b`}, {"normalizePath", "a/./b"},
		{"normalizePathWin", `a\b`}, {"replaceComments", "a/*x*/b"}, {"removeComments", "a/*x*/b"},
		{"removeCommentsChar", "a--b"}, {"utf8toUnicode", "\u00e9"},
	} {
		trig, ok := Triggers(tc.name)
		if !ok {
			t.Errorf("%s: no triggers", tc.name)
			continue
		}
		fn, _ := GetTransformation(tc.name)
		out, _, _ := fn(tc.in)
		if strings.Contains(foldASCII(tc.in), foldASCII(out)) {
			t.Errorf("%s(%q) = %q: expected a real change", tc.name, tc.in, out)
		}
		if !trig.Any(tc.in) {
			t.Errorf("%s: %q changes but holds no trigger", tc.name, tc.in)
		}
	}
}

func TestTriggersUnknownForOthers(t *testing.T) {
	for _, name := range []string{"base64Decode", "hexDecode", "length", "md5", "sha1", "urlEncode", "nosuch"} {
		if _, ok := Triggers(name); ok {
			t.Errorf("%s: has triggers; its output is not its input", name)
		}
	}
	if _, ok := Triggers("URLDECODEUNI"); !ok {
		t.Error("names are case-insensitive, as for GetTransformation")
	}
}

func TestRegisterForgetsTriggers(t *testing.T) {
	orig := transformations["lowercase"]
	origTrig := triggers["lowercase"]
	t.Cleanup(func() {
		transformations["lowercase"] = orig
		triggers["lowercase"] = origTrig
	})
	Register("lowerCase", func(s string) (string, bool, error) { return s + "x", true, nil })
	if _, ok := Triggers("lowercase"); ok {
		t.Error("a plugin's transformation kept the built-in's triggers")
	}
}
