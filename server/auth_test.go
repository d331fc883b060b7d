package server

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/waf"
)

func demoPolicy(tb testing.TB) *Policy {
	return &Policy{
		Block:  mustSet(tb, "203.0.113.0/24", "2001:db8:bad::/48"),
		Allow:  mustSet(tb, "203.0.113.9"),
		Limits: []*Limit{mustLimit(tb, "login", Match{Path: "/login"}, 5, time.Minute, false, false)},
		WAF:    testWAF(tb, waf.Options{}),
	}
}

func TestAuthDecisions(t *testing.T) {
	s := New(demoPolicy(t), Options{Now: func() time.Time { return t0 }})
	tests := []struct {
		name       string
		raw        string
		status     int
		action     string
		reason     string // substring
		rulePrefix string // a rule id in X-Sidewall-Rules starting with this
	}{
		{name: "benign GET", raw: subrequest("GET", "/products?page=2", "192.0.2.1", browser...), status: 204},
		{name: "blocklisted IPv4", raw: subrequest("GET", "/", "203.0.113.7"), status: 403, action: "blocklist", reason: "203.0.113.0/24"},
		{name: "IPv4-mapped IPv6 of a blocklisted address", raw: subrequest("GET", "/", "::ffff:203.0.113.7"), status: 403, action: "blocklist"},
		{name: "blocklisted IPv6", raw: subrequest("GET", "/", "2001:db8:bad:1::5"), status: 403, action: "blocklist", reason: "2001:db8:bad::/48"},
		{name: "allowlisted inside a blocklisted range", raw: subrequest("GET", "/", "203.0.113.9", browser...), status: 204},
		{name: "SQL injection in the query", raw: subrequest("GET", "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.2", browser...), status: 403, action: "waf", reason: "anomaly score", rulePrefix: "942"},
		{name: "XSS in the query", raw: subrequest("GET", "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "192.0.2.3", browser...), status: 403, action: "waf", rulePrefix: "941"},
		{name: "attack in a header", raw: subrequest("GET", "/", "192.0.2.4", "User-Agent: () { :; }; /bin/bash -c 'id'"), status: 403, action: "waf"},
		{name: "missing address", raw: "GET /auth HTTP/1.1\r\nHost: x\r\nX-Sidewall-URI: /\r\n\r\n", status: 403, action: "invalid", reason: "X-Sidewall-Addr"},
		{name: "malformed address", raw: subrequest("GET", "/", "300.1.1.1"), status: 403, action: "invalid", reason: "malformed"},
		{name: "missing URI", raw: "GET /auth HTTP/1.1\r\nHost: x\r\nX-Sidewall-Addr: 192.0.2.1\r\n\r\n", status: 403, action: "invalid"},
		{name: "health", raw: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", status: 200},
		{name: "unknown endpoint", raw: "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := serve(t, s, tc.raw)
			if got := ctx.Response.StatusCode(); got != tc.status {
				t.Fatalf("status %d, want %d; headers:\n%s", got, tc.status, &ctx.Response.Header)
			}
			if got := header(ctx, HeaderAction); got != tc.action {
				t.Errorf("action %q, want %q", got, tc.action)
			}
			if got := header(ctx, HeaderReason); !strings.Contains(got, tc.reason) {
				t.Errorf("reason %q, want it to contain %q", got, tc.reason)
			}
			if tc.rulePrefix != "" {
				rules := header(ctx, HeaderRules)
				found := false
				for _, id := range strings.Split(rules, ",") {
					found = found || strings.HasPrefix(id, tc.rulePrefix)
				}
				if !found || !strings.Contains(rules, "949110") {
					t.Errorf("rules %q, want a %sxxx rule and 949110", rules, tc.rulePrefix)
				}
			}
		})
	}
}

func TestRateLimitAnswers(t *testing.T) {
	clock := &fixedClock{now: t0}
	s := New(demoPolicy(t), Options{Now: clock.Now})
	login := subrequest("POST", "/login", "192.0.2.50")
	for i := 1; i <= 5; i++ {
		if ctx := serve(t, s, login); ctx.Response.StatusCode() != 204 {
			t.Fatalf("request %d: status %d, want 204", i, ctx.Response.StatusCode())
		}
	}
	clock.now = t0.Add(10 * time.Second)
	ctx := serve(t, s, login)
	if ctx.Response.StatusCode() != 403 || header(ctx, HeaderAction) != "ratelimit" || header(ctx, HeaderReason) != "login" {
		t.Fatalf("6th: status %d action %q reason %q, want 403 ratelimit login",
			ctx.Response.StatusCode(), header(ctx, HeaderAction), header(ctx, HeaderReason))
	}
	ra, err := strconv.Atoi(header(ctx, "Retry-After"))
	// The sliding-window counter weighs the previous window into the next one, so the
	// wait can exceed the window, but never two of them.
	if err != nil || ra < 1 || ra > 120 {
		t.Fatalf("Retry-After %q, want 1..120 whole seconds", header(ctx, "Retry-After"))
	}
	if got, want := header(ctx, "RateLimit-Policy"), `"login";q=5;w=60`; got != want {
		t.Errorf("RateLimit-Policy %q, want %q", got, want)
	}
	if got, want := header(ctx, "RateLimit"), `"login";r=0;t=`+strconv.Itoa(ra); got != want {
		t.Errorf("RateLimit %q, want %q", got, want)
	}
	// Retry-After is honest: at that moment the client is allowed again, a second
	// earlier it is not.
	clock.now = t0.Add(10*time.Second + time.Duration(ra-1)*time.Second)
	if ctx := serve(t, s, login); ctx.Response.StatusCode() != 403 {
		t.Errorf("a second before Retry-After: status %d, want 403", ctx.Response.StatusCode())
	}
	clock.now = t0.Add(10*time.Second + time.Duration(ra)*time.Second)
	if ctx := serve(t, s, login); ctx.Response.StatusCode() != 204 {
		t.Errorf("at Retry-After: status %d, want 204", ctx.Response.StatusCode())
	}
	// Other paths and other clients are not limited.
	if ctx := serve(t, s, subrequest("GET", "/", "192.0.2.50")); ctx.Response.StatusCode() != 204 {
		t.Errorf("other path: status %d", ctx.Response.StatusCode())
	}
	if ctx := serve(t, s, subrequest("POST", "/login", "192.0.2.51")); ctx.Response.StatusCode() != 204 {
		t.Errorf("other client: status %d", ctx.Response.StatusCode())
	}
}

func TestRateLimitRules(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	strict := mustLimit(t, "strict", Match{PathPrefix: "/api/"}, 2, time.Minute, false, false)
	loose := mustLimit(t, "loose", Match{PathPrefix: "/api/"}, 3, time.Hour, false, true)
	dry := mustLimit(t, "dry", Match{Path: "/dry"}, 1, time.Minute, true, false)
	posts := mustLimit(t, "posts", Match{Methods: []string{"POST"}, Host: "Shop.Example.com"}, 1, time.Minute, false, false)
	s := New(&Policy{Limits: []*Limit{strict, loose, dry, posts}}, Options{Now: func() time.Time { return t0 }, Logger: logger})

	api := subrequest("GET", "/api/items", "192.0.2.60")
	ctx := serve(t, s, api)
	if ctx.Response.StatusCode() != 204 {
		t.Fatalf("first api request: %d", ctx.Response.StatusCode())
	}
	// The loose rule asked for headers on allowed answers; strict did not.
	if got := header(ctx, "RateLimit-Policy"); got != `"loose";q=3;w=3600` {
		t.Errorf("allowed answer RateLimit-Policy %q, want the loose rule's", got)
	}
	serve(t, s, api)
	serve(t, s, api) // 3rd: strict denies; loose counts it too (3 of 3)
	ctx = serve(t, s, api)
	// Both rules now deny; the one with the longest wait (loose, an hour window) answers.
	if header(ctx, HeaderReason) != "loose" {
		t.Errorf("both over limit: reason %q, want loose (the longer wait)", header(ctx, HeaderReason))
	}
	ra, _ := strconv.Atoi(header(ctx, "Retry-After"))
	if ra <= 60 {
		t.Errorf("Retry-After %d, want the hour-window wait", ra)
	}

	// A dry-run rule never denies, but logs what it would have denied.
	for i := 0; i < 3; i++ {
		if ctx := serve(t, s, subrequest("GET", "/dry", "192.0.2.61")); ctx.Response.StatusCode() != 204 {
			t.Fatalf("dry run denied: %d", ctx.Response.StatusCode())
		}
	}
	if n := strings.Count(logs.String(), `"msg":"would deny (dry run)"`); n != 2 {
		t.Errorf("dry-run log lines: %d, want 2\n%s", n, logs.String())
	}

	// Method and host conditions (host compared without case, port stripped).
	post := func(host string) int {
		raw := strings.Replace(subrequest("POST", "/cart", "192.0.2.62"), HeaderClientHost+": www.example.com", HeaderClientHost+": "+host, 1)
		return serve(t, s, raw).Response.StatusCode()
	}
	if post("shop.example.com:8443") != 204 || post("SHOP.example.com") != 403 {
		t.Errorf("host+method rule did not count shop.example.com POSTs together")
	}
	if post("other.example.com") != 204 {
		t.Errorf("host rule limited another host")
	}
}

func TestPanicAppliesFailurePolicy(t *testing.T) {
	// A rule with no window is a programming error: it panics inside the check.
	broken := &Limit{Name: "broken", Key: Key{Parts: []KeyPart{{Kind: KeyAddr}}, IPv4Bits: 32, IPv6Bits: 64}}
	for _, tc := range []struct {
		failOpen bool
		status   int
	}{{false, 403}, {true, 204}} {
		var logs bytes.Buffer
		s := New(&Policy{Limits: []*Limit{broken}, FailOpen: tc.failOpen}, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
		ctx := serve(t, s, subrequest("GET", "/", "192.0.2.70"))
		if ctx.Response.StatusCode() != tc.status || header(ctx, HeaderAction) != "error" {
			t.Errorf("fail-open=%v: status %d action %q, want %d error", tc.failOpen, ctx.Response.StatusCode(), header(ctx, HeaderAction), tc.status)
		}
		if !strings.Contains(logs.String(), "check panicked") {
			t.Errorf("panic not logged: %s", logs.String())
		}
		// The server still answers.
		if ctx := serve(t, s, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); ctx.Response.StatusCode() != 200 {
			t.Errorf("healthz after panic: %d", ctx.Response.StatusCode())
		}
	}
}

func TestWAFDetectionOnly(t *testing.T) {
	var logs bytes.Buffer
	s := New(&Policy{WAF: testWAF(t, waf.Options{DetectionOnly: true})},
		Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	ctx := serve(t, s, subrequest("GET", "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.80", browser...))
	if ctx.Response.StatusCode() != 204 || header(ctx, HeaderAction) != "detect" {
		t.Fatalf("status %d action %q, want 204 detect", ctx.Response.StatusCode(), header(ctx, HeaderAction))
	}
	if !strings.Contains(header(ctx, HeaderRules), "949110") {
		t.Errorf("rules %q, want the would-be denial 949110", header(ctx, HeaderRules))
	}
	if !strings.Contains(logs.String(), `"action":"detect"`) {
		t.Errorf("detection not logged: %s", logs.String())
	}
}

// TestWAFSeesTheClientRequest checks what the WAF is given: the client's headers as sent,
// without the contract headers nginx added (which carry the URI and would double-count
// it), and with the original Content-Length and Transfer-Encoding put back.
func TestWAFSeesTheClientRequest(t *testing.T) {
	raw := subrequest("GET", "/a?b=c", "192.0.2.90", "X-Custom:  v1 ", "cookie: a=1;b=2", HeaderContentLength+": 12",
		HeaderTransferEncoding+": chunked")
	ctx := newCtx(t, raw)
	var req request
	if err := req.parse(ctx); err != nil {
		t.Fatal(err)
	}
	var wr waf.Request
	req.wafRequest(ctx, &wr)
	var got []string
	for _, h := range wr.Headers {
		got = append(got, h.Name+"="+h.Value)
	}
	want := []string{"Host=www.example.com", "X-Custom=v1", "cookie=a=1;b=2", "Content-Length=12", "Transfer-Encoding=chunked"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("WAF headers\n got %q\nwant %q", got, want)
	}
	if wr.Method != "GET" || wr.URI != "/a?b=c" || wr.Proto != "HTTP/1.1" || wr.ClientAddr.String() != "192.0.2.90" {
		t.Errorf("WAF request line/addr: %+v", wr)
	}
}

// TestMalformedRequestsOverTheWire sends what fasthttp cannot parse through a real
// listener: each gets a deliberate 403, and the server keeps answering.
func TestMalformedRequestsOverTheWire(t *testing.T) {
	s := New(&Policy{}, Options{MaxHeaderBytes: 4096})
	c := startInmemory(t, s)
	for _, raw := range []string{
		"GET /auth HTTP/1.1\r\nHost: x\r\nX-Sidewall-URI: /" + strings.Repeat("a", 8000) + "\r\n\r\n",
		"GET /auth HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
		"\x00\x01\x02 garbage\r\n\r\n",
	} {
		status, action := c.roundTrip(t, raw)
		if status != fasthttp.StatusForbidden || action != "invalid" {
			t.Errorf("%.40q: status %d action %q, want 403 invalid", raw, status, action)
		}
	}
	if status, _ := c.roundTrip(t, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); status != 200 {
		t.Errorf("healthz after malformed requests: %d", status)
	}
}

func TestOnlyTrustedPeersSpeakForClients(t *testing.T) {
	s := New(&Policy{TrustedPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}, Options{})
	raw := subrequest("GET", "/", "192.0.2.1")
	tests := []struct {
		peer   net.Addr
		status int
	}{
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 40000}, 204},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 40000}, 204},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:127.0.0.2"), Port: 40000}, 204},
		{&net.UnixAddr{Name: "@", Net: "unix"}, 204}, // the socket's permissions decide
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 40000}, 403},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::5"), Port: 40000}, 403},
	}
	for _, tc := range tests {
		parsed := newCtx(t, raw)
		ctx := &fasthttp.RequestCtx{}
		ctx.Init(&parsed.Request, tc.peer, nil)
		s.Handler(ctx)
		if got := ctx.Response.StatusCode(); got != tc.status {
			t.Errorf("peer %v: status %d, want %d", tc.peer, got, tc.status)
		}
		if tc.status == 403 && header(ctx, HeaderAction) != "invalid" {
			t.Errorf("peer %v: action %q, want invalid", tc.peer, header(ctx, HeaderAction))
		}
	}
}

