//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDryRunRuleDeniesNothing runs a sidewall with a dry-run rule (action "log", like
// nginx's limit_req_dry_run): over its limit it denies nothing, and logs each request it
// would have denied.
func TestDryRunRuleDeniesNothing(t *testing.T) {
	st := startOwnStack(t, ownOptions{edit: func(cfg string) string {
		return cfg + `
[[ratelimit.rules]]
name = "search-dry-run"
path_prefix = "/search"
limit = 2
window = "1m"
action = "log"
`
	}})
	sw, listen := st.sw, strings.TrimPrefix(st.site, "http://")

	const requests = 6
	for i := 1; i <= requests; i++ {
		r := getFrom(t, "http://"+listen, "/search?q=shoes&page="+strconv.Itoa(i), "192.0.2.150")
		if r.status != http.StatusOK {
			t.Fatalf("request %d: status %d, want 200 (a dry-run rule never denies)", i, r.status)
		}
	}
	want := requests - 2
	deadline := time.Now().Add(2 * time.Second)
	for {
		lines := sw.LogLines(`"would deny (dry run)"`, `"rule":"search-dry-run"`, `"client":"192.0.2.150"`)
		if len(lines) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dry-run log lines, want %d:\n%s", len(lines), want, sw.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRateLimitFieldsOnAllowedAnswers: with `headers = true` on a rule, the client sees
// the RateLimit fields on every answer the rule allowed, through the shipped files (the
// example site includes sidewall-ratelimit-headers.conf), on the body path and on
// auth_request alike; the remaining count falls with each request, and a path no rule
// counts gets no fields.
func TestRateLimitFieldsOnAllowedAnswers(t *testing.T) {
	authListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	st := startOwnStack(t, ownOptions{
		edit: func(cfg string) string {
			for _, kv := range [][3]string{
				{"[ratelimit.rules]", "headers", "true"},
				{"waf", "enabled", "false"}, // not what this is about, and slow to start
			} {
				var err error
				if cfg, err = setTOMLKey(cfg, kv[0], kv[1], kv[2]); err != nil {
					t.Fatal(err)
				}
			}
			return cfg
		},
		servers: []string{fmt.Sprintf(`server {
    listen %s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect.conf;
    include sidewall/sidewall-ratelimit-headers.conf;
    location / { proxy_pass http://%s; }
}
`, authListen, env.app.Addr)},
	})
	field := regexp.MustCompile(`^"login";r=(\d+);t=(\d+)$`)
	for i, site := range []struct{ name, base string }{{"body path", st.site}, {"auth_request", "http://" + authListen}} {
		t.Run(site.name, func(t *testing.T) {
			client := "198.51.100." + strconv.Itoa(91+i)
			for n := 1; n <= 6; n++ {
				r := getFrom(t, site.base, "/login", client)
				want := http.StatusOK
				if n == 6 {
					want = http.StatusTooManyRequests
				}
				if r.status != want {
					t.Fatalf("request %d: status %d, want %d", n, r.status, want)
				}
				if got := r.header.Get("RateLimit-Policy"); got != `"login";q=5;w=60` {
					t.Errorf("request %d: RateLimit-Policy %q, want %q", n, got, `"login";q=5;w=60`)
				}
				m := field.FindStringSubmatch(r.header.Get("RateLimit"))
				if m == nil {
					t.Errorf("request %d: RateLimit %q, want \"login\";r=N;t=N", n, r.header.Get("RateLimit"))
					continue
				}
				if left, _ := strconv.Atoi(m[1]); left != max(5-n, 0) {
					t.Errorf("request %d: RateLimit %q: %d left, want %d", n, m[0], left, max(5-n, 0))
				}
				if reset, _ := strconv.Atoi(m[2]); reset < 1 || reset > 60 {
					t.Errorf("request %d: RateLimit %q: t=%d, want 1..60", n, m[0], reset)
				}
			}
			r := getFrom(t, site.base, "/", client)
			if r.status != http.StatusOK || r.header.Get("RateLimit") != "" || r.header.Get("RateLimit-Policy") != "" {
				t.Errorf("a path no rule counts: status %d, RateLimit %q, RateLimit-Policy %q; want 200 without them",
					r.status, r.header.Get("RateLimit"), r.header.Get("RateLimit-Policy"))
			}
		})
	}
}
