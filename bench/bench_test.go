package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the suite's helper processes, as the bench
// binary does (startHelper runs os.Executable again with roleEnv set).
func TestMain(m *testing.M) {
	if role := os.Getenv(roleEnv); role != "" {
		os.Exit(runHelper(role, os.Getenv(addrEnv), os.Stderr))
	}
	os.Exit(m.Run())
}

func TestCorpusFiles(t *testing.T) {
	for _, k := range []kind{kindGet, kindPost, kindAttack} {
		reqs, err := loadCorpus(".", k)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			name := string(k) + " " + r.Target
			var host, ua bool
			for _, h := range r.Header {
				host = host || strings.HasPrefix(h, "Host: shop.example.com")
				ua = ua || strings.HasPrefix(h, "User-Agent: ")
			}
			if !host || !ua {
				t.Errorf("%s: needs a named Host and a User-Agent, as a browser sends", name)
			}
			switch {
			case k == kindPost && (r.Method != "POST" || len(r.Body) < 700 || len(r.Body) > 1500):
				t.Errorf("%s: want a POST of about 1 KB, got %s with %d bytes", name, r.Method, len(r.Body))
			case k != kindPost && (r.Method != "GET" || r.Body != ""):
				t.Errorf("%s: want a GET without body", name)
			}
		}
	}
}

