package crstest

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Tally counts a run's verdicts per rule file, keeps each skipped test under its reason
// and each failure with its cause, and writes the summary both runners (in process and
// through nginx) print. The zero Tally is ready to use; it is not safe for concurrent use.
type Tally struct {
	perFile  map[string]*Counts
	total    Counts
	skips    map[string][]string // reason: the ids of the tests skipped for it
	failures []string
}

// Outcome is a runner's verdict on one test.
type Outcome int

const (
	Pass Outcome = iota
	Fail
	Skip
)

// Result is a runner's verdict on one test and, for a failure or a skip, why.
type Result struct {
	Outcome Outcome
	Detail  string // why it failed, or the skip reason
}

// Add counts c as r says.
func (t *Tally) Add(c Case, r Result) {
	switch r.Outcome {
	case Pass:
		t.Pass(c)
	case Fail:
		t.Fail(c, r.Detail)
	case Skip:
		t.Skip(c, r.Detail)
	}
}

// Counts are the verdicts of a rule file, or of the whole run.
type Counts struct{ Pass, Fail, Skip int }

// Rate is the pass rate over the tests judged (passed or failed), in percent, or -1 when
// none was.
func (c Counts) Rate() float64 {
	if c.Pass+c.Fail == 0 {
		return -1
	}
	return 100 * float64(c.Pass) / float64(c.Pass+c.Fail)
}

func (t *Tally) file(c Case) *Counts {
	if t.perFile == nil {
		t.perFile = make(map[string]*Counts)
	}
	n := t.perFile[c.File]
	if n == nil {
		n = &Counts{}
		t.perFile[c.File] = n
	}
	return n
}

// Pass counts c as passed.
func (t *Tally) Pass(c Case) { t.file(c).Pass++; t.total.Pass++ }

// Fail counts c as failed for cause.
func (t *Tally) Fail(c Case, cause string) {
	t.file(c).Fail++
	t.total.Fail++
	t.failures = append(t.failures, fmt.Sprintf("  %s (%s): %s", c.ID, c.File, cause))
}

// Skip counts c as skipped for reason.
func (t *Tally) Skip(c Case, reason string) {
	t.file(c).Skip++
	t.total.Skip++
	if t.skips == nil {
		t.skips = make(map[string][]string)
	}
	t.skips[reason] = append(t.skips[reason], c.ID)
}

// Total returns the counts of the whole run.
func (t *Tally) Total() Counts { return t.total }

// Write prints the summary: a line per rule file and the total, the pass rate over the
// tests judged, the skip reasons (with the ids of the tests when listIDs), and the
// failures with their causes.
func (t *Tally) Write(w io.Writer, title string, listIDs bool) {
	rate := func(c Counts) string {
		if r := c.Rate(); r >= 0 {
			return fmt.Sprintf("%.1f", r)
		}
		return "-"
	}
	fmt.Fprintf(w, "%s:\n%-48s %6s %6s %7s %7s\n", title, "rule file", "passed", "failed", "skipped", "pass %")
	for _, f := range slices.Sorted(maps.Keys(t.perFile)) {
		c := *t.perFile[f]
		fmt.Fprintf(w, "%-48s %6d %6d %7d %7s\n", f, c.Pass, c.Fail, c.Skip, rate(c))
	}
	fmt.Fprintf(w, "%-48s %6d %6d %7d %7s\n", "total", t.total.Pass, t.total.Fail, t.total.Skip, rate(t.total))
	if r := t.total.Rate(); r >= 0 {
		fmt.Fprintf(w, "pass rate over the %d applicable (request-phase, judged) tests: %.2f%%\n", t.total.Pass+t.total.Fail, r)
	}
	fmt.Fprintf(w, "skipped:\n")
	for _, r := range slices.SortedFunc(maps.Keys(t.skips), func(a, b string) int {
		return cmp.Or(cmp.Compare(len(t.skips[b]), len(t.skips[a])), cmp.Compare(a, b))
	}) {
		fmt.Fprintf(w, "  %4d  %s\n", len(t.skips[r]), r)
		for ids := t.skips[r]; listIDs && len(ids) > 0; {
			n := min(len(ids), 10)
			fmt.Fprintf(w, "        %s\n", strings.Join(ids[:n], " "))
			ids = ids[n:]
		}
	}
	if t.failures != nil {
		fmt.Fprintf(w, "failed:\n%s\n", strings.Join(t.failures, "\n"))
	}
}

// Run runs every case through run on workers goroutines and returns the results in the
// order of cases. run must be safe for concurrent use.
func Run[R any](cases []Case, workers int, run func(Case) R) []R {
	results := make([]R, len(cases))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(cases); i = int(next.Add(1) - 1) {
				results[i] = run(cases[i])
			}
		})
	}
	wg.Wait()
	return results
}
