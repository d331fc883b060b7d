package waf

import (
	"fmt"
	"strings"
	"testing"
)

// finderCase is a value and what a finder should find in it: "" for nothing.
type finderCase struct{ s, want string }

// testFinder checks find against each case.
func testFinder(t *testing.T, name string, find func(string) (string, bool), tests []finderCase) {
	t.Helper()
	for _, tc := range tests {
		got, ok := find(tc.s)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s(%q) = %q, %v; want %q", name, tc.s, got, ok, tc.want)
		}
	}
}

// fuzzFinder fuzzes find from the seeds: it must return on any value, without
// panicking, and return nothing when it finds nothing.
func fuzzFinder(f *testing.F, find func(string) (string, bool), seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if found, ok := find(s); !ok && found != "" {
			t.Errorf("nothing found, but %q returned", found)
		}
	})
}

// BenchmarkFindersOnHostileValues runs sidewall's tokenizers over values built to make
// a careless scanner quadratic, at two sizes: the time per op should grow four-fold
// from 64 KiB to 256 KiB, not sixteen-fold.
func BenchmarkFindersOnHostileValues(b *testing.B) {
	finders := []struct {
		name  string
		find  func(string) (string, bool)
		piece string
	}{
		{"xxe-doctype", func(s string) (string, bool) { return findXXE(s, xxeExternalDTD) }, "<!DOCTYPE "},
		{"xxe-entity", func(s string) (string, bool) { return findXXE(s, xxeExternalEntity) }, `<!ENTITY a "<!ENTITY b '`},
		{"shell-entities", findShellCommand, "&#x"},
		{"shell-ampersands", findShellCommand, "a&"},
		{"template", findTemplateInjection, "{{"},
		{"traversal", findTraversal, "%2e%2e%2f"},
		{"traversal-dots", findTraversal, "....//"},
		{"jscall", findJSCall, "top['a'+'"},
		{"jscall-calls", findJSCall, "a.call("},
		{"sqlpath", findSQLiSegment, "/'"},
		{"osfile", findOSFile, "%2fetc"},
		{"shell-words", findShellCommand, ";cat "},
		{"shell-backticks", findShellCommand, "`"},
		{"template-dollar", findTemplateInjection, "${"},
	}
	for _, f := range finders {
		for _, size := range []int{64 << 10, 256 << 10} {
			s := strings.Repeat(f.piece, size/len(f.piece))
			b.Run(fmt.Sprintf("%s/%dKiB", f.name, size>>10), func(b *testing.B) {
				for b.Loop() {
					f.find(s)
				}
			})
		}
	}
}
