//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

const demoToken = "demo-token-not-a-secret" // config.toml's admin.token

// TestMetricsAndReload drives a short demo run through real nginx, then reads /metrics on
// the admin listener (token required) and reloads through POST /reload, good and bad.
func TestMetricsAndReload(t *testing.T) {
	st := startOwnStack(t, ownOptions{admin: true})
	site := st.site

	// The demo's traffic: allowed, blocklisted, an attack, a login over its limit.
	getFrom(t, site, "/", "192.0.2.180")
	getFrom(t, site, "/", "203.0.113.180")
	getFrom(t, site, "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.181")
	for i := 0; i < 6; i++ {
		getFrom(t, site, "/login", "192.0.2.182")
	}

	admin := st.admin
	if r := do(t, http.MethodGet, admin+"/metrics", ""); r.status != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: status %d, want 401", r.status)
	}
	if r := do(t, http.MethodPost, admin+"/reload", ""); r.status != http.StatusUnauthorized {
		t.Errorf("/reload without the token: status %d, want 401", r.status)
	}
	auth := "Authorization: Bearer " + demoToken
	if r := do(t, http.MethodPost, admin+"/reload", "", auth); r.status != http.StatusOK {
		t.Errorf("good reload: status %d body %s", r.status, r.body)
	}
	// A broken configuration is refused with the reason, and the running one stays.
	cfg, err := os.ReadFile(st.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st.cfg, []byte(strings.Replace(string(cfg), "paranoia_level = 1", "paranoia_levle = 1", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := do(t, http.MethodPost, admin+"/reload", "", auth)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "paranoia_levle") {
		t.Errorf("bad reload: status %d body %s, want 422 naming the key", r.status, r.body)
	}
	if r := getFrom(t, site, "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.183"); r.status != http.StatusForbidden {
		t.Errorf("after a refused reload the WAF no longer denies: %d", r.status)
	}

	r = do(t, http.MethodGet, admin+"/metrics", "", auth)
	if r.status != http.StatusOK {
		t.Fatalf("/metrics: status %d", r.status)
	}
	for _, want := range []string{
		`sidewall_decisions_total{action="allow",reason=""}`,
		`sidewall_decisions_total{action="blocklist",reason=""} 1`,
		`sidewall_decisions_total{action="waf",reason="942"}`,
		`sidewall_decisions_total{action="ratelimit",reason="login"} 1`,
		`sidewall_check_duration_seconds_bucket{check="blocklist"`,
		`sidewall_check_duration_seconds_bucket{check="ratelimit"`,
		`sidewall_check_duration_seconds_bucket{check="waf"`,
		`sidewall_waf_anomaly_score_bucket`,
		`sidewall_ratelimit_keys{rule="login"}`,
		`sidewall_ratelimit_evictions_total{rule="login"} 0`,
		`sidewall_blocklist_entries{list="block"} 2`,
		`sidewall_bans 0`,
		`sidewall_panics_recovered_total 0`,
		`sidewall_reloads_total{result="ok",what="config"} 1`,
		`sidewall_reloads_total{result="failed",what="config"} 1`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// The README's sample is what the demo emits, and its Redis families are not.
	for _, series := range readmeMetrics(t, "A sample from the demo") {
		if !hasSeries(r.body, series) {
			t.Errorf("/metrics lacks the README's %s", series)
		}
	}
	for _, series := range readmeMetrics(t, "switched to Redis") {
		if hasSeries(r.body, series) {
			t.Errorf("/metrics with the memory backend has the README's Redis series %s", series)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", r.body)
	}
}

// TestMetricsWithRedis runs sidewall with the rate limits shared through a real
// redis-server and checks that /metrics has the Redis series the README shows for that
// backend, and not the memory backend's.
func TestMetricsWithRedis(t *testing.T) {
	rds, err := stack.StartRedis(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err) // ErrNoRedis too: make test installs redis-server
	}
	defer rds.Stop()
	st := startOwnStack(t, ownOptions{admin: true, noNginx: true, edit: func(cfg string) string {
		for _, kv := range [][3]string{
			{"ratelimit", "backend", `"redis"`},
			{"ratelimit.redis", "address", strconv.Quote(rds.Addr)},
			{"waf", "enabled", "false"}, // not what this is about, and slow to start
		} {
			var err error
			if cfg, err = setTOMLKey(cfg, kv[0], kv[1], kv[2]); err != nil {
				t.Fatal(err)
			}
		}
		return cfg
	}})
	for range 6 {
		do(t, http.MethodGet, "http://"+st.sw.Addr+"/auth", "", "X-Sidewall-URI: /login", "X-Sidewall-Addr: 192.0.2.190")
	}
	r := do(t, http.MethodGet, st.admin+"/metrics", "", "Authorization: Bearer "+demoToken)
	if r.status != http.StatusOK {
		t.Fatalf("/metrics: status %d", r.status)
	}
	for _, series := range append(readmeMetrics(t, "switched to Redis"), `sidewall_decisions_total{action="ratelimit",reason="login"}`) {
		if !hasSeries(r.body, series) {
			t.Errorf("/metrics lacks the README's %s", series)
		}
	}
	if hasSeries(r.body, `sidewall_ratelimit_keys{rule="login"}`) {
		t.Error("/metrics with the Redis backend has the memory backend's sidewall_ratelimit_keys")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", r.body)
	}
}

// readmeMetrics returns the series (name and labels, without the value) of the README's
// metrics sample: the first code block after the line that contains marker.
func readmeMetrics(t *testing.T, marker string) []string {
	t.Helper()
	root, err := stack.ProjectDir()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), marker)
	if !ok {
		t.Fatalf("README.md has no %q", marker)
	}
	_, block, _ := strings.Cut(after, "```\n")
	block, _, ok = strings.Cut(block, "```")
	if !ok {
		t.Fatalf("README.md has no code block after %q", marker)
	}
	var series []string
	for _, line := range strings.Split(block, "\n") {
		if s, _, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			series = append(series, s)
		}
	}
	if len(series) == 0 {
		t.Fatalf("README.md's sample after %q is empty", marker)
	}
	return series
}

