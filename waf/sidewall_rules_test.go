package waf

import (
	"io/fs"
	"maps"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/sidewall/sidewall/internal/crstest"
)

// TestSidewallRules replays sidewall's own rule tests (testdata/sidewall-tests, one
// YAML file per rule file, in the CRS's go-ftw format) through the engine TestCRS uses,
// in process. Each rule file's tests hold attacks the rules must match (expect_ids) and
// benign counter-examples they must not (no_expect_ids), so that a rule made broader or
// narrower shows here first.
//
// Every rule of rules/*.conf in sidewall's class blocks (480300-481999) must be expected
// by at least one test, and every test must pass: there is no known-failures list for
// sidewall's own rules.
func TestSidewallRules(t *testing.T) {
	cases, err := crstest.LoadFS(os.DirFS("testdata/sidewall-tests"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no tests in testdata/sidewall-tests")
	}
	e := crsEngine.get(t)
	results := crstest.Run(cases, runtime.GOMAXPROCS(0), func(c crstest.Case) crsResult { return runCRSCase(e, c) })
	expected := make(map[int]bool)
	for i, c := range cases {
		r := results[i]
		switch r.Outcome {
		case crstest.Fail:
			t.Errorf("%s (%s): %s", c.ID, c.File, r.Detail)
		case crstest.Skip:
			t.Errorf("%s (%s) is skipped: %s", c.ID, c.File, r.Detail)
		}
		for _, s := range c.Stages {
			for _, id := range s.Output.Log.ExpectIDs {
				expected[id] = true
			}
		}
	}
	for _, id := range classRuleIDs(t) {
		if !expected[id] {
			t.Errorf("rule %d has no test that expects it", id)
		}
	}
}

// classRuleIDs returns the ids of the rules (SecRule, not SecAction) in rules/*.conf in
// sidewall's class blocks, 480300-481999.
func classRuleIDs(tb testing.TB) []int {
	tb.Helper()
	ids := make(map[int]bool)
	re := regexp.MustCompile(`(?m)^SecRule .*\\\n\s*"id:(48[01]\d{3}),`)
	err := fs.WalkDir(RuleFiles(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(RuleFiles(), p)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			id, _ := strconv.Atoi(m[1])
			if id >= 480300 && id <= 481999 {
				ids[id] = true
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return slices.Sorted(maps.Keys(ids))
}
