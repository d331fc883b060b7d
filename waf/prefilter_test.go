package waf

import (
	"math/rand/v2"
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPrefilterNeedles(t *testing.T) {
	tests := []struct {
		pattern string
		want    string // the needles, "|"-joined; "" for no filter
	}{
		{`select`, "select"},
		{`(?i)SELECT`, "select"},
		{`(?i)(?:union|select)\s+`, "select|union"},
		{`se(?:lect|t)`, "select|set"},
		{`<script[^>]*>`, "<script"},
		{`["'` + "`" + `]--`, "\"--|'--|`--"},
		{`a.b`, ""},                // one-byte literals only
		{`(?:abc)?xyz`, "xyz"},     // the optional part gives nothing
		{`(?:abc)*`, ""},           // may match empty
		{`abc|.`, ""},              // a branch without literals
		{`\bon[a-z]{3,50}=`, "on"}, // the class is too wide to multiply
		// The parser stores a (?i) literal as the least rune of its fold orbit: the
		// Kelvin sign becomes K, which also matches it (in input that is not ASCII,
		// which the filter leaves to the regex).
		{`(?i)\x{212a}elvin`, "kelvin"},
		{`(?i)[k]ill`, "ill"}, // (?i)[k] includes the Kelvin sign
		{`^$`, ""},
		{`\A(?:ab|cd)\z`, "ab|cd"},
		// Evasion junk between the letters: without it the word is a literal, and
		// any junk byte is a "maybe".
		{`(?i)b["'\x5c]*u["'\x5c]*s`, `"|'|\|bus`},
		// '-' is given back: the filter stays usable without it.
		{`q[;']*w[;']*e(?:-x)?`, `'|;|qwe|qwe-x`},
		// ' ' cannot be: without it in the junk the literals are single letters.
		{`a[ ;]*b`, ` |;|ab`},
	}
	for _, tt := range tests {
		pf := newPrefilter("(?sm)" + tt.pattern)
		got := ""
		if pf != nil {
			got = pf.String()
		}
		if got != tt.want {
			t.Errorf("newPrefilter(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}

func TestPrefilterMayMatch(t *testing.T) {
	pf := newPrefilter(`(?sm)(?i)(?:union|select)\s+`)
	tests := []struct {
		in   string
		want bool
	}{
		{"", false},
		{"ordinary text", false},
		{"1 UNION all", true},
		{"SeLeCt", true},
		{"selec", false},
		{"ſelect", true}, // (?i)s matches ſ: not ASCII, so the regex decides
		{"\xff", true},
		{"xxunio", false},
		{"union", true},
	}
	for _, tt := range tests {
		if got := pf.mayMatch(tt.in); got != tt.want {
			t.Errorf("mayMatch(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPrefilterNotASCII(t *testing.T) {
	// No k or s in the literals: bytes outside ASCII cannot be part of a match.
	pf := newPrefilter(`(?sm)(?i)union|drop`)
	for in, want := range map[string]bool{"\xff\xfe": false, "é union": true, "\xffDROP": true, "dr\xffop": false} {
		if got := pf.mayMatch(in); got != want {
			t.Errorf("mayMatch(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestPrefilterCaseSensitive: a pattern that never ignores case matches its k and s
// only as those bytes, so bytes outside ASCII (base64Decode makes them from ordinary
// field names) leave the decision to the literals; under (?i) they do not.
func TestPrefilterCaseSensitive(t *testing.T) {
	for _, tc := range []struct {
		pattern, in string
		want        bool
	}{
		{`(?sm)process\.env|require\(`, "\xff\xfe field", false},
		{`(?sm)process\.env|require\(`, "\xffprocess.env", true},
		{`(?sm)process\.env|require\(`, "PROCESS.ENV", true}, // the filter ignores case anyway
		{`(?sm)(?i)process\.env|require\(`, "\xff\xfe field", true},
		{`(?sm)(?i:proces)s\.env`, "\xff\xfe field", true},
		{`(?sm)proce(?i:ss)\.env`, "\xff\xfe field", true},
	} {
		pf := newPrefilter(tc.pattern)
		if pf == nil {
			t.Fatalf("%s: no filter", tc.pattern)
		}
		if got := pf.mayMatch(tc.in); got != tc.want {
			t.Errorf("%s: mayMatch(%q) = %v, want %v", tc.pattern, tc.in, got, tc.want)
		}
	}
}

// TestFoldsOutsideASCII holds the assumption exactASCII rests on: the only ASCII
// runes whose case folds leave ASCII are k and s (and K and S).
func TestFoldsOutsideASCII(t *testing.T) {
	var got []rune
	for c := rune(0); c < utf8.RuneSelf; c++ {
		for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
			if f >= utf8.RuneSelf {
				got = append(got, c)
				break
			}
		}
	}
	if string(got) != "KSks" {
		t.Errorf("ASCII runes folding outside ASCII: %q; the filter knows only KSks", string(got))
	}
}

// gen writes a random string that re would match if its anchors and word boundaries
// happened to hold; the caller checks with the regex. Letters come in random case,
// classes and dots give random members, repeats random counts.
func gen(rng *rand.Rand, re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 && rng.IntN(2) == 0 {
				r = swapCase(r)
			}
			b.WriteRune(r)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		i := 2 * rng.IntN(len(re.Rune)/2)
		lo, hi := re.Rune[i], min(re.Rune[i+1], re.Rune[i]+200)
		b.WriteRune(lo + rng.Int32N(hi-lo+1))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(byte(' ' + rng.IntN(95)))
	case syntax.OpCapture:
		gen(rng, re.Sub[0], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 {
				hi = lo + 3
			}
		}
		for range lo + rng.IntN(hi-lo+1) {
			gen(rng, re.Sub[0], b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			gen(rng, s, b)
		}
	case syntax.OpAlternate:
		gen(rng, re.Sub[rng.IntN(len(re.Sub))], b)
	}
}

func swapCase(r rune) rune {
	switch {
	case 'a' <= r && r <= 'z':
		return r - 'a' + 'A'
	case 'A' <= r && r <= 'Z':
		return r - 'A' + 'a'
	}
	return r
}

// TestPrefilterSound generates strings that each CRS pattern matches, alone and
// inside ordinary text, and checks that the filter never turns one away: every
// regex match must be a "maybe" (a false "maybe" costs only time).
func TestPrefilterSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 30
	}
	filtered, checked := 0, 0
	for _, p := range crsRxPatterns(t) {
		pf := newPrefilter("(?sm)" + p)
		if pf == nil {
			continue
		}
		filtered++
		re := regexp.MustCompile("(?sm)" + p)
		parsed, err := syntax.Parse("(?sm)"+p, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		for range rounds {
			var b strings.Builder
			switch rng.IntN(3) {
			case 0:
				b.WriteString("some text ")
			case 1:
				b.WriteString("\xff\xc3\xa9 ")
			}
			gen(rng, parsed, &b)
			if rng.IntN(2) == 0 {
				b.WriteString(" more")
			}
			s := b.String()
			if !re.MatchString(s) {
				continue
			}
			checked++
			if !pf.mayMatch(s) {
				t.Errorf("@rx %.80q matches %.80q, but the filter (%.80s) says it cannot", p, s, pf)
			}
		}
	}
	if filtered < 100 || checked < 10*filtered {
		t.Errorf("only %d patterns with a filter, %d matching strings checked", filtered, checked)
	}
	t.Logf("%d CRS patterns have a filter; %d generated matches checked", filtered, checked)
}

// TestPrefilterWithStopBytes: the copy withStopBytes makes reports every value that
// holds a stop byte and otherwise answers as the filter does; the filter itself keeps
// its own stops. Over the CRS's patterns, with the trigger bytes of two common
// transformation chains.
func TestPrefilterWithStopBytes(t *testing.T) {
	var pct, amp [4]uint64 // urlDecodeUni's % and +; htmlEntityDecode's & and what lowercase adds
	for _, c := range "%+" {
		pct[c>>6] |= 1 << (c & 63)
	}
	amp[0x80>>6] = ^uint64(0)
	amp[0xc0>>6] = ^uint64(0)
	amp['&'>>6] |= 1 << ('&' & 63)
	has := func(stop [4]uint64, v string) bool {
		for i := 0; i < len(v); i++ {
			if stop[v[i]>>6]&(1<<(v[i]&63)) != 0 {
				return true
			}
		}
		return false
	}
	values := []string{"", "a", "plain words", "a%20b", "x+y", "caf\xc3\xa9", "Tom & Jerry", "1 UNION SELECT 2",
		"<script>alert(1)</script>", "/etc/passwd", "Mozilla/5.0 (X11; Linux x86_64)", "text/html,application/xhtml+xml"}
	n := 0
	for _, p := range crsRxPatterns(t) {
		pf := newPrefilter("(?sm)" + p)
		if pf == nil {
			continue
		}
		for _, stop := range [][4]uint64{pct, amp} {
			q := pf.withStopBytes(stop)
			for _, v := range values {
				if got, want := q.MayMatch(v), has(stop, v) || pf.mayMatch(v); got != want {
					t.Fatalf("@rx %.80q with stop bytes: MayMatch(%q) = %v, want %v", p, v, got, want)
				}
				n++
			}
		}
		before := pf.first
		if pf.withStopBytes(amp); pf.first != before {
			t.Fatalf("@rx %.80q: withStopBytes changed the filter it copied", p)
		}
	}
	if n < 1000 {
		t.Errorf("only %d answers checked", n)
	}
}

// FuzzPrefilterSound: for every CRS pattern with a filter, a value the regex matches
// is never turned away by the filter.
func FuzzPrefilterSound(f *testing.F) {
	type pair struct {
		re *regexp.Regexp
		pf *prefilter
	}
	var ps []pair
	for _, p := range crsRxPatterns(f) {
		if pf := newPrefilter("(?sm)" + p); pf != nil {
			ps = append(ps, pair{regexp.MustCompile("(?sm)" + p), pf})
		}
	}
	for _, s := range []string{"", "1 UNION SELECT 2", "<script>", "${jndi:", "/etc/passwd", "2.2250738585072011e-308", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range ps {
			if p.re.MatchString(in) && !p.pf.mayMatch(in) {
				t.Errorf("@rx %.80q matches %q, but the filter (%.80s) says it cannot", p.re, in, p.pf)
			}
		}
	})
}

// TestReduceKeepsJunkFreeMatches holds reduce's promise on the CRS patterns: a string
// the pattern matches that holds none of the absent bytes is matched by the reduced
// pattern too (every ASCII punctuation byte the pattern names is absent here, the most
// withoutJunk ever takes away).
func TestReduceKeepsJunkFreeMatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rounds := 300
	if testing.Short() || raceEnabled {
		rounds = 30
	}
	checked := 0
	for _, p := range crsRxPatterns(t) {
		parsed, err := syntax.Parse("(?sm)"+p, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		simple := parsed.Simplify()
		var absent [utf8.RuneSelf]bool
		named(simple, &absent)
		reduced := reduce(simple, &absent)
		var rre *regexp.Regexp
		if reduced != nil {
			rre = regexp.MustCompile(reduced.String())
		}
		re := regexp.MustCompile("(?sm)" + p)
		for range rounds {
			var b strings.Builder
			gen(rng, parsed, &b)
			s := b.String()
			if strings.ContainsFunc(s, func(r rune) bool { return r < utf8.RuneSelf && absent[r] }) || !re.MatchString(s) {
				continue
			}
			checked++
			if rre == nil || !rre.MatchString(s) {
				t.Errorf("@rx %.80q matches %.80q, which has no junk, but the reduced pattern (%.80v) does not", p, s, reduced)
			}
		}
	}
	if checked < 1000 {
		t.Errorf("only %d junk-free matches checked", checked)
	}
	t.Logf("%d junk-free matches checked", checked)
}

// BenchmarkPrefilter runs every CRS pattern's filter over the values of a browser's
// GET (one op: all filters over all values), the scan the value filter makes for
// nearly every rule and value of a request.
func BenchmarkPrefilter(b *testing.B) {
	var filters []*prefilter
	for _, p := range crsRxPatterns(b) {
		if pf := newPrefilter("(?sm)" + p); pf != nil {
			filters = append(filters, pf)
		}
	}
	values := []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
		"en-US,en;q=0.9", "gzip, deflate, br, zstd", "https://shop.example.com/category/shoes?page=2",
		"session", "d41d8cd98f00b204e9800998ecf8427e", "GA1.1.1234567890.1733480000", "q", "running shoes",
		"page", "2", "/products/trail-runner-2", "keep-alive", "same-origin", "navigate",
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, f := range filters {
			for _, v := range values {
				if f.mayMatch(v) {
					n++
				}
			}
		}
	}
	if n == 0 {
		b.Fatal("no filter passed any value")
	}
}