func TestParseCorpus(t *testing.T) {
	tests := []struct {
		name, text string
		want       []corpusRequest
		err        bool
	}{
		{name: "one", text: "# c\nGET /a?b=1\nHost: h\n",
			want: []corpusRequest{{Method: "GET", Target: "/a?b=1", Header: []string{"Host: h"}}}},
		{name: "body and second", text: "POST /p\nHost: h\n\nx=1\n###\n# c\nGET /\nHost: h",
			want: []corpusRequest{
				{Method: "POST", Target: "/p", Header: []string{"Host: h"}, Body: "x=1"},
				{Method: "GET", Target: "/", Header: []string{"Host: h"}}}},
		{name: "bad request line", text: "GET\nHost: h\n", err: true},
		{name: "bad header", text: "GET /\nHost h\n", err: true},
		{name: "empty", text: "# only a comment\n", err: true},
	}
	for _, tt := range tests {
		got, err := parseCorpus("t.http", tt.text)
		if (err != nil) != tt.err {
			t.Errorf("%s: err = %v", tt.name, err)
			continue
		}
		if !tt.err && !equalJSON(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestRawRequest(t *testing.T) {
	r := corpusRequest{Method: "POST", Target: "/p", Header: []string{"Host: h"}, Body: "a=1"}
	got := r.raw(netip.MustParseAddr("192.0.2.1"))
	want := "POST /p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 192.0.2.1\r\nContent-Length: 3\r\n\r\na=1"
	if got != want {
		t.Errorf("raw = %q, want %q", got, want)
	}
}

func TestLuaQuote(t *testing.T) {
	tests := map[string]string{
		"GET / HTTP/1.1\r\n\r\n": `"GET / HTTP/1.1\013\010\013\010"`,
		`a"b\c`:                  `"a\"b\\c"`,
		"é":                      `"\195\169"`,
	}
	for in, want := range tests {
		if got := luaQuote(in); got != want {
			t.Errorf("luaQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestClientAddrs(t *testing.T) {
	addrs := clientAddrs(distinctAddrs)
	seen := map[netip.Addr]bool{}
	var v6 int
	for _, a := range addrs {
		if seen[a] {
			t.Errorf("%s twice", a)
		}
		seen[a] = true
		if a.Is6() {
			v6++
		}
		if netip.MustParsePrefix("203.0.113.0/24").Contains(a) || netip.MustParsePrefix("2001:db8:bad::/48").Contains(a) {
			t.Errorf("%s is on the bench blocklist", a)
		}
	}
	if v6 == 0 || v6 == len(addrs) {
		t.Errorf("%d of %d addresses are IPv6; want a mix", v6, len(addrs))
	}
}

func TestParseStat(t *testing.T) {
	line := "4242 (nginx: worker (x)) S 4241 4241 4241 0 -1 4194624 100 0 0 0 1234 567 0 0 20 0 1 0 100 0 0"
	st, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.ppid != 4241 || st.ticks != 1234+567 {
		t.Errorf("got %+v, want ppid 4241 and 1801 ticks", st)
	}
	if _, err := parseStat([]byte("4242 (x) S 1")); err == nil {
		t.Error("short stat accepted")
	}
	self, err := readStat(os.Getpid())
	if err != nil || self.ppid != os.Getppid() {
		t.Errorf("own stat: %+v, %v", self, err)
	}
	if m, err := readMemory(os.Getpid()); err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("own memory: %+v, %v", m, err)
	}
}

func TestParseWrk(t *testing.T) {
	out := "Running 1s test @ http://127.0.0.1:1/\n" +
		`BENCH {"requests":1000,"duration_us":500000,"bytes":1,"connect":1,"read":2,"write":3,"status":10,"timeout":4,"p50_us":100,"p90_us":200,"p99_us":300,"max_us":400,"mean_us":120.5}` + "\n"
	r, err := parseWrk([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.RPS() != 2000 || r.SocketErrors() != 10 || r.Status != 10 || r.P99US != 300 {
		t.Errorf("got %+v", r)
	}
	if _, err := parseWrk([]byte("unable to connect\n")); err == nil {
		t.Error("output without summary accepted")
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestCompute checks the ratios on fixed samples: per-round ratios, then their median.
func TestCompute(t *testing.T) {
	sel, err := selectMeasurements([]string{"sidewall/get", "modsec/get"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReport(defaultOptions(), sel)
	set := func(id string, rps ...float64) {
		for i, v := range rps {
			r.row(id).Samples = append(r.row(id).Samples, sample{Round: i + 1, RPS: v, Requests: int64(v),
				NginxUS: 10, CheckerUS: v / 10})
		}
	}
	set("baseline/get", 1000, 2000, 1000)
	set("authnop/get", 500, 1200, 600)
	set("sidewall/get", 100, 300, 100)
	set("modsec/get", 50, 100, 100)
	r.compute()
	sw := r.row("sidewall/get").Sum
	// Rounds: 100/1000, 300/2000, 100/1000 -> 0.1, 0.15, 0.1.
	if sw.VsBaseline == nil || *sw.VsBaseline != 0.1 || *sw.VsBaselineMax != 0.15 {
		t.Errorf("sidewall to baseline = %v (max %v), want 0.1 (max 0.15)", sw.VsBaseline, sw.VsBaselineMax)
	}
	// 100/500, 300/1200, 100/600 -> 0.2, 0.25, 0.1667.
	if sw.VsFloor == nil || *sw.VsFloor != 0.2 {
		t.Errorf("sidewall to responder = %v, want 0.2", sw.VsFloor)
	}
	if sw.RPS != 100 || sw.RPSMin != 100 || sw.RPSMax != 300 {
		t.Errorf("rps %v (%v-%v), want 100 (100-300)", sw.RPS, sw.RPSMin, sw.RPSMax)
	}
	if len(r.Compare) != 1 || r.Compare[0].Kind != kindGet {
		t.Fatalf("comparisons: %+v", r.Compare)
	}
	// Throughput 100/50, 300/100, 100/100 -> 2, 3, 1: median 2. CPU, medians of
	// nginx+checker: sidewall 20, 40, 20 -> 20; ModSecurity 15, 20, 20 -> 20.
	c := r.Compare[0]
	if c.Throughput == nil || *c.Throughput != 2 || c.CPU == nil || *c.CPU != 1 {
		t.Errorf("sidewall/ModSecurity: throughput %v, CPU %v", c.Throughput, c.CPU)
	}
	var md bytes.Buffer
	r.markdown(&md)
	if !strings.Contains(md.String(), "| benign GET | 2.00 | 1.00 |") {
		t.Errorf("comparison table missing:\n%s", md.String())
	}
	checkXML(t, []byte(r.chart()))
}

func TestSelectMeasurements(t *testing.T) {
	tests := []struct {
		only []string
		want string
	}{
		{nil, "baseline/get baseline/post authnop/get bodynop/post lite/get literedis/get sidewall/get sidewall/post sidewall/attack limitreq/get modsec/get modsec/post modsec/attack"},
		{[]string{"baseline"}, "baseline/get baseline/post"},
		{[]string{"sidewall/post"}, "baseline/post bodynop/post sidewall/post"},
		{[]string{"limitreq"}, "baseline/get limitreq/get"},
		{[]string{"modsec/attack"}, "baseline/get authnop/get modsec/attack"},
	}
	for _, tt := range tests {
		sel, err := selectMeasurements(tt.only)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range sel {
			ids = append(ids, m.ID)
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("%v: got %s, want %s", tt.only, got, tt.want)
		}
	}
	if _, err := selectMeasurements([]string{"nothing"}); err == nil {
		t.Error("unknown id accepted")
	}
}

// TestModSecRules checks the rules file built from Debian's packages, where they are
// installed (the full suite installs them; the smoke test does not need them).
func TestModSecRules(t *testing.T) {
	if _, err := os.Stat(modsecConf); err != nil {
		t.Skip("Debian's ModSecurity packages are not installed")
	}
	if _, err := os.Stat(crsLoad); err != nil {
		t.Skip("modsecurity-crs is not installed")
	}
	path, err := writeModSecRules(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	text := string(b)
	for _, want := range []string{"SecRuleEngine On", "SecResponseBodyAccess Off", "Include /usr/share/modsecurity-crs/rules/*.conf"} {
		if !strings.Contains(text, want) {
			t.Errorf("rules file lacks %q", want)
		}
	}
	if strings.Contains(text, "IncludeOptional") || strings.Contains(text, "/var/log/nginx/") {
		t.Error("rules file keeps IncludeOptional or Debian's log path")
	}
}

func TestBucketize(t *testing.T) {
	start := time.Unix(1000, 0)
	stamps := []time.Time{start.Add(-time.Second), start.Add(10 * time.Millisecond), start.Add(260 * time.Millisecond),
		start.Add(270 * time.Millisecond), start.Add(2 * time.Second)}
	statuses := []int{200, 200, 499, 503, 200}
	b := bucketize(start, time.Second, stamps, statuses)
	if len(b) != 4 || b[0].RPS != 4 || b[1].RPS != 8 || b[1].Errors != 1 || b[2].RPS != 0 {
		t.Errorf("buckets %+v", b)
	}
}

// TestBodyPathUnavailable checks that a missing body-path include leaves its rows out with
// a reason, in the report and in the comparison with ModSecurity, rather than measuring
// something else in its place.
func TestBodyPathUnavailable(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "nginx"), 0o755)
	why := bodyPathMissing(root)
	if !strings.Contains(why, "not yet available") {
		t.Fatalf("bodyPathMissing = %q", why)
	}
	os.WriteFile(filepath.Join(root, "nginx", "sidewall-body.conf"), nil, 0o644)
	if got := bodyPathMissing(root); got != "" {
		t.Errorf("with the include: %q", got)
	}

	sel, err := selectMeasurements([]string{"sidewall/post", "modsec/post"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReport(defaultOptions(), sel)
	r.setUnavailable("sidewallbody", why)
	r.setUnavailable("bodynop", why)
	r.row("baseline/post").Samples = []sample{{Round: 1, RPS: 100, Requests: 100}}
	r.row("modsec/post").Samples = []sample{{Round: 1, RPS: 10, Requests: 10}}
	r.compute()
	if len(r.Compare) != 1 || !strings.Contains(r.Compare[0].Note, "not yet available") {
		t.Errorf("comparison: %+v", r.Compare)
	}
	var md bytes.Buffer
	r.markdown(&md)
	if !strings.Contains(md.String(), "| + sidewall full (CRS PL1), body path | benign POST ~1 KB | not yet available") {
		t.Errorf("report lacks the unavailable row:\n%s", md.String())
	}
	checkXML(t, []byte(r.chart()))
}

// checkXML fails unless b is well-formed XML.
func checkXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}
