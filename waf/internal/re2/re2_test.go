package re2

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
)

func compile(t *testing.T, pattern string) *Regexp {
	t.Helper()
	if !Available {
		t.Skip("built without cgo: no RE2")
	}
	r, err := Compile(pattern, 1<<20)
	if err != nil {
		t.Fatalf("Compile(%q): %v", pattern, err)
	}
	return r
}

// TestSubmatchIndex checks the offsets against Go's regexp, which RE2's semantics
// match: the leftmost-first match, -1 for a group that took no part, an empty group
// at its position.
func TestSubmatchIndex(t *testing.T) {
	tests := []struct{ pattern, in string }{
		{`(foo)|(bar)baz`, "xxbarbazbla"},
		{`a(b*)c`, "ac"},
		{`a(b*)c`, "abbc"},
		{`(a)(b)?`, "a"},
		{`(?i)(select)\s+(\w+)`, "x SeLeCt  name from"},
		{`(?sm)^(\w+)$`, "one\ntwo"},
		{`()`, ""},
		{`(x)`, ""},
		{`(é+)`, "caféé!"},
	}
	for _, tc := range tests {
		r := compile(t, tc.pattern)
		goRe := regexp.MustCompile(tc.pattern)
		want := goRe.FindStringSubmatchIndex(tc.in)
		idx := make([]int32, 2*(1+r.NumSubexp()))
		if got := r.SubmatchIndex(tc.in, idx); got != (want != nil) {
			t.Errorf("%q on %q: matched %v, want %v", tc.pattern, tc.in, got, want != nil)
			continue
		}
		if want == nil {
			continue
		}
		for i := range want {
			if int(idx[i]) != want[i] {
				t.Errorf("%q on %q: offsets %v, want %v", tc.pattern, tc.in, idx, want)
				break
			}
		}
		if r.MatchString(tc.in) != goRe.MatchString(tc.in) {
			t.Errorf("%q on %q: MatchString disagrees with Go", tc.pattern, tc.in)
		}
	}
}

func TestSubmatchIndexFewer(t *testing.T) {
	r := compile(t, `(a)(b)(c)`)
	idx := []int32{9, 9, 9, 9} // the match and the first group only
	if !r.SubmatchIndex("xabc", idx) || idx[0] != 1 || idx[1] != 4 || idx[2] != 1 || idx[3] != 2 {
		t.Errorf("offsets %v, want [1 4 1 2]", idx)
	}
	if !r.SubmatchIndex("xabc", nil) {
		t.Error("SubmatchIndex with no room reports no match")
	}
}

func TestCompileError(t *testing.T) {
	if !Available {
		if _, err := Compile("a", 1<<20); err == nil {
			t.Fatal("Compile succeeded in a build without RE2")
		}
		return
	}
	for _, p := range []string{`(`, `a{2,1}`, `(?<!a)b`, `(a)\1`} {
		if _, err := Compile(p, 1<<20); err == nil || !strings.HasPrefix(err.Error(), "re2: ") {
			t.Errorf("Compile(%q) = %v; want an re2: error", p, err)
		}
	}
	// A budget too small for the program is a compile error, not a crash.
	if _, err := Compile(`(?i)`+strings.Repeat(`(?:abcdefgh|ijklmnop)`, 200), 1<<10); err == nil {
		t.Error("Compile of a large pattern in 1 KiB succeeded")
	}
}

// TestCleanup compiles and drops many patterns; with the cleanup missing, the C++
// objects would leak (visible under valgrind or a heap profile, not here), and with a
// cleanup that frees too early, the matches racing it would crash.
func TestCleanup(t *testing.T) {
	for i := range 2000 {
		r := compile(t, `(?i)\b(?:select|union)\b\s+`+strings.Repeat("x", i%7))
		if !r.MatchString("a UNION x") && i%7 == 0 {
			t.Fatal("no match")
		}
		if i%500 == 0 {
			runtime.GC()
		}
	}
}

func BenchmarkMatchString(b *testing.B) {
	if !Available {
		b.Skip("no RE2")
	}
	r, _ := Compile(`(?i)(?:\b(?:s(?:e(?:lect|t)|leep|ubstring)|u(?:nion|pdate)|d(?:elete|rop)|insert|exec)\b)`, 1<<20)
	in := "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	b.ReportAllocs()
	for b.Loop() {
		r.MatchString(in)
	}
}
