package blocklist

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in      string
		want    string // the prefix, or "" when an error is expected
		wantErr string // a substring of the error
	}{
		{in: "192.0.2.1", want: "192.0.2.1/32"},
		{in: " \t192.0.2.1\t ", want: "192.0.2.1/32"},
		{in: "192.0.2.0/24", want: "192.0.2.0/24"},
		{in: "192.0.2.77/24", want: "192.0.2.0/24"}, // host bits masked
		{in: "192.0.2.1/32", want: "192.0.2.1/32"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "255.255.255.255", want: "255.255.255.255/32"},
		{in: "2001:db8::1", want: "2001:db8::1/128"},
		{in: "2001:DB8::/32", want: "2001:db8::/32"},
		{in: "2001:db8::1/48", want: "2001:db8::/48"},
		{in: "::", want: "::/128"},
		{in: "::/0", want: "::/0"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{in: "::ffff:c000:201", want: "192.0.2.1/32"}, // the same, in hex
		{in: "::ffff:192.0.2.0/120", want: "192.0.2.0/24"},
		{in: "::ffff:0:0/96", want: "0.0.0.0/0"},
		{in: "::ffff:0:0/95", want: "::fffe:0:0/95"}, // wider than the mapped block: stays IPv6
		{in: "::1.2.3.4", want: "::102:304/128"},     // IPv4-compatible, not mapped: IPv6

		{in: "", wantErr: `blocklist: "": empty entry`},
		{in: "  \t", wantErr: "empty entry"},
		{in: "192.0.2.256", wantErr: `blocklist: "192.0.2.256": IPv4 field has value >255`},
		{in: "192.0.2", wantErr: "IPv4 address too short"},
		{in: "192.0.2.1.5", wantErr: "IPv4 address too long"},
		{in: "01.2.3.4", wantErr: "leading zero"},
		{in: "192.0.2.0/33", wantErr: "prefix length out of range"},
		{in: "2001:db8::/129", wantErr: "prefix length out of range"},
		{in: "192.0.2.0/", wantErr: "bad bits after slash"},
		{in: "192.0.2.0/-1", wantErr: "bad bits after slash"},
		{in: "192.0.2.0/24/25", wantErr: `unexpected character (at "/24")`},
		{in: "/24", wantErr: "missing address before /"},
		{in: "192.0.2.1 192.0.2.2", wantErr: "text after the entry"},
		{in: "192.0.2.0/24 SBL123", wantErr: "text after the entry"},
		{in: "fe80::1%eth0", wantErr: "zones"},
		{in: "fe80::/64%eth0", wantErr: "zones"},
		{in: "192.0.2.10-192.0.2.20", wantErr: "ranges (a-b) are not supported"},
		{in: "192.0.2.10 - 192.0.2.20", wantErr: "ranges (a-b) are not supported"},
		{in: "not-an-ip", wantErr: "unable to parse IP"},
		{in: "example.com", wantErr: "unexpected character"},
		{in: "2001:db8:::1", wantErr: "colon-separated field"},
		{in: "１.2.3.4", wantErr: "unexpected character"}, // a fullwidth digit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePrefix(tt.in)
			checkPrefixResult(t, got, err, tt.want, tt.wantErr)
			if err != nil && !strings.HasPrefix(err.Error(), "blocklist: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}

// checkPrefixResult is the one helper the table tests share: got/err against
// a wanted prefix string or error substring.
func checkPrefixResult(t *testing.T, got netip.Prefix, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil {
			t.Fatalf("got %v, want an error containing %q", got, wantErr)
		}
		if !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %q, want it to contain %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if got.String() != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestParsePrefixNetipErrorUnwraps checks that the cleaned-up message does
// not cut the chain: callers can still reach the net/netip error.
func TestParsePrefixNetipErrorUnwraps(t *testing.T) {
	_, err := ParsePrefix("192.0.2.256")
	var ne netipError
	if !errors.As(err, &ne) || ne.Unwrap() == nil {
		t.Fatalf("error %v does not wrap the net/netip error", err)
	}
	if !strings.Contains(ne.Unwrap().Error(), "ParseAddr") {
		t.Errorf("unwrapped error %q is not netip's", ne.Unwrap())
	}
}

// lineErr is a compact expectation for a *LineError.
type lineErr struct {
	line int
	text string
	err  string // substring
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		errs []lineErr
	}{
		{name: "empty", in: ""},
		{name: "only comments and blanks", in: "# a\n; b\n\n   \n\t# c\n"},
		{
			name: "addresses and prefixes",
			in:   "192.0.2.1\n198.51.100.0/24\n2001:db8::1\n2001:db8:1::/48\n",
			want: []string{"192.0.2.1/32", "198.51.100.0/24", "2001:db8::1/128", "2001:db8:1::/48"},
		},
		{
			name: "trailing comments with and without space",
			in:   "192.0.2.1 # web scanner\n192.0.2.2#x\n192.0.2.3;x\n192.0.2.4\t; SBL1\n",
			want: []string{"192.0.2.1/32", "192.0.2.2/32", "192.0.2.3/32", "192.0.2.4/32"},
		},
		{
			name: "spamhaus drop",
			in: "; Spamhaus DROP List 2025/11/29 - (c) 2025 The Spamhaus Project SLU\n" +
				"; Last-Modified: Sat, 29 Nov 2025 09:41:53 GMT\n" +
				"1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\n",
			want: []string{"1.10.16.0/20", "1.19.0.0/16"},
		},
		{
			name: "spamhaus dropv6",
			in:   "; Spamhaus IPv6 DROP List\n2a06:e480::/29 ; SBL301771\n",
			want: []string{"2a06:e480::/29"},
		},
		{
			name: "firehol netset",
			in:   "#\n# firehol_level1\n#\n0.0.0.0/8\n10.0.0.0/8\n45.95.147.236\n",
			want: []string{"0.0.0.0/8", "10.0.0.0/8", "45.95.147.236/32"},
		},
		{
			name: "surrounding white space",
			in:   "   192.0.2.1   \n\t198.51.100.0/24\t\n",
			want: []string{"192.0.2.1/32", "198.51.100.0/24"},
		},
		{
			name: "CRLF line ends",
			in:   "# c\r\n192.0.2.1\r\n198.51.100.0/24 ; SBL1\r\n\r\nbad\r\n2001:db8::/32\r\n",
			want: []string{"192.0.2.1/32", "198.51.100.0/24", "2001:db8::/32"},
			errs: []lineErr{{5, "bad", "unable to parse IP"}},
		},
		{
			name: "no newline at the end",
			in:   "192.0.2.1\n192.0.2.2",
			want: []string{"192.0.2.1/32", "192.0.2.2/32"},
		},
		{
			name: "byte order mark",
			in:   "\xef\xbb\xbf192.0.2.1\n",
			want: []string{"192.0.2.1/32"},
		},
		{
			name: "byte order mark before a comment",
			in:   "\xef\xbb\xbf# list\n192.0.2.1\n",
			want: []string{"192.0.2.1/32"},
		},
		{
			name: "v4-mapped becomes IPv4",
			in:   "::ffff:192.0.2.1\n::ffff:198.51.100.0/120\n",
			want: []string{"192.0.2.1/32", "198.51.100.0/24"},
		},
		{
			name: "bad lines are reported with their numbers and skipped",
			in:   "192.0.2.1\nnot-an-ip\n\n192.0.2.300 ; SBL9\n# ok\n198.51.100.0/33\n198.51.100.0/24\n1.2.3.4 5\n",
			want: []string{"192.0.2.1/32", "198.51.100.0/24"},
			errs: []lineErr{
				{2, "not-an-ip", "unable to parse IP"},
				{4, "192.0.2.300", "IPv4 field has value >255"},
				{6, "198.51.100.0/33", "prefix length out of range"},
				{8, "1.2.3.4 5", "text after the entry"},
			},
		},
		{
			name: "a long comment line is still a comment",
			in:   "192.0.2.1\n# " + strings.Repeat("x", 3*maxLine) + "\n192.0.2.2\n",
			want: []string{"192.0.2.1/32", "192.0.2.2/32"},
		},
		{
			name: "a long trailing comment is still a comment",
			in:   "192.0.2.1 ; " + strings.Repeat("x", 3*maxLine) + "\n192.0.2.2\n",
			want: []string{"192.0.2.1/32", "192.0.2.2/32"},
		},
		{
			name: "a long garbage line is one error and parsing goes on",
			in:   "192.0.2.1\n" + strings.Repeat("1", 3*maxLine) + "\n192.0.2.2\n",
			want: []string{"192.0.2.1/32", "192.0.2.2/32"},
			errs: []lineErr{{2, strings.Repeat("1", maxText) + "...", "line longer than"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs, err := Parse(strings.NewReader(tt.in), "list.txt")
			if err != nil {
				t.Fatalf("read error: %v", err)
			}
			checkParsed(t, got, errs, tt.want, tt.errs)
		})
	}
}

// checkParsed compares Parse's output with the wanted prefixes and line
// errors.
func checkParsed(t *testing.T, got []netip.Prefix, errs []*LineError, want []string, wantErrs []lineErr) {
	t.Helper()
	var gotS []string
	for _, p := range got {
		gotS = append(gotS, p.String())
	}
	if fmt.Sprint(gotS) != fmt.Sprint(want) {
		t.Errorf("prefixes:\n got  %v\n want %v", gotS, want)
	}
	if len(errs) != len(wantErrs) {
		t.Fatalf("got %d line errors %v, want %d", len(errs), errs, len(wantErrs))
	}
	for i, e := range errs {
		w := wantErrs[i]
		if e.File != "list.txt" || e.Line != w.line || e.Text != w.text || !strings.Contains(e.Err.Error(), w.err) {
			t.Errorf("line error %d = {%s %d %q %v}, want {list.txt %d %q ...%s...}",
				i, e.File, e.Line, e.Text, e.Err, w.line, w.text, w.err)
		}
	}
}

func TestLineError(t *testing.T) {
	_, errs, _ := Parse(strings.NewReader("192.0.2.1\n192.0.2.999\n"), "drop.txt")
	if len(errs) != 1 {
		t.Fatalf("got %d errors, want 1", len(errs))
	}
	const want = `blocklist: drop.txt:2: "192.0.2.999": IPv4 field has value >255`
	if got := errs[0].Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if errors.Unwrap(errs[0]) != errs[0].Err {
		t.Error("Unwrap does not return Err")
	}
}

// TestParseReadError checks that a failing reader stops Parse with err,
// named and wrapped, and that what was read before is kept.
func TestParseReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("192.0.2.1\nbad\n192.0.2.2\n"), iotest.ErrReader(boom))
	got, errs, err := Parse(r, "feed.txt")
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
	if !strings.HasPrefix(err.Error(), "blocklist: reading feed.txt: ") {
		t.Errorf("err = %q, want the package and file name in front", err)
	}
	if len(got) != 2 || len(errs) != 1 {
		t.Errorf("got %v and %v, want the 2 prefixes and 1 error read before the failure", got, errs)
	}
}

// TestParseOneByteReader makes sure line assembly does not depend on how
// the reader splits its data.
func TestParseOneByteReader(t *testing.T) {
	in := "# c\r\n192.0.2.1 ; x\r\nbad\n2001:db8::/32"
	got, errs, err := Parse(iotest.OneByteReader(strings.NewReader(in)), "list.txt")
	if err != nil {
		t.Fatal(err)
	}
	checkParsed(t, got, errs, []string{"192.0.2.1/32", "2001:db8::/32"}, []lineErr{{3, "bad", "unable to parse IP"}})
}

// TestParseFixtures parses every list in testdata and compares the result
// with its .golden file (regenerate with go test -run Fixtures -update).
func TestParseFixtures(t *testing.T) {
	files := fixtureFiles(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			ps, errs, err := Parse(f, filepath.Base(file))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, p := range ps {
				fmt.Fprintln(&b, p)
			}
			for _, e := range errs {
				fmt.Fprintln(&b, e)
			}
			s := New(ps, Options{})
			fmt.Fprintf(&b, "# Len after New: %d\n", s.Len())
			for _, p := range ps {
				if !s.Contains(p.Addr()) || !s.Contains(lastAddr(p)) {
					t.Errorf("%v parsed but not found in the set", p)
				}
			}

			golden := strings.TrimSuffix(file, filepath.Ext(file)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("output differs from %s:\n got:\n%s\nwant:\n%s", golden, b.String(), want)
			}
		})
	}
}

// fixtureFiles returns the lists in testdata: every file but the .golden
// outputs and dotfiles such as .gitattributes (which keeps git from
// rewriting the CRLF fixture).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob("testdata/*")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range all {
		if base := filepath.Base(f); !strings.HasPrefix(base, ".") && filepath.Ext(base) != ".golden" {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata")
	}
	return files
}
