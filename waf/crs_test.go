package waf

import (
	"flag"
	"fmt"
	"hash/crc32"
	"maps"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/internal/crstest"
)

// TestCRS replays the CRS's own regression suite (the tests embedded in
// coraza-coreruleset, go-ftw's YAML) through Engine.Inspect, in process: no web server,
// no go-ftw, no log file. A stage passes when every id in its expect_ids is among the
// Verdict's Matched ids and none of its no_expect_ids is; match_regex and
// no_match_regex are applied to one log line per match, [id "..."] [msg "..."]
// [data "..."] [severity "..."], as in Coraza's error log.
//
// The engine is set up as the suite requires (the CRS's tests/regression README, rule
// 900005; Coraza's testing/coreruleset uses the same): paranoia level 4, detection only
// so that every rule runs and logs, and the argument and file limits the tests probe.
//
// Tests are skipped, with the reason counted in the summary, when in-process replay
// cannot judge them:
//   - response: tests of RESPONSE-95x, which need a response; sidewall never sees one.
//   - web server: a stage that expects only a status (Apache's 400 for a malformed
//     request line or header); that is the answer of the server in front, and nginx
//     gives it before auth_request is ever asked.
//   - raw request: an encoded_request that is not a request nginx could forward.
//
// The test fails on a regression: a test that fails and is not in
// testdata/crs-known-failures.txt, or one listed there that no longer fails (so the
// list stays exact). Run with -v for the per-file summary; with -crs.dump=FILE it also
// writes every stage's matched ids and score, for diffing two builds of an optimisation.
//
// The full suite (some 4,600 requests at paranoia level 4, a few seconds) is the default,
// as make test runs it; -short and -race run a fixed tenth of it, chosen by a hash of the
// test id, plus every known failure.
func TestCRS(t *testing.T) {
	cases, err := crstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 4000 {
		t.Fatalf("loaded %d CRS tests; the suite has over 4,000", len(cases))
	}
	known := loadKnownFailures(t, "testdata/crs-known-failures.txt", "testdata/crs-sidewall-changes.txt")
	if testing.Short() || raceEnabled {
		// Every 10th test and the known failures: a tenth of the time, every rule file.
		cases = slices.DeleteFunc(cases, func(c crstest.Case) bool {
			_, isKnown := known[c.ID]
			return !isKnown && crc32.ChecksumIEEE([]byte(c.ID))%10 != 0
		})
	}
	e := crsEngine.get(t)

	// Inspect is safe for concurrent use; one worker per CPU keeps the full suite's
	// wall time to a few seconds where cores are free.
	results := crstest.Run(cases, runtime.GOMAXPROCS(0), func(c crstest.Case) crsResult { return runCRSCase(e, c) })

	for i, c := range cases {
		r := results[i]
		reason, isKnown := known[c.ID]
		delete(known, c.ID)
		switch {
		case r.Outcome == crstest.Fail && !isKnown:
			t.Errorf("regression: CRS test %s (%s) fails: %s", c.ID, c.File, r.Detail)
		case r.Outcome == crstest.Pass && isKnown:
			t.Errorf("CRS test %s passes but is listed as a known failure (%s): remove it from the list", c.ID, reason)
		case r.Outcome == crstest.Skip && isKnown:
			t.Errorf("CRS test %s is skipped (%s) but listed as a known failure: remove it from the list", c.ID, r.Detail)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(known)) { // all known ones ran, even with -short
		t.Errorf("known failure %s names no CRS test: remove it from the list", id)
	}
	logCRSSummary(t, cases, results)
	if *crsDump != "" {
		var b strings.Builder
		for _, r := range results {
			for _, line := range r.trace {
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
		if err := os.WriteFile(*crsDump, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// crsDump is where TestCRS writes every inspected stage's matched ids, score and
// outcome, one line each, so that two builds (say, with and without an optimisation)
// can be diffed: stricter than the pass/fail counts.
var crsDump = flag.String("crs.dump", "", "TestCRS writes each stage's matched rule ids to this `file`")

var crsEngine = &lazyEngine{opts: Options{ParanoiaLevel: 4, DetectionOnly: true, BeforeCRS: crstest.Setup}}

type crsResult struct {
	crstest.Result
	body  bool     // some inspected stage had a request body
	trace []string // per inspected stage: matched ids and score, for -crs.dump
}

// Skip reasons, as the summary counts them.
const (
	skipResponse  = "response: needs a response, which an auth_request sidecar never sees"
	skipWebServer = "web server: expects only the 400 of the server in front, which nginx gives before auth_request"
	skipRaw       = "raw request: encoded_request is not a request nginx could forward"
)

// runCRSCase runs every stage of c and judges the test as a whole: it fails if a stage
// fails, is skipped if no stage could be judged, and passes otherwise.
func runCRSCase(e *Engine, c crstest.Case) crsResult {
	// RESPONSE-980 is not about responses: 980170 reports the inbound score in phase 5,
	// which Inspect runs.
	if strings.HasPrefix(c.File, "RESPONSE-95") {
		return crsResult{Result: crstest.Result{Outcome: crstest.Skip, Detail: skipResponse}}
	}
	res := crsResult{Result: crstest.Result{Outcome: crstest.Skip, Detail: skipWebServer}}
	for i, s := range c.Stages {
		if !s.Output.ChecksLog() {
			continue
		}
		req, err := wafRequest(s.Input)
		if err != nil {
			if res.Outcome == crstest.Skip {
				res.Detail = skipRaw
			}
			continue
		}
		res.body = res.body || req.Body != nil
		v := e.Inspect(req)
		res.trace = append(res.trace, fmt.Sprintf("%s/%d %v score=%d would=%v err=%v",
			c.ID, i+1, ids(v.Matched), v.Score, v.WouldInterrupt, v.Err))
		if msg := checkCRSStage(v, s.Output); msg != "" {
			if len(c.Stages) > 1 {
				msg = fmt.Sprintf("stage %d: %s", i+1, msg)
			}
			return crsResult{Result: crstest.Result{Outcome: crstest.Fail, Detail: msg}, body: res.body, trace: res.trace}
		}
		res.Result = crstest.Result{Outcome: crstest.Pass}
	}
	return res
}

// checkCRSStage returns what is wrong with v for a stage expecting out, or "".
func checkCRSStage(v Verdict, out crstest.Output) string {
	var problems []string
	matched := ids(v.Matched)
	var missing, unexpected []int
	for _, id := range out.Log.ExpectIDs {
		if !slices.Contains(matched, id) {
			missing = append(missing, id)
		}
	}
	for _, id := range out.Log.NoExpectIDs {
		if slices.Contains(matched, id) {
			unexpected = append(unexpected, id)
		}
	}
	if missing != nil {
		problems = append(problems, fmt.Sprintf("missing %v", missing))
	}
	if unexpected != nil {
		problems = append(problems, fmt.Sprintf("unexpected %v", unexpected))
	}
	if out.Log.MatchRegex != "" || out.Log.NoMatchRegex != "" {
		log := crsLog(v)
		if re := out.Log.MatchRegex; re != "" && !regexp.MustCompile(re).MatchString(log) {
			problems = append(problems, fmt.Sprintf("no log line matches %q", re))
		}
		if re := out.Log.NoMatchRegex; re != "" && regexp.MustCompile(re).MatchString(log) {
			problems = append(problems, fmt.Sprintf("a log line matches %q", re))
		}
	}
	if problems == nil {
		return ""
	}
	if v.Err != nil {
		problems = append(problems, fmt.Sprintf("Err %v", v.Err))
	}
	return strings.Join(problems, "; ") + fmt.Sprintf(" (matched %v)", matched)
}

// crsLog renders the Verdict's matches as the error log lines match_regex is written
// for.
func crsLog(v Verdict) string {
	var b strings.Builder
	for _, m := range v.Matched {
		fmt.Fprintf(&b, "[id \"%d\"] [msg %q] [data %q] [severity %q]\n", m.ID, m.Message, m.Data, m.Severity)
	}
	return b.String()
}

// loadKnownFailures reads the list of CRS tests that fail in sidewall for a known
// reason (crstest.ReadKnown).
func loadKnownFailures(tb testing.TB, names ...string) map[string]string {
	tb.Helper()
	known := make(map[string]string)
	for _, name := range names {
		m, err := crstest.ReadKnown(name)
		if err != nil {
			tb.Fatal(err)
		}
		for id, reason := range m {
			if _, dup := known[id]; dup {
				tb.Fatalf("%s: %s is listed in two files", name, id)
			}
			known[id] = reason
		}
	}
	return known
}

// crsClient is the address go-ftw connects from.
var crsClient = netip.MustParseAddr("127.0.0.1")

// wafRequest is the Request go-ftw's request for in becomes, from and to crsClient.
func wafRequest(in crstest.Input) (*Request, error) {
	r, err := in.Request()
	if err != nil {
		return nil, err
	}
	out := &Request{
		ClientAddr: crsClient, ClientPort: 40000,
		ServerAddr: crsClient, ServerPort: in.Port,
		Method: r.Method, URI: r.URI, Proto: r.Proto, Body: r.Body,
	}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, Header(h))
	}
	return out, nil
}

// logCRSSummary logs passed/failed/skipped per rule file and overall, and the skip
// reasons.
func logCRSSummary(t *testing.T, cases []crstest.Case, results []crsResult) {
	var tally crstest.Tally
	body := 0
	for i, c := range cases {
		r := results[i]
		tally.Add(c, r.Result)
		if r.Outcome == crstest.Pass && r.body {
			body++
		}
	}
	var b strings.Builder
	tally.Write(&b, "CRS regression suite, in process (paranoia level 4, detection only)", false)
	fmt.Fprintf(&b, "%d of the passed tests inspect a request body, which nginx's auth_request does not forward", body)
	t.Log(b.String())
}
