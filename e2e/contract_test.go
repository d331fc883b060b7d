package e2e

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests are the demo contract of config.toml and nginx/example-site.conf, checked
// from the client side through real nginx.

func TestAllowedRequestReachesUpstream(t *testing.T) {
	r := get(t, "/hello?name=world", "192.0.2.10")
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q", r.status, r.body)
	}
	if want := "GET /hello?name=world\n"; r.body != want {
		t.Errorf("upstream saw %q, want %q", r.body, want)
	}
	noInternalHeaders(t, r)
}

func TestAllowedPostArrivesIntact(t *testing.T) {
	body := "name=alice&comment=hello+world&n=" + strings.Repeat("x", 1000)
	r := do(t, http.MethodPost, env.site+"/form", body, "Content-Type: application/x-www-form-urlencoded", "X-Forwarded-For: 192.0.2.11")
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q", r.status, r.body)
	}
	if want := "POST /form\n" + body; r.body != want {
		t.Errorf("upstream saw %q,\nwant %q", r.body, want)
	}
}

func TestBlocklistDenies(t *testing.T) {
	tests := []struct {
		addr string
		want int
	}{
		{"203.0.113.7", http.StatusForbidden},     // inside 203.0.113.0/24
		{"203.0.113.255", http.StatusForbidden},   // last address of the range
		{"203.0.114.1", http.StatusOK},            // just outside
		{"2001:db8:bad::1", http.StatusForbidden}, // inside 2001:db8:bad::/48
		{"2001:db8:bad:ffff::1", http.StatusForbidden},
		{"2001:db8:bae::1", http.StatusOK}, // just outside
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			r := get(t, "/", tc.addr)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d", r.status, tc.want)
			}
			noInternalHeaders(t, r)
			if tc.want == http.StatusForbidden && strings.Contains(r.body, "GET /") {
				t.Errorf("denied request reached the upstream: %q", r.body)
			}
		})
	}
}

func TestWAFDeniesSQLInjectionAndXSS(t *testing.T) {
	for _, uri := range []string{
		"/?id=1%27%20OR%20%271%27%3D%271",               // 1' OR '1'='1
		"/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", // <script>alert(1)</script>
		"/?file=..%2F..%2F..%2Fetc%2Fpasswd",            // path traversal
	} {
		t.Run(uri, func(t *testing.T) {
			r := get(t, uri, "192.0.2.20")
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403; body %q", r.status, r.body)
			}
			noInternalHeaders(t, r)
		})
	}
}

// TestWAFDecisionIsLogged checks that nginx's access log (the shipped log_format) records
// sidewall's action and the CRS rule ids, and that sidewall logs the same request id.
func TestWAFDecisionIsLogged(t *testing.T) {
	r := get(t, "/?logged=1%27%20OR%20%271%27%3D%271", "192.0.2.21")
	if r.status != http.StatusForbidden {
		t.Fatalf("status %d, want 403", r.status)
	}
	line := waitForLine(t, env.nginx.AccessLog, "logged=1")
	for _, want := range []string{" 403 ", "sw_status=403", "sw_action=waf", "sw_rules=", "949110"} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line lacks %q:\n%s", want, line)
		}
	}
	rid := field(line, "rid=")
	if len(rid) != 32 {
		t.Fatalf("no request id in %q", line)
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(env.sidewall.LogLines(rid, `"action":"waf"`)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("sidewall logged no waf denial with request id %s:\n%s", rid, env.sidewall.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLoginRateLimit(t *testing.T) {
	const client = "198.51.100.61"
	for i := 1; i <= 5; i++ {
		if r := get(t, "/login", client); r.status != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200", i, r.status)
		}
	}
	r := get(t, "/login", client)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("6th request: status %d, want 429", r.status)
	}
	noInternalHeaders(t, r)
	ra, err := strconv.Atoi(r.header.Get("Retry-After"))
	// config.toml's login rule is counted exactly (algorithm "auto" at 5/min), so the wait
	// is at most the window.
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q, want whole seconds in 1..60", r.header.Get("Retry-After"))
	}
	if got, want := r.header.Get("RateLimit-Policy"), `"login";q=5;w=60`; got != want {
		t.Errorf("RateLimit-Policy %q, want %q", got, want)
	}
	if got, want := r.header.Get("RateLimit"), `"login";r=0;t=`+strconv.Itoa(ra); got != want {
		t.Errorf("RateLimit %q, want %q", got, want)
	}
	// Another client is not affected, and other paths are not limited.
	if r := get(t, "/login", "198.51.100.62"); r.status != http.StatusOK {
		t.Errorf("other client: status %d, want 200", r.status)
	}
	if r := get(t, "/", client); r.status != http.StatusOK {
		t.Errorf("other path: status %d, want 200", r.status)
	}
}

// TestRateLimitSeesNormalisedPath proves that the rule matches nginx's normalised path: an
// encoded or dotted spelling of /login is the same page and must count against the limit.
func TestRateLimitSeesNormalisedPath(t *testing.T) {
	const client = "198.51.100.63"
	spellings := []string{"/login", "/log%69n", "/./login", "//login", "/login", "/login?a=b"}
	for i, uri := range spellings[:5] {
		if r := get(t, uri, client); r.status != http.StatusOK {
			t.Fatalf("request %d (%s): status %d, want 200", i+1, uri, r.status)
		}
	}
	if r := get(t, spellings[5], client); r.status != http.StatusTooManyRequests {
		t.Fatalf("6th request: status %d, want 429", r.status)
	}
}

// waitForLine returns the first line of file that contains sub, waiting up to 2 s for
// nginx to write it.
func waitForLine(t *testing.T, file, sub string) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, sub) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line with %q in %s:\n%s", sub, file, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// field returns the value after prefix in a log line, up to the next space.
func field(line, prefix string) string {
	i := strings.Index(line, prefix)
	if i < 0 {
		return ""
	}
	v := line[i+len(prefix):]
	if j := strings.IndexByte(v, ' '); j >= 0 {
		v = v[:j]
	}
	return v
}
