//go:build e2e

package e2e

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/crstest"
	"github.com/sidewall/sidewall/internal/stack"
)

var crsFull = flag.Bool("crs.full", false, "TestCRSThroughNginx replays every CRS test, not the subset (also SIDEWALL_CRS=full)")

// crsSite is the test's server block: the shipped body path (sidewall sees the whole
// request, body included) in front of the echo upstream. Only here are the rule ids
// sidewall reported, and whether sidewall answered at all, passed to the client:
// add_header skips a header whose value is empty, so a response without X-Test-Status
// never went through sidewall. Short client timeouts make nginx give up soon on a
// request whose framing promises more than it sends.
const crsSite = `server {
    listen %s;
    client_header_timeout 2s;
    client_body_timeout 2s;
    include sidewall/sidewall-server.conf;
    add_header X-Test-Rules $sidewall_log_rules always;
    add_header X-Test-Status $sidewall_log_status always;
    add_header X-Test-Action $sidewall_log_action always;
    add_header X-Test-Reason $sidewall_log_reason always;
    location / {
        set $sidewall_continue @app;
        include sidewall/sidewall-body.conf;
    }
    location @app {
        include sidewall/sidewall-continue.conf;
        proxy_pass http://%s;
    }
}
`

// Skip reasons through nginx, as the summary counts them. The rejection classes carry
// nginx's status.
const (
	nginxSkipResponse  = "response: needs a response, which an auth_request sidecar never sees"
	nginxSkipWebServer = "web server: expects only a status or an error from the server in front, not the WAF's log"
	nginxSkipRegex     = "log regex only: expects a log line; the runner sees rule ids only"
	nginxRejected      = "rejected by nginx before sidewall: status "
	nginxNoAnswer      = "rejected by nginx before sidewall: connection closed without an answer"
)

