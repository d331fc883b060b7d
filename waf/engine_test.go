package waf

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// lazyEngine builds an Engine the first time a test asks for it and shares it with every
// later test and benchmark in the binary: loading the CRS is the slow part of these tests.
type lazyEngine struct {
	opts Options
	once sync.Once
	e    *Engine
	err  error
}

func (l *lazyEngine) get(tb testing.TB) *Engine {
	tb.Helper()
	l.once.Do(func() { l.e, l.err = New(l.opts) })
	if l.err != nil {
		tb.Fatalf("New(%+v): %v", l.opts, l.err)
	}
	return l.e
}

var (
	pl1       = &lazyEngine{}
	detection = &lazyEngine{opts: Options{DetectionOnly: true}}
	no942100  = &lazyEngine{opts: Options{RemoveRuleIDs: []int{942100}}}
	lenient   = &lazyEngine{opts: Options{InboundAnomalyThreshold: 10}}
	// allowedMethods shows what BeforeCRS is for: the CRS reads tx.allowed_methods in its
	// first rules, so only SecLang loaded before it can change it.
	allowedMethods = &lazyEngine{opts: Options{BeforeCRS: `SecAction "id:900200,phase:1,pass,t:none,nolog,` +
		`setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE PROPFIND'"`}}
	smallBody = &lazyEngine{opts: Options{BodyLimit: 64}}
	withFiles = &lazyEngine{opts: Options{RuleFiles: []string{abs("testdata/rules/*.conf")}}}
)

// abs makes a testdata path absolute, as Options.RuleFiles requires.
func abs(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		panic(err) // only if the working directory is gone
	}
	return p
}

var client = netip.MustParseAddr("192.0.2.10")

// browserHeaders are what a current Firefox sends for a page load.
func browserHeaders() []Header {
	return []Header{
		{"Host", "www.example.com"},
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
		{"Accept-Language", "en-US,en;q=0.5"},
		{"Accept-Encoding", "gzip, deflate, br, zstd"},
		{"Cookie", "session=8c1f3e2a9b7d4c6e; theme=dark"},
	}
}

func get(uri string) *Request {
	return &Request{
		ID:         "test-" + uri,
		ClientAddr: client, ClientPort: 51000,
		Method: "GET", URI: uri, Proto: "HTTP/1.1",
		Headers: browserHeaders(),
	}
}

func withHeader(r *Request, name, value string) *Request {
	r.Headers = append(r.Headers, Header{name, value})
	return r
}

// post is a browser POST with a body, its Content-Type and Content-Length.
func post(uri, contentType, body string) *Request {
	r := get(uri)
	r.Method = "POST"
	r.Body = []byte(body)
	r.Headers = append(r.Headers,
		Header{"Content-Type", contentType},
		Header{"Content-Length", strconv.Itoa(len(body))})
	return r
}

const (
	formType = "application/x-www-form-urlencoded"
	jsonType = "application/json"
)

// want describes the Verdict a case expects. Rules lists ids or id prefixes ("942")
// that must be among Verdict.Matched; Absent lists ids that must not be.
type want struct {
	Interrupted    bool
	WouldInterrupt bool
	Status         int
	NoMatches      bool
	Rules          []string
	Absent         []int
	MinScore       int
	DataContains   string // some Match.Data must contain it
}

