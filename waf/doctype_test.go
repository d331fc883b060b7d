package waf

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// scanDoctypes writes body to a doctypeScanner in pieces of n bytes (0: at once), as
// Coraza's in-memory buffer and its temporary file write it.
func scanDoctypes(body []byte, n int) doctypeScanner {
	var s doctypeScanner
	if n <= 0 {
		n = len(body)
	}
	for i := 0; i < len(body); i += n {
		s.Write(body[i:min(len(body), i+n)])
	}
	s.flush()
	return s
}

func TestDoctypeScanner(t *testing.T) {
	const svg = `<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY ns "a>b]">]><svg/>`
	const want = `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY ns "a>b]">]>`
	tests := []struct {
		name     string
		body     []byte
		want     []string
		xinclude bool
	}{
		{"none", []byte(`<r><a>1</a></r>`), nil, false},
		{"declaration with a subset and quoted brackets", []byte(svg), []string{want}, false},
		{"two files of a multipart body", []byte("--b\r\n\r\n" + svg + "\r\n--b\r\n\r\n<!DOCTYPE r SYSTEM \"x\"><r/>\r\n--b--"),
			[]string{want, `<!DOCTYPE r SYSTEM "x">`}, false},
		{"cut off", []byte(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///`), []string{`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///`}, false},
		{"xinclude", []byte(`<r xmlns:xi="http://www.w3.org/2001/XInclude"/>`), nil, true},
		{"UTF-16LE with a byte order mark", utf16LE("\ufeff" + svg), []string{want}, false},
		{"UTF-16BE without one", utf16BE(`<!DOCTYPE r SYSTEM "x"><r xmlns:i="http://www.w3.org/2001/XInclude"/>`), []string{`<!DOCTYPE r SYSTEM "x">`}, true},
	}
	for _, tc := range tests {
		for _, n := range []int{0, 1, 2, 3, 7, 64} {
			s := scanDoctypes(tc.body, n)
			if !slices.Equal(s.decls, tc.want) || s.xinclude != tc.xinclude {
				t.Errorf("%s, pieces of %d: got %q, xinclude %v; want %q, %v", tc.name, n, s.decls, s.xinclude, tc.want, tc.xinclude)
			}
		}
	}
}

func TestDoctypeScannerBounds(t *testing.T) {
	long := "<!DOCTYPE r [" + strings.Repeat("<!ENTITY a 'b'>", maxDoctypeBytes/10) + "]>"
	body := []byte(strings.Repeat(long, maxDoctypes+2))
	s := scanDoctypes(body, 4096)
	if len(s.decls) != maxDoctypes {
		t.Errorf("%d declarations kept; want %d", len(s.decls), maxDoctypes)
	}
	for _, d := range s.decls {
		if len(d) != maxDoctypeBytes || !strings.HasPrefix(d, "<!DOCTYPE r [") {
			t.Fatalf("a declaration of %d bytes starting %q; want %d bytes", len(d), d[:20], maxDoctypeBytes)
		}
	}
}

func utf16LE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16BE(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// FuzzDoctypeScanner: pieces of any size find what one piece finds.
func FuzzDoctypeScanner(f *testing.F) {
	f.Add([]byte(`x<!DOCTYPE r [<!ENTITY x SYSTEM "f">]><r/>`), 3)
	f.Add(utf16LE("\ufeff<!DOCTYPE a SYSTEM 'b'>"), 5)
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		n = 1 + int(uint(n)%64)
		whole, pieces := scanDoctypes(body, 0), scanDoctypes(body, n)
		if s := utf16Order(body); s != 0 && n%2 == 1 {
			return // an odd piece size splits UTF-16 units: tested apart above
		}
		if !slices.Equal(whole.decls, pieces.decls) || whole.xinclude != pieces.xinclude {
			t.Errorf("pieces of %d: %q, %v; at once %q, %v", n, pieces.decls, pieces.xinclude, whole.decls, whole.xinclude)
		}
	})
}