// hasSeries reports whether the /metrics text has a line for series.
func hasSeries(metrics, series string) bool {
	return strings.HasPrefix(metrics, series+" ") || strings.Contains(metrics, "\n"+series+" ")
}

// TestReloadsDoNotLeak reloads sidewall 100 times through the admin API and checks that
// its resident memory does not grow with the reloads: ModSecurity-nginx's best-known
// pain is memory that grows on every reload. GOGC is lowered for this process so that
// resident memory follows the live heap closely instead of the collector's slack.
//
// Resident memory is read at three points (after the 10th, 55th and 100th reload), each
// the smallest of three readings: an engine is some 20 MB, and one that the collector
// has not yet freed at a reading is not a leak. A leak grows with every reload, so it
// shows in both halves; the test fails when memory grew by more than 10% from the first
// point to the last and was still growing in the second half.
func TestReloadsDoNotLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("100 reloads skipped in -short mode")
	}
	t.Setenv("GOGC", "25")
	st := startOwnStack(t, ownOptions{admin: true, noNginx: true})
	sw := st.sw
	reload := func() {
		t.Helper()
		r := do(t, http.MethodPost, st.admin+"/reload", "", "Authorization: Bearer "+demoToken)
		if r.status != http.StatusOK {
			t.Fatalf("reload: status %d %s", r.status, r.body)
		}
		// Traffic between reloads, so that the WAF's transaction pools are in use.
		for i := 0; i < 5; i++ {
			do(t, http.MethodGet, "http://"+sw.Addr+"/auth", "", "X-Sidewall-URI: /?q=1%27%20OR%201=1", "X-Sidewall-Addr: 192.0.2.99")
		}
	}
	settled := func() int {
		time.Sleep(time.Second)
		least := rssKB(t, sw.Pid())
		for i := 0; i < 2; i++ {
			time.Sleep(300 * time.Millisecond)
			least = min(least, rssKB(t, sw.Pid()))
		}
		return least
	}
	start := time.Now()
	var rss []int // after the 10th, 55th, 100th reload
	for i := 1; i <= 100; i++ {
		reload()
		if i == 10 || i == 55 || i == 100 {
			rss = append(rss, settled())
		}
	}
	first, mid, last := rss[0], rss[1], rss[2]
	t.Logf("RSS after the 10th reload %d KiB, the 55th %d KiB, the 100th %d KiB (%+.1f%% over 90 reloads); 100 reloads took %v",
		first, mid, last, 100*float64(last-first)/float64(first), time.Since(start).Round(time.Millisecond))
	if float64(last) > 1.10*float64(first) && last > mid {
		t.Errorf("RSS grew with the reloads: %d KiB -> %d KiB -> %d KiB", first, mid, last)
	}
}