func TestInspect(t *testing.T) {
	sqli := "/?id=1%27%20OR%20%271%27%3D%271"
	tests := []struct {
		name   string
		engine *lazyEngine
		req    *Request
		want   want
	}{
		{"benign GET", pl1, get("/"), want{NoMatches: true}},
		{"benign GET with query", pl1, get("/search?q=red+running+shoes&page=2&sort=price_asc"), want{NoMatches: true}},
		{"benign GET without an ID", pl1, func() *Request { r := get("/about"); r.ID = ""; return r }(), want{NoMatches: true}},
		{"benign GET over HTTP/2", pl1, func() *Request { r := get("/"); r.Proto = "HTTP/2.0"; return r }(), want{NoMatches: true}},
		{"benign GET from IPv4-mapped IPv6", pl1, func() *Request {
			r := get("/")
			r.ClientAddr = netip.AddrFrom16(client.As16())
			return r
		}(), want{NoMatches: true}},
		{"SQLi in query", pl1, get(sqli), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942", "949110"}, MinScore: 5,
			DataContains: "ARGS:id"}},
		{"XSS in query", pl1, get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"941", "949110"}, MinScore: 5}},
		{"benign urlencoded POST", pl1, post("/login", formType, "email=jane%40example.com&password=correct+horse&remember=on"),
			want{NoMatches: true}},
		{"benign JSON POST", pl1, post("/api/orders", jsonType, `{"sku":"TSHIRT-RED-M","qty":2,"note":"Leave it at the door, please."}`),
			want{NoMatches: true}},
		{"SQLi in urlencoded body", pl1, post("/login", formType, "email=1%27%20OR%20%271%27%3D%271&password=x"), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942", "949110"}, MinScore: 5,
			DataContains: "ARGS:email"}},
		// ARGS:json.* proves the JSON body processor (chosen by coraza.conf-recommended
		// from the Content-Type) parsed the body.
		{"SQLi in JSON body", pl1, post("/api/login", jsonType, `{"user":"1' OR '1'='1","password":"x"}`), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942", "949110"}, MinScore: 5,
			DataContains: "ARGS:json.user"}},
		{"DetectionOnly reports but allows SQLi", detection, get(sqli), want{
			WouldInterrupt: true, Rules: []string{"942100", "949110"}, MinScore: 5}},
		{"DetectionOnly benign GET", detection, get("/"), want{NoMatches: true}},
		{"RemoveRuleIDs removes the rule", no942100, get(sqli), want{Absent: []int{942100, 949110}}},
		{"higher threshold lets one critical match through", lenient, get(sqli), want{
			Rules: []string{"942100"}, Absent: []int{949110}, MinScore: 5}},
		{"higher threshold still blocks several matches", lenient, get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"941", "949110"}, MinScore: 10}},
		// sidewall's baseline admits REST's PUT, PATCH and DELETE besides the CRS's GET,
		// HEAD, POST and OPTIONS; WebDAV's PROPFIND is denied until BeforeCRS widens it.
		{"DELETE allowed by sidewall's baseline", pl1, func() *Request { r := get("/api/items/7"); r.Method = "DELETE"; return r }(),
			want{NoMatches: true}},
		{"PROPFIND denied by default", pl1, func() *Request { r := get("/dav/"); r.Method = "PROPFIND"; return r }(), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"911100", "949110"}}},
		{"PROPFIND allowed through BeforeCRS", allowedMethods, func() *Request { r := get("/dav/"); r.Method = "PROPFIND"; return r }(),
			want{NoMatches: true}},
		{"body over SecRequestBodyLimit", smallBody, post("/upload", formType, "a="+strings.Repeat("b", 100)), want{
			Interrupted: true, WouldInterrupt: true, Status: 413}},
		{"rule files leave a benign request alone", withFiles, withHeader(get("/"), "X-Probe", "1"), want{NoMatches: true}},
		{"site rule from a rule file, with its data file, denies in phase 1", withFiles, func() *Request {
			r := get("/")
			r.Headers[1].Value = "Mozilla/5.0 (compatible; EvilScan/2.0)"
			return r
		}(), want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"10001"}, DataContains: "evilscan"}},
		{"exclusion from a rule file", withFiles, get("/report?sql=1%27%20OR%20%271%27%3D%271"), want{NoMatches: true}},
		{"exclusion is for one parameter only", withFiles, get("/report?q=1%27%20OR%20%271%27%3D%271"), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942100", "949110"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.engine.get(t).Inspect(tc.req)
			checkVerdict(t, v, tc.want)
		})
	}
}

