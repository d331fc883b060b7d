package waf

import "testing"

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