// TestCRSThroughNginx replays the CRS regression tests (internal/crstest) on the wire,
// through real nginx and sidewall: each stage's bytes, as go-ftw would send them, go to
// a server block on the shipped body path, and the rule ids sidewall reports for that
// request are judged against expect_ids and no_expect_ids. sidewall runs as TestCRS in
// waf sets up the engine: paranoia level 4, detection only, rule 900005; rate limits and
// the blocklist are off.
//
// A test is skipped, with its reason counted, when it cannot be judged here: the
// response-phase tests, stages that expect only a status of the server in front, stages
// that expect only a log line (match_regex), which rule ids cannot show, and requests
// nginx itself rejects (a malformed request line, a missing Host) before sidewall sees
// them.
//
// By default (make test) it replays a fixed subset: every 4th test by a hash of its id,
// every test of rule files 941 (XSS) and 942 (SQLi) up to 120 each, and every test listed
// in the two known lists. With -crs.full or SIDEWALL_CRS=full (make crs) it replays all
// of them and also fails on an entry of testdata/crs-nginx-known.txt that passes.
//
// It fails on a test that fails through nginx unless it fails in process too
// (waf/testdata/crs-known-failures.txt) or differs through nginx for a reason recorded
// in testdata/crs-nginx-known.txt. Run with -v for the per-file summary.
func TestCRSThroughNginx(t *testing.T) {
	full := *crsFull || os.Getenv("SIDEWALL_CRS") == "full"
	cases, err := crstest.Load()
	if err != nil {
		t.Fatal(err)
	}
	inProcess, err := crstest.ReadKnown(filepath.Join("..", "waf", "testdata", "crs-known-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The tests sidewall's baseline changes on purpose fail the same way through nginx.
	changed, err := crstest.ReadKnown(filepath.Join("..", "waf", "testdata", "crs-sidewall-changes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(inProcess, changed)
	throughNginx, err := crstest.ReadKnown(filepath.Join("testdata", "crs-nginx-known.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !full {
		cases = crsSubset(cases, inProcess, throughNginx)
	}
	site := startCRSStack(t)

	// A few requests in flight keep both nginx and sidewall busy.
	results := crstest.Run(cases, 4, func(c crstest.Case) crstest.Result { return runCRSCaseNginx(site, c) })

	for i, c := range cases {
		r := results[i]
		_, failsInProcess := inProcess[c.ID]
		reason, isKnown := throughNginx[c.ID]
		switch {
		case r.Outcome == crstest.Fail && !isKnown && !failsInProcess:
			t.Errorf("CRS test %s (%s) fails through nginx: %s", c.ID, c.File, r.Detail)
		case full && r.Outcome != crstest.Fail && isKnown:
			t.Errorf("CRS test %s is listed in testdata/crs-nginx-known.txt (%s) but did not fail (%s): remove it from the list",
				c.ID, reason, cmp.Or(r.Detail, "passed"))
		}
	}
	logCRSNginxSummary(t, full, cases, results)
}

// crsSubset is the default run's share of the suite: fixed, so that a failure
// reproduces, and weighted towards the injection rules whose inputs nginx is most likely
// to change on the way (URI decoding, header folding).
func crsSubset(cases []crstest.Case, known ...map[string]string) []crstest.Case {
	perFile := make(map[string]int)
	return slices.DeleteFunc(cases, func(c crstest.Case) bool {
		for _, k := range known {
			if _, ok := k[c.ID]; ok {
				return false
			}
		}
		if strings.Contains(c.File, "-941-") || strings.Contains(c.File, "-942-") {
			perFile[c.File]++
			if perFile[c.File] <= 120 {
				return false
			}
		}
		return crc32.ChecksumIEEE([]byte(c.ID))%4 != 0
	})
}

// startCRSStack starts a sidewall with the CRS test setup and an nginx in front of it
// serving crsSite, and returns the site's address.
func startCRSStack(t *testing.T) string {
	t.Helper()
	swAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stack.ProjectConfig(swAddr)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []struct{ section, key, value string }{
		{"waf", "mode", `"detect"`},
		{"waf", "paranoia_level", "4"},
		{"waf", "before_crs", strconv.Quote(crstest.Setup)},
		{"ratelimit", "enabled", "false"},
		{"blocklist", "entries", "[]"},
	} {
		if cfg, err = setTOMLKey(cfg, kv.section, kv.key, kv.value); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sw, err := stack.StartSidewall(ctx, env.bin, cfgPath, swAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Stop() })
	listen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ngx, err := stack.StartNginx(ctx, stack.NginxOptions{
		Dir: filepath.Join(dir, "nginx"), Sidewall: swAddr, App: env.app.Addr, NoExampleSite: true,
		Servers: []string{fmt.Sprintf(crsSite, listen, env.app.Addr)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ngx.Stop() })
	return listen
}

// setTOMLKey replaces the value of key in [section] of a TOML text written as
// config.toml is (one key per line; an array may span lines up to a line "]").
func setTOMLKey(text, section, key, value string) (string, error) {
	lines := strings.SplitAfter(text, "\n")
	in := false
	for i, l := range lines {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "[") {
			in = trimmed == "["+section+"]"
			continue
		}
		if !in || !strings.HasPrefix(trimmed, key+" = ") {
			continue
		}
		end := i
		if strings.HasSuffix(trimmed, "[") {
			for end < len(lines) && strings.TrimSpace(lines[end]) != "]" {
				end++
			}
		}
		out := slices.Concat(lines[:i], []string{key + " = " + value + "\n"}, lines[min(end+1, len(lines)):])
		return strings.Join(out, ""), nil
	}
	return "", fmt.Errorf("config.toml: no key %s in [%s]", key, section)
}

func TestSetTOMLKey(t *testing.T) {
	const in = "[a]\nk = 1\nlist = [\n  \"x\",\n]\n[b]\nk = 2\n"
	tests := []struct{ section, key, value, want string }{
		{"a", "k", "3", "[a]\nk = 3\nlist = [\n  \"x\",\n]\n[b]\nk = 2\n"},
		{"b", "k", "3", "[a]\nk = 1\nlist = [\n  \"x\",\n]\n[b]\nk = 3\n"},
		{"a", "list", "[]", "[a]\nk = 1\nlist = []\n[b]\nk = 2\n"},
		{"b", "list", "[]", ""},
	}
	for _, tc := range tests {
		got, err := setTOMLKey(in, tc.section, tc.key, tc.value)
		if tc.want == "" {
			if err == nil {
				t.Errorf("[%s] %s: no error", tc.section, tc.key)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("[%s] %s = %s: got %q, %v; want %q", tc.section, tc.key, tc.value, got, err, tc.want)
		}
	}
}

// runCRSCaseNginx sends every stage of c that checks the WAF's log and judges the test
// as a whole, as TestCRS does: it fails if a stage fails, is skipped if no stage could be
// judged, and passes otherwise.
func runCRSCaseNginx(site string, c crstest.Case) crstest.Result {
	// RESPONSE-980 is not about responses: 980170 reports the inbound score in phase 5.
	if strings.HasPrefix(c.File, "RESPONSE-95") {
		return crstest.Result{Outcome: crstest.Skip, Detail: nginxSkipResponse}
	}
	res := crstest.Result{Outcome: crstest.Skip, Detail: nginxSkipWebServer}
	for i, s := range c.Stages {
		if !s.Output.ChecksLog() {
			continue
		}
		if len(s.Output.Log.ExpectIDs) == 0 && len(s.Output.Log.NoExpectIDs) == 0 {
			if res.Outcome == crstest.Skip {
				res.Detail = nginxSkipRegex
			}
			continue
		}
		stage := ""
		if len(c.Stages) > 1 {
			stage = fmt.Sprintf("stage %d: ", i+1)
		}
		wire, err := s.Input.Wire()
		if err != nil {
			return crstest.Result{Outcome: crstest.Fail, Detail: stage + err.Error()}
		}
		a, err := sendRaw(site, wire)
		switch {
		case errors.Is(err, errNoAnswer):
			if res.Outcome == crstest.Skip {
				res.Detail = nginxNoAnswer
			}
			continue
		case err != nil:
			return crstest.Result{Outcome: crstest.Fail, Detail: stage + err.Error()}
		case !a.sidewall && a.status >= 400 && a.status != http.StatusServiceUnavailable:
			if res.Outcome == crstest.Skip {
				res.Detail = nginxRejected + strconv.Itoa(a.status)
			}
			continue
		case !a.sidewall:
			return crstest.Result{Outcome: crstest.Fail, Detail: fmt.Sprintf("%sstatus %d without an answer from sidewall", stage, a.status)}
		}
		if msg := checkIDs(a.rules, s.Output); msg != "" {
			if a.action != "" {
				msg += ", sidewall: " + a.action
			}
			return crstest.Result{Outcome: crstest.Fail, Detail: fmt.Sprintf("%s%s; status %d", stage, msg, a.status)}
		}
		res = crstest.Result{Outcome: crstest.Pass}
	}
	return res
}

// answer is what the runner reads of nginx's response.
type answer struct {
	status   int
	sidewall bool   // sidewall answered nginx (X-Test-Status was set)
	rules    []int  // the rule ids sidewall reported (X-Test-Rules)
	action   string // sidewall's action and reason, if any (X-Test-Action, X-Test-Reason)
}

var errNoAnswer = errors.New("connection closed without an answer")

// sendRaw writes wire to a new connection to site and reads the response header.
func sendRaw(site string, wire []byte) (answer, error) {
	conn, err := net.DialTimeout("tcp", site, 5*time.Second)
	if err != nil {
		return answer{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(wire); err != nil {
		return answer{}, fmt.Errorf("%w: write: %v", errNoAnswer, err)
	}
	// Only the status line and header are read: the body (if any) does not matter, and
	// the answer to a HEAD has none whatever its Content-Length says.
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return answer{}, fmt.Errorf("%w: %v", errNoAnswer, err)
	}
	a := answer{
		status:   resp.StatusCode,
		sidewall: resp.Header.Get("X-Test-Status") != "",
		action:   strings.TrimSpace(resp.Header.Get("X-Test-Action") + " " + resp.Header.Get("X-Test-Reason")),
	}
	for f := range strings.SplitSeq(resp.Header.Get("X-Test-Rules"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.Atoi(f)
		if err != nil {
			return answer{}, fmt.Errorf("X-Test-Rules %q: %v", resp.Header.Get("X-Test-Rules"), err)
		}
		a.rules = append(a.rules, id)
	}
	return a, nil
}

// checkIDs returns what is wrong with the reported ids for a stage expecting out, or "".
func checkIDs(got []int, out crstest.Output) string {
	var missing, unexpected []int
	for _, id := range out.Log.ExpectIDs {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	for _, id := range out.Log.NoExpectIDs {
		if slices.Contains(got, id) {
			unexpected = append(unexpected, id)
		}
	}
	var problems []string
	if missing != nil {
		problems = append(problems, fmt.Sprintf("missing %v", missing))
	}
	if unexpected != nil {
		problems = append(problems, fmt.Sprintf("unexpected %v", unexpected))
	}
	if problems == nil {
		return ""
	}
	return strings.Join(problems, "; ") + fmt.Sprintf(" (reported %v)", got)
}

// logCRSNginxSummary logs passed/failed/skipped per rule file and overall, every skipped
// test under its reason, and every failure with its cause.
func logCRSNginxSummary(t *testing.T, full bool, cases []crstest.Case, results []crstest.Result) {
	var tally crstest.Tally
	for i, c := range cases {
		tally.Add(c, results[i])
	}
	which := "a subset (-crs.full for all)"
	if full {
		which = "all tests"
	}
	var b strings.Builder
	tally.Write(&b, "CRS regression suite through nginx and sidewall, "+which+" (paranoia level 4, detection only)", true)
	t.Log(b.String())
}