// checkVerdict is the one assertion helper of the table tests.
func checkVerdict(t *testing.T, v Verdict, w want) {
	t.Helper()
	if v.Err != nil {
		t.Errorf("Err = %v", v.Err)
	}
	if v.Interrupted != w.Interrupted || v.WouldInterrupt != w.WouldInterrupt || v.Status != w.Status {
		t.Errorf("Interrupted, WouldInterrupt, Status = %v, %v, %d; want %v, %v, %d",
			v.Interrupted, v.WouldInterrupt, v.Status, w.Interrupted, w.WouldInterrupt, w.Status)
	}
	if w.NoMatches && (v.Matched != nil || v.Score != 0) {
		t.Errorf("Matched = %v, Score = %d; want none", ids(v.Matched), v.Score)
	}
	for _, r := range w.Rules {
		if !slices.ContainsFunc(v.Matched, func(m Match) bool { return strings.HasPrefix(strconv.Itoa(m.ID), r) }) {
			t.Errorf("Matched = %v; want a rule %s...", ids(v.Matched), r)
		}
	}
	for _, id := range w.Absent {
		if slices.ContainsFunc(v.Matched, func(m Match) bool { return m.ID == id }) {
			t.Errorf("Matched = %v; want no %d", ids(v.Matched), id)
		}
	}
	if v.Score < w.MinScore {
		t.Errorf("Score = %d; want at least %d", v.Score, w.MinScore)
	}
	if w.DataContains != "" && !slices.ContainsFunc(v.Matched, func(m Match) bool {
		return strings.Contains(strings.ToLower(m.Data), strings.ToLower(w.DataContains))
	}) {
		t.Errorf("Matched = %+v; want a Data containing %q", v.Matched, w.DataContains)
	}
	if !slices.IsSortedFunc(v.Matched, func(a, b Match) int { return a.ID - b.ID }) ||
		len(slices.CompactFunc(slices.Clone(v.Matched), func(a, b Match) bool { return a.ID == b.ID })) != len(v.Matched) {
		t.Errorf("Matched ids %v are not sorted and unique", ids(v.Matched))
	}
	for _, m := range v.Matched {
		// A bookkeeping rule (nolog) in the list would mean Log() was not honoured.
		if m.ID >= 900000 && m.ID < 901999 {
			t.Errorf("Matched contains CRS setup rule %d", m.ID)
		}
	}
}

