package server

import (
	"bytes"
	"strings"
	"testing"
)

func TestNormalizePath(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"/", "/"},
		{"/login", "/login"},
		{"/login?next=/a//b", "/login"},
		{"/log%69n", "/login"},
		{"/LOG%49N", "/LOGIN"},
		{"//login", "/login"},
		{"/a//b///c", "/a/b/c"},
		{"/./login", "/login"},
		{"/a/./b/.", "/a/b/"},
		{"/x/../login", "/login"},
		{"/a/b/../../c", "/c"},
		{"/a/b/..", "/a/"},
		{"/../../etc", "/etc"},
		{"/%2e%2e/login", "/login"},
		{"/a%2F%2Fb", "/a/b"},
		{"/api/", "/api/"},
		{"/a%zzb", "/a%zzb"}, // not an escape: kept
		{"/a%4", "/a%4"},
		{"/%00x", "/\x00x"},
		{"*", "*"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := string(normalizePath(nil, []byte(tc.raw))); got != tc.want {
			t.Errorf("normalizePath(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// FuzzNormalizePath checks the invariants that rules rely on: the result of a path starts
// with a slash, has no empty, "." or ".." segments, and normalising it again changes
// nothing.
func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "//x/./y/..", "/%2e%2e/%2F", "/a%zz", "/login?x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := normalizePath(nil, []byte(raw))
		if !strings.HasPrefix(raw, "/") {
			return
		}
		if len(got) == 0 || got[0] != '/' {
			t.Fatalf("normalizePath(%q) = %q: no leading slash", raw, got)
		}
		if bytes.IndexByte(got, '%') < 0 { // a decoded '%' may form a new escape: not idempotent by design
			again := normalizePath(nil, got)
			if !bytes.Equal(again, got) {
				t.Fatalf("not idempotent: %q -> %q -> %q", raw, got, again)
			}
		}
		for _, seg := range bytes.Split(got[1:], []byte("/")) {
			if s := string(seg); s == "." || s == ".." {
				t.Fatalf("normalizePath(%q) = %q keeps a %q segment", raw, got, s)
			}
		}
		if bytes.Contains(got, []byte("//")) {
			t.Fatalf("normalizePath(%q) = %q keeps a double slash", raw, got)
		}
	})
}
