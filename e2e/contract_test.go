//go:build e2e

package e2e

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests are the demo contract of config.toml and nginx/, checked from the client
// side through real nginx, on both ways of protecting a location: the example site's body
// path (sidewall-body.conf) and auth_request (sidewall-protect.conf).

func TestAllowedRequestReachesUpstream(t *testing.T) {
	for _, site := range sites() {
		t.Run(site.name, func(t *testing.T) {
			r := getFrom(t, site.base, "/hello?name=world", "192.0.2.10")
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200; body %q", r.status, r.body)
			}
			if want := "GET /hello?name=world\n"; r.body != want {
				t.Errorf("upstream saw %q, want %q", r.body, want)
			}
			noInternalHeaders(t, r)
		})
	}
}

func TestBlocklistDenies(t *testing.T) {
	tests := []struct {
		addr string
		want int
	}{
		{"203.0.113.7", http.StatusForbidden},   // inside 203.0.113.0/24
		{"203.0.113.255", http.StatusForbidden}, // last address of the range
		{"203.0.114.1", http.StatusOK},          // just outside
		{"2001:db8:bad::1", http.StatusForbidden},
		{"2001:db8:bad:ffff::1", http.StatusForbidden},
		{"2001:db8:bae::1", http.StatusOK}, // just outside 2001:db8:bad::/48
	}
	for _, site := range sites() {
		for _, tc := range tests {
			t.Run(site.name+"/"+tc.addr, func(t *testing.T) {
				r := getFrom(t, site.base, "/", tc.addr)
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
}

func TestWAFDeniesAttacksInTheQuery(t *testing.T) {
	for _, site := range sites() {
		for _, uri := range []string{
			"/?id=1%27%20OR%20%271%27%3D%271",               // 1' OR '1'='1
			"/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", // <script>alert(1)</script>
			"/?file=..%2F..%2F..%2Fetc%2Fpasswd",            // path traversal
		} {
			t.Run(site.name+uri, func(t *testing.T) {
				r := getFrom(t, site.base, uri, "192.0.2.20")
				if r.status != http.StatusForbidden {
					t.Fatalf("status %d, want 403; body %q", r.status, r.body)
				}
				noInternalHeaders(t, r)
			})
		}
	}
}

// TestWAFDecisionIsLogged checks that nginx's access log (the shipped log_format) records
// sidewall's status, action and the CRS rule ids, and that sidewall logs the same request
// id.
func TestWAFDecisionIsLogged(t *testing.T) {
	for i, site := range sites() {
		t.Run(site.name, func(t *testing.T) {
			marker := "logged" + strconv.Itoa(i)
			r := getFrom(t, site.base, "/?"+marker+"=1%27%20OR%20%271%27%3D%271", "192.0.2.21")
			if r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", r.status)
			}
			line := waitForLine(t, env.nginx.AccessLog, marker+"=")
			for _, want := range []string{" 403 ", "sw_status=403", "sw_action=waf", "sw_rules=", "949110", `sw_reason="anomaly score`} {
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
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	for i, site := range sites() {
		t.Run(site.name, func(t *testing.T) {
			client := "198.51.100." + strconv.Itoa(61+i)
			for i := 1; i <= 5; i++ {
				if r := getFrom(t, site.base, "/login", client); r.status != http.StatusOK {
					t.Fatalf("request %d: status %d, want 200", i, r.status)
				}
			}
			r := getFrom(t, site.base, "/login", client)
			if r.status != http.StatusTooManyRequests {
				t.Fatalf("6th request: status %d, want 429", r.status)
			}
			noInternalHeaders(t, r)
			// config.toml's login rule is counted exactly (algorithm "auto" at 5/min), so the
			// wait is at most the window.
			ra, err := strconv.Atoi(r.header.Get("Retry-After"))
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
			if r := getFrom(t, site.base, "/login", "198.51.100."+strconv.Itoa(71+i)); r.status != http.StatusOK {
				t.Errorf("other client: status %d, want 200", r.status)
			}
			if r := getFrom(t, site.base, "/", client); r.status != http.StatusOK {
				t.Errorf("other path: status %d, want 200", r.status)
			}
		})
	}
}

// TestRateLimitSeesNormalisedPath proves that the rule matches nginx's normalised path: an
// encoded or dotted spelling of /login is the same page and must count against the limit.
func TestRateLimitSeesNormalisedPath(t *testing.T) {
	spellings := []string{"/login", "/log%69n", "/./login", "//login", "/login", "/login?a=b"}
	for i, site := range sites() {
		t.Run(site.name, func(t *testing.T) {
			client := "198.51.100." + strconv.Itoa(81+i)
			for i, uri := range spellings[:5] {
				if r := getFrom(t, site.base, uri, client); r.status != http.StatusOK {
					t.Fatalf("request %d (%s): status %d, want 200", i+1, uri, r.status)
				}
			}
			if r := getFrom(t, site.base, spellings[5], client); r.status != http.StatusTooManyRequests {
				t.Fatalf("6th request: status %d, want 429", r.status)
			}
		})
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