func ids(ms []Match) []int {
	out := make([]int, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func TestMatchFields(t *testing.T) {
	v := pl1.get(t).Inspect(get("/?id=1%27%20OR%20%271%27%3D%271"))
	i := slices.IndexFunc(v.Matched, func(m Match) bool { return m.ID == 942100 })
	if i < 0 {
		t.Fatalf("Matched = %v; want 942100", ids(v.Matched))
	}
	m := v.Matched[i]
	if m.Message != "SQL Injection Attack Detected via libinjection" || m.Severity != "critical" ||
		!strings.Contains(m.Data, "1' OR '1'='1") {
		t.Errorf("942100 = %+v", m)
	}
	i = slices.IndexFunc(v.Matched, func(m Match) bool { return m.ID == 949110 })
	if i < 0 || !strings.Contains(v.Matched[i].Message, "Total Score: 5") || v.Matched[i].Severity != "" {
		t.Errorf("Matched = %+v; want 949110 with Total Score: 5 and no severity", v.Matched)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string // substrings of the error
	}{
		{"paranoia level too high", Options{ParanoiaLevel: 7}, []string{"paranoia level 7"}},
		{"paranoia level negative", Options{ParanoiaLevel: -1}, []string{"paranoia level -1"}},
		{"negative threshold", Options{InboundAnomalyThreshold: -5}, []string{"threshold -5"}},
		{"rule id zero", Options{RemoveRuleIDs: []int{942100, 0}}, []string{"rule id 0"}},
		{"rule id that does not exist", Options{RemoveRuleIDs: []int{942100, 942999}}, []string{"RemoveRuleIDs", "no rule 942999"}},
		{"every bad option at once", Options{ParanoiaLevel: 9, RuleFiles: []string{"rules.conf"}},
			[]string{"paranoia level 9", `"rules.conf" is not an absolute path`}},
		{"missing rule file", Options{RuleFiles: []string{"/nonexistent/sidewall/rules.conf"}},
			[]string{`rule file "/nonexistent/sidewall/rules.conf"`, "no such file"}},
		{"glob matching nothing", Options{RuleFiles: []string{abs("testdata/rules/*.nothing")}}, []string{"no file matches"}},
		{"bad SecLang in a rule file", Options{RuleFiles: []string{abs("testdata/rules/custom.conf"), abs("testdata/invalid/unknown-directive.conf")}},
			[]string{`rule file "` + abs("testdata/invalid/unknown-directive.conf") + `"`, `unknown directive "secruleengin"`}},
		{"unknown directive", Options{Directives: "SecRuleEngine On\nSecFoo bar"}, []string{"Directives", `unknown directive "secfoo"`}},
		{"bad regular expression", Options{Directives: `SecRule ARGS "@rx (" "id:10002,phase:1,deny"`},
			[]string{"Directives", "error parsing regexp"}},
		{"duplicate rule id in BeforeCRS", Options{BeforeCRS: `SecAction "id:900110,phase:1,pass,nolog"`},
			[]string{"BeforeCRS", "duplicated rule id 900110"}},
		{"body limit below in-memory limit", Options{Directives: "SecRequestBodyLimit 64"}, []string{"Directives", "limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := New(tc.opts)
			if err == nil {
				e.Close()
				t.Fatal("New succeeded; want an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "waf: ") {
				t.Errorf("error %q does not start with \"waf: \"", msg)
			}
			for _, s := range tc.want {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not contain %q", msg, s)
				}
			}
		})
	}
}

func TestRuleCount(t *testing.T) {
	all, removed := pl1.get(t).RuleCount(), no942100.get(t).RuleCount()
	if all < 500 || removed != all-1 {
		t.Errorf("RuleCount = %d, and %d with one rule removed", all, removed)
	}
}

// TestReloadSeesEditedDataFile is the reload sequence: build a new Engine from edited
// files while the old one is still serving. Coraza caches @pmFromFile matchers by path
// across WAFs; without rulesFS's per-build prefix the new Engine would match the old list.
func TestReloadSeesEditedDataFile(t *testing.T) {
	dir := t.TempDir()
	conf, data := filepath.Join(dir, "agents.conf"), filepath.Join(dir, "agents.data")
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(conf, `SecRule REQUEST_HEADERS:User-Agent "@pmFromFile agents.data" "id:10001,phase:1,deny,log"`+"\n")
	ua := func(ua string) *Request { r := get("/"); r.Headers[1].Value = ua; return r }

	write(data, "oldscanner\n")
	old, err := New(Options{RuleFiles: []string{conf}})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	write(data, "newscanner\n")
	cur, err := New(Options{RuleFiles: []string{conf}})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()

	for _, tc := range []struct {
		name   string
		e      *Engine
		ua     string
		denied bool
	}{
		{"old engine, old list", old, "oldscanner/1.0", true},
		{"new engine, old list", cur, "oldscanner/1.0", false},
		{"new engine, new list", cur, "newscanner/1.0", true},
	} {
		if got := tc.e.Inspect(ua(tc.ua)).Interrupted; got != tc.denied {
			t.Errorf("%s: Interrupted = %v; want %v", tc.name, got, tc.denied)
		}
	}
}

// TestVerdictOwnsItsMemory feeds Inspect strings that are views of a buffer, as the
// server does with fasthttp's, and overwrites the buffer afterwards: the Verdict must
// not change. Nor may it when the next requests reuse the pooled Coraza transaction,
// whose matched rules live in memory it keeps (third_party/coraza/SIDEWALL.md).
func TestVerdictOwnsItsMemory(t *testing.T) {
	e := pl1.get(t)
	buf := []byte("/?id=1%27%20OR%20%271%27%3D%271")
	req := get(unsafe.String(&buf[0], len(buf)))
	v := e.Inspect(req)
	before := cloneMatches(v.Matched)
	for i := range buf {
		buf[i] = 'X'
	}
	if !reflect.DeepEqual(before, v.Matched) || len(before) == 0 {
		t.Errorf("Matched changed with the request buffer:\n%+v\n%+v", before, v.Matched)
	}
	for range 3 {
		if e.Inspect(get("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")).Matched == nil {
			t.Fatal("the XSS request matched nothing")
		}
	}
	if !reflect.DeepEqual(before, v.Matched) {
		t.Errorf("Matched changed with the next requests:\n%+v\n%+v", before, v.Matched)
	}
	if !slices.ContainsFunc(v.Matched, func(m Match) bool { return slices.Contains(m.Vars, "ARGS:id") }) {
		t.Errorf("no match names the variable ARGS:id: %+v", v.Matched)
	}
}

// cloneMatches copies ms deeply, strings included (they may be views the test mutates).
func cloneMatches(ms []Match) []Match {
	out := make([]Match, len(ms))
	for i, m := range ms {
		m.Message, m.Data = strings.Clone(m.Message), strings.Clone(m.Data)
		vars := make([]string, len(m.Vars))
		for j, v := range m.Vars {
			vars[j] = strings.Clone(v)
		}
		m.Vars = vars
		out[i] = m
	}
	return out
}

// TestInspectConcurrent runs benign and attack requests from several goroutines; with
// -race it also checks that Inspect shares nothing mutable between calls.
func TestInspectConcurrent(t *testing.T) {
	e := pl1.get(t)
	reqs := []*Request{get("/"), get("/?id=1%27%20OR%20%271%27%3D%271"), post("/login", formType, "user=jane&pw=x")}
	want := make([]Verdict, len(reqs))
	for i, r := range reqs {
		want[i] = e.Inspect(r)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				k := (g + i) % len(reqs)
				v := e.Inspect(reqs[k])
				if v.Interrupted != want[k].Interrupted || !slices.Equal(ids(v.Matched), ids(want[k].Matched)) {
					t.Errorf("request %d: got %v %v, want %v %v", k, v.Interrupted, ids(v.Matched), want[k].Interrupted, ids(want[k].Matched))
				}
			}
		})
	}
	wg.Wait()
}

