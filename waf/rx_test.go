package waf

import (
	"io/fs"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"

	"github.com/sidewall/sidewall/internal/crstest"
	"github.com/sidewall/sidewall/waf/internal/re2"
)

// captureTx is the part of a transaction @rx uses: whether it captures, and TX.0-9.
type captureTx struct {
	plugintypes.TransactionState // nil: @rx calls only the two methods below
	capturing                    bool
	fields                       [10]string
	set                          [10]bool
}

func (t *captureTx) Capturing() bool { return t.capturing }

func (t *captureTx) CaptureField(i int, v string) { t.fields[i], t.set[i] = v, true }

// crsRxPatterns returns the arguments of the CRS's @rx operators, read from the
// embedded rule files with a parser that knows just enough SecLang for them: lines
// continued with a backslash, the operator in double quotes with \" inside.
func crsRxPatterns(tb testing.TB) []string {
	tb.Helper()
	files, err := fs.Glob(coreruleset.FS, "@owasp_crs/*.conf")
	if err != nil || len(files) == 0 {
		tb.Fatalf("CRS rule files: %v", err)
	}
	var out []string
	for _, f := range files {
		b, err := fs.ReadFile(coreruleset.FS, f)
		if err != nil {
			tb.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), "\\\n", "")
		for {
			i := strings.Index(s, `@rx `)
			if i < 0 {
				break
			}
			s = s[i+len(`@rx `):]
			j := 0
			for j < len(s) && (s[j] != '"' || s[j-1] == '\\') {
				j++
			}
			out = append(out, strings.ReplaceAll(s[:j], `\"`, `"`))
			s = s[j:]
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rxInputs returns strings of the kind the CRS matches its patterns against: a sample
// of the URIs, header values and bodies of its own regression tests, raw and
// URL-decoded, and a few
// that probe the edges where RE2 and Go's regexp could part (empty input, newlines,
// bytes that are not UTF-8, case folding outside ASCII).
func rxInputs(tb testing.TB) []string {
	tb.Helper()
	cases, err := crstest.Load()
	if err != nil {
		tb.Fatal(err)
	}
	seen := make(map[string]bool)
	var out []string
	var add func(string)
	step := 4 // a quarter of them keeps the test to seconds; -short or -race, a 32nd
	if testing.Short() || raceEnabled {
		step = 32
	}
	n := 0
	sample := func(s string) {
		if !seen[s] {
			if n++; n%step == 0 {
				add(s)
			}
		}
	}
	add = func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, c := range cases {
		for _, st := range c.Stages {
			in := st.Input
			var raw []string
			if in.URI != nil {
				raw = append(raw, *in.URI)
			}
			if in.Data != nil {
				raw = append(raw, *in.Data)
			}
			for _, v := range in.Headers {
				raw = append(raw, v)
			}
			for _, s := range raw {
				sample(s)
				if u, err := url.QueryUnescape(s); err == nil {
					sample(u)
					sample(strings.ToLower(u))
				}
			}
		}
	}
	for _, s := range []string{
		"", "\n", "a\nb", "\r\n\r\n", "\x00", "a\x00b", "\xff", "%\xc0\xaf", "..\xc0\xaf..\xc0\xafetc/passwd",
		"select\xa0from", "ſelect", "\u212aill", "SELECT * FROM users", "<ſcript>", "\xef\xbb\xbf<script>",
		strings.Repeat("a", 5000) + "<script>", strings.Repeat("(", 300),
	} {
		add(s)
	}
	return out
}

// TestRxAgreesWithGo holds the RE2-backed @rx to Go's regexp, which stock Coraza uses,
// on every CRS pattern: the same answer and the same captures for every input.
func TestRxAgreesWithGo(t *testing.T) {
	patterns := crsRxPatterns(t)
	if len(patterns) < 250 {
		t.Fatalf("found %d @rx patterns in the CRS; it has over 250", len(patterns))
	}
	inputs := rxInputs(t)
	var onRE2, onGo, binary int
	for _, p := range patterns {
		op, err := newRx(plugintypes.OperatorOptions{Arguments: p})
		if err != nil {
			t.Errorf("@rx %.60q: %v", p, err)
			continue
		}
		o, ok := op.(*rx)
		if !ok {
			binary++ // binaryRx: Coraza's own code path, nothing to compare
			continue
		}
		goRe := regexp.MustCompile("(?sm)" + p)
		switch prefix, _ := goRe.LiteralPrefix(); {
		case o.c.fast != nil:
			onRE2++
		case prefix != "":
			onGo++
		default:
			if re2.Available {
				t.Errorf("RE2 refuses @rx %.80q: it falls back to Go's regexp", p)
			}
		}
		for i, in := range inputs {
			// Half the inputs without captures (RE2's plain match), half with.
			capturing := i%2 == 1
			got, want := &captureTx{capturing: capturing}, &captureTx{capturing: capturing}
			if g, w := o.Evaluate(got, in), evaluateGo(goRe, want, in); g != w || *got != *want {
				t.Errorf("@rx %.60q on %.60q (capturing %v): got %v %q, want %v %q",
					p, in, capturing, g, got.fields, w, want.fields)
			}
		}
	}
	t.Logf("%d CRS @rx patterns (%d inputs each): %d matched by RE2, %d by Go's regexp (literal prefix), %d binary; regex engine %s",
		len(patterns), len(inputs), onRE2, onGo, binary, RegexEngine())
}

// FuzzRxAgreesWithGo compares the RE2-backed @rx with Go's regexp on random input, for
// a sample of CRS patterns with groups (so captures are compared too).
func FuzzRxAgreesWithGo(f *testing.F) {
	var ops []*rx
	var gos []*regexp.Regexp
	for i, p := range crsRxPatterns(f) {
		op, err := newRx(plugintypes.OperatorOptions{Arguments: p})
		if err != nil {
			f.Fatal(err)
		}
		if o, ok := op.(*rx); ok && o.c.fast != nil && (i%7 == 0 || o.c.ncap > 1) {
			ops = append(ops, o)
			gos = append(gos, regexp.MustCompile("(?sm)"+p))
		}
	}
	for _, s := range []string{"", "1' OR '1'='1", "<script>alert(1)</script>", "/etc/passwd", "\xff\xfe", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for i, o := range ops {
			got, want := &captureTx{capturing: true}, &captureTx{capturing: true}
			if g, w := o.Evaluate(got, in), evaluateGo(gos[i], want, in); g != w || *got != *want {
				t.Errorf("@rx %.60q on %q: got %v %q, want %v %q", gos[i], in, g, got.fields, w, want.fields)
			}
		}
	})
}
