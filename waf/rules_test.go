package waf

import (
	"testing"

	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
)

// TestCRSLoadedWhole: New includes the CRS in pieces, to put sidewall's rules between its
// detection rules and its blocking evaluation; together the pieces must be the whole CRS,
// each file once (with the narrowed rules replaced and the rules also run on headers
// added, as narrow.go does, and the CRS's default rules replaced by one, as
// crsdefaults.go does).
func TestCRSLoadedWhole(t *testing.T) {
	count := func(directives string) int {
		t.Helper()
		w, err := coraza.NewWAF(coraza.NewWAFConfig().WithRootFS(newRulesFS()).WithDirectives(directives))
		if err != nil {
			t.Fatal(err)
		}
		defer w.(experimental.WAFCloser).Close()
		return w.(experimental.WAFWithRules).RulesCount()
	}
	registerPlugins()
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	narrowed, err := narrowedSecLang()
	if err != nil {
		t.Fatal(err)
	}
	onHeaders, err := onHeadersSecLang()
	if err != nil {
		t.Fatal(err)
	}
	defaults, removeDefaults, err := crsDefaultsSecLang()
	if err != nil {
		t.Fatal(err)
	}
	want := count(o.head() + defaults + "Include @owasp_crs/*.conf\n" + removeDefaults + narrowed + "Include @sidewall/*.conf\n" + onHeaders)
	if got := pl1.get(t).RuleCount(); got != want {
		t.Errorf("New loads %d rules; the CRS whole with sidewall's rules and the same head is %d", got, want)
	}
}

func TestOverlongUTF8(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
		deny bool
	}{
		{"'<' and '>' as C0 BC and C0 BE", get("/?q=%C0%BCscript%C0%BEx"), true},
		{"'/' as C0 AF in the path", get("/static%C0%AF..%C0%AFsecret"), true},
		{"'.' as E0 80 AE", get("/?f=%E0%80%AE%E0%80%AE/x"), true},
		{"four-byte form", get("/?f=%F0%80%80%AF"), true},
		{"in a form field", post("/f", formType, "q=%C1%BCb"), true},
		{"in a cookie", withHeader(get("/"), "Cookie", "s=\xc0\xaf"), true},
		{"Latin-1 form text", post("/f", formType, "name=Ren%E9e+M%FCller&city=K%F6ln"), false},
		{"UTF-8 text", get("/?q=%E2%82%AC+%C3%A9t%C3%A9+%F0%9F%98%80"), false},
		{"C0 without a continuation byte (Latin-1 \u00c0)", post("/f", formType, "n=%C0+la+carte"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := pl1.get(t).Inspect(tc.req)
			matched := false
			for _, m := range v.Matched {
				matched = matched || m.ID == 480200
			}
			if matched != tc.deny || v.Interrupted != tc.deny {
				t.Errorf("480200 matched %v, Interrupted %v (%v); want %v", matched, v.Interrupted, ids(v.Matched), tc.deny)
			}
		})
	}
}

func TestFindOverlong(t *testing.T) {
	for _, tc := range []struct {
		s    string
		i, n int
	}{
		{"", -1, 0}, {"abc", -1, 0}, {"a\xc0\xbcb", 1, 2}, {"\xc1\x81", 0, 2}, {"\xc2\xa9", -1, 0},
		{"\xe0\x80\xaf", 0, 3}, {"\xe0\xa0\x80", -1, 0}, {"\xe0\x80", -1, 0}, {"\xf0\x8f\xbf\xbf", 0, 4},
		{"\xf0\x90\x80\x80", -1, 0}, {"x\xc0", -1, 0}, {"\xc0\xc0\xaf", 1, 2},
	} {
		if i, n := findOverlong(tc.s); i != tc.i || n != tc.n {
			t.Errorf("findOverlong(%q) = %d, %d; want %d, %d", tc.s, i, n, tc.i, tc.n)
		}
	}
}

func FuzzFindOverlong(f *testing.F) {
	f.Add("a\xc0\xbcb")
	f.Add("\xe0\x80\xaf\xf0\x80\x80\x80")
	f.Fuzz(func(t *testing.T, s string) {
		i, n := findOverlong(s)
		if i < 0 {
			return
		}
		seq := s[i : i+n]
		// An overlong sequence decodes (leniently) to a code point that a shorter
		// sequence encodes: its payload bits fit in fewer bytes.
		cp := overlongRune(seq)
		if min := [5]rune{0, 0, 0x80, 0x800, 0x10000}[n]; cp >= min {
			t.Errorf("%q at %d: code point %U is not overlong for %d bytes", seq, i, cp, n)
		}
		if !(overlongOp{}).MayMatch(s) {
			t.Errorf("MayMatch(%q) = false for a value with an overlong sequence", s)
		}
	})
}