func TestAddrString(t *testing.T) {
	tests := []struct {
		in   netip.Addr
		want string
	}{
		{netip.Addr{}, ""},
		{netip.MustParseAddr("192.0.2.1"), "192.0.2.1"},
		{netip.MustParseAddr("::ffff:192.0.2.1"), "192.0.2.1"},
		{netip.MustParseAddr("2001:db8::1"), "2001:db8::1"},
	}
	for _, tc := range tests {
		if got := addrString(tc.in); got != tc.want {
			t.Errorf("addrString(%v) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestCRSName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"@owasp_crs/REQUEST-901-INITIALIZATION.conf", "@owasp_crs/REQUEST-901-INITIALIZATION.conf", true},
		{"@coraza.conf-recommended", "@coraza.conf-recommended", true},
		{"/etc/sidewall/@owasp_crs/x.conf", "@owasp_crs/x.conf", true},
		{"/etc/sidewall/rules.conf", "", false},
		{"/home/a@b/rules.conf", "", false},
	}
	for _, tc := range tests {
		got, ok := crsName(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("crsName(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// FuzzInspect checks that no request makes Inspect panic or return a malformed Verdict.
func FuzzInspect(f *testing.F) {
	f.Add("GET", "/", "Host", "example.com", "")
	f.Add("GET", "/?id=1%27%20OR%20%271%27%3D%271", "User-Agent", "curl/8", "")
	f.Add("POST", "/login", "Content-Type", "application/json", `{"a":[1,{"b":"<script>"}]}`)
	f.Add("POST", "/login", "Content-Type", "application/x-www-form-urlencoded", "a=%zz&&=&b")
	f.Add("POST", "/up", "Content-Type", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--x--")
	f.Add("GET", "/%00\x7f?\x00=\n", "\x00", "\r\n", "")
	f.Fuzz(func(t *testing.T, method, uri, hname, hvalue, body string) {
		r := &Request{Method: method, URI: uri, Proto: "HTTP/1.1", ClientAddr: client,
			Headers: []Header{{"Host", "example.com"}, {hname, hvalue}}}
		if body != "" {
			r.Body = []byte(body)
		}
		v := pl1.get(t).Inspect(r)
		if v.Interrupted && (v.Status == 0 || !v.WouldInterrupt) {
			t.Errorf("Verdict %+v: interrupted without a status or WouldInterrupt", v)
		}
		if !slices.IsSortedFunc(v.Matched, func(a, b Match) int { return a.ID - b.ID }) {
			t.Errorf("Matched ids %v not sorted", ids(v.Matched))
		}
	})
}
