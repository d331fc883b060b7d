package waf

import (
	"strings"
	"testing"
)

func TestCmdWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"dir", "dir"},
		{"IF  NOT a==b  Calc", "if not a==b calc"},
		{`if "A A"=="A A" echo same`, "if a_a==a_a echo same"},
		{`"a,b;c=d	e"`, "a_b_c_d_e"},
		{"c^a^l^c", "calc"},
		{`c:\windows\system32\calc.exe`, "c:windowssystem32calc.exe"},
		{"for /f %i in ('whoami') do echo", "for/f %i in(whoami) do echo"},
		{"a ,; b", "a b"},
		{"if x == 0:\n    return 1", "if x == 0:\nreturn 1"},
		{"a \r\n\r\n b", "a\nb"},
		{"\"open quote\nx y\"", "open_quote\nx y"},
		{"\nx", "\nx"},
		{"x (y) / z", "x(y)/ z"},
	}
	for _, tc := range tests {
		got, changed, err := cmdWords(tc.in)
		if err != nil || got != tc.want || changed != (got != tc.in) {
			t.Errorf("cmdWords(%q) = %q, %v, %v; want %q", tc.in, got, changed, err, tc.want)
		}
	}
}

// FuzzCmdWords: what t:cmdWords leaves is what cmd would run, with nothing cmdLine would
// have deleted, no upper case, no two blanks in a row and no blank at a line's edge next
// to a line break, and never longer than the value.
func FuzzCmdWords(f *testing.F) {
	for _, s := range []string{"IF \"A A\"==\"A A\" echo", "a\r\n b", "c^a\\l'c", "x ( y", "\"\n\"", ", ;\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, changed, err := cmdWords(s)
		if err != nil {
			t.Fatal(err)
		}
		if changed != (got != s) {
			t.Errorf("changed = %v for %q -> %q", changed, s, got)
		}
		if len(got) > len(s) {
			t.Errorf("%q grew to %q", s, got)
		}
		if strings.ContainsAny(got, "\"'\\^,;\t\r") || strings.ContainsAny(got, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Errorf("%q -> %q keeps what cmd drops", s, got)
		}
		for _, pair := range []string{"  ", " \n", "\n ", "\n\n", " /", " ("} {
			if strings.Contains(got, pair) {
				t.Errorf("%q -> %q holds %q", s, got, pair)
			}
		}
	})
}
