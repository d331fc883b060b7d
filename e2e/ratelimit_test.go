package e2e

import (
	"net/http"
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
