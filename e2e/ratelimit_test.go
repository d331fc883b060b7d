package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// TestDryRunRuleDeniesNothing runs a sidewall with a dry-run rule (action "log", like
// nginx's limit_req_dry_run): over its limit it denies nothing, and logs each request it
// would have denied.
func TestDryRunRuleDeniesNothing(t *testing.T) {
	dir := t.TempDir()
	swAddr, _ := freeAddr()
	listen, _ := freeAddr()
	cfg, err := stack.ProjectConfig(swAddr)
	if err != nil {
		t.Fatal(err)
	}
	cfg += `
[[ratelimit.rules]]
name = "search-dry-run"
path_prefix = "/search"
limit = 2
window = "1m"
action = "log"
`
	cfgPath := filepath.Join(dir, "dry.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sw, err := stack.StartSidewall(ctx, env.bin, cfgPath, swAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Stop()
	ngx, err := stack.StartNginx(ctx, stack.NginxOptions{Dir: filepath.Join(dir, "nginx"), Sidewall: swAddr, Listen: listen, App: env.app.Addr})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

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