func TestWAFProfileChoice(t *testing.T) {
	var logs bytes.Buffer
	lenient := testWAF(t, waf.Options{InboundAnomalyThreshold: 100})
	s := New(&Policy{WAF: testWAF(t, waf.Options{}), Profiles: map[string]*waf.Engine{"lenient": lenient}},
		Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	attack := func(profile string) int {
		var extra []string
		if profile != "" {
			extra = append(extra, HeaderProfile+": "+profile)
		}
		return serve(t, s, subrequest("GET", "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.220", append(extra, browser...)...)).Response.StatusCode()
	}
	if got := attack(""); got != 403 {
		t.Errorf("no profile: status %d, want 403 from [waf]", got)
	}
	if got := attack("lenient"); got != 204 {
		t.Errorf("profile lenient: status %d, want 204", got)
	}
	// A name sidewall does not know falls back to [waf] (never to no WAF), and is logged.
	if got := attack("typo"); got != 403 {
		t.Errorf("unknown profile: status %d, want 403 from [waf]", got)
	}
	if !strings.Contains(logs.String(), `"profile":"typo"`) {
		t.Errorf("unknown profile not logged:\n%s", logs.String())
	}
}

func TestStaticAssetsSkipTheWAF(t *testing.T) {
	s := New(&Policy{
		WAF:     testWAF(t, waf.Options{}),
		Block:   mustSet(t, "203.0.113.0/24"),
		SkipWAF: StaticAssets{PathPrefixes: []string{"/static/"}, Extensions: []string{".css"}},
	}, Options{})
	shellshock := "User-Agent: () { :; }; /bin/bash -c 'id'"
	tests := []struct {
		method, uri, addr string
		status            int
	}{
		{"GET", "/static/app.js", "192.0.2.1", 204},       // prefix: not inspected
		{"HEAD", "/theme/site.css", "192.0.2.1", 204},     // extension: not inspected
		{"GET", "/static/app.js?v=1", "192.0.2.1", 403},   // a query is input: inspected
		{"POST", "/static/upload", "192.0.2.1", 403},      // not a GET or HEAD: inspected
		{"GET", "/static/%2e%2e/admin", "192.0.2.1", 403}, // normalised to /admin: inspected
		{"GET", "/page", "192.0.2.1", 403},                // not static: inspected
		{"GET", "/static/app.js", "203.0.113.5", 403},     // the blocklist still applies
	}
	for _, tc := range tests {
		ctx := serve(t, s, subrequest(tc.method, tc.uri, tc.addr, shellshock))
		if got := ctx.Response.StatusCode(); got != tc.status {
			t.Errorf("%s %s from %s: status %d, want %d", tc.method, tc.uri, tc.addr, got, tc.status)
		}
	}
}
