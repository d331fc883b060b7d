//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// These are the acceptance tests of live blocklist files, the admin API and auto-ban,
// through real nginx (the example site) and the real sidewall binary, each with its own
// sidewall and nginx so that their lists and bans touch no other test.

const adminToken = "e2e-admin-token-0123456789"

// startBansStack writes files (name -> content) beside the configuration and runs the
// demo configuration there, with the admin API on a free port (token adminToken), a ban
// file, and edit applied to the configuration text.
func startBansStack(t *testing.T, files map[string]string, edit func(cfg string) string) *ownStack {
	t.Helper()
	return startOwnStack(t, ownOptions{admin: true, files: files, edit: func(cfg string) string {
		cfg = replaceOnce(t, cfg, `token = "demo-token-not-a-secret"`, `token = "`+adminToken+`"`)
		cfg = replaceOnce(t, cfg, "[bans]\n", "[bans]\nfile = \"bans.json\"\n")
		cfg = replaceOnce(t, cfg, "\nfile = \"\"\n", "\n") // the demo's own bans.file
		if edit != nil {
			cfg = edit(cfg)
		}
		return cfg
	}})
}

func replaceOnce(t *testing.T, text, old, new string) string {
	t.Helper()
	if n := strings.Count(text, old); n != 1 {
		t.Fatalf("config: expected %q once, found it %d times", old, n)
	}
	return strings.Replace(text, old, new, 1)
}

// adminCall sends a request to the admin API with the given Authorization header.
func (s *ownStack) adminCall(t *testing.T, method, path, body, auth string) response {
	t.Helper()
	var headers []string
	if auth != "" {
		headers = append(headers, "Authorization: "+auth)
	}
	return do(t, method, s.admin+path, body, headers...)
}

// status is the status the example site answers the client at addr.
func (s *ownStack) status(t *testing.T, addr string) int {
	t.Helper()
	return getFrom(t, s.site, "/", addr).status
}

// try is status for a goroutine: it reports errors instead of failing the test.
func (s *ownStack) try(addr string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, s.site+"/", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// waitFor polls cond every 20ms until it holds or the deadline passes, and reports how
// long it took.
func waitFor(deadline time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Since(start) > deadline {
			return time.Since(start), false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestListFileReload: an address from a list file gets 403; after the file changes, the
// new state applies within 2 s with no failed request while a client keeps sending; a
// broken file keeps the running list and the log says why.
func TestListFileReload(t *testing.T) {
	s := startBansStack(t, map[string]string{"drop.netset": "# test feed\n192.0.2.50\n198.51.100.0/24\n"},
		func(cfg string) string { return replaceOnce(t, cfg, "\nfiles = []", "\nfiles = [\"drop.netset\"]") })
	file := filepath.Join(s.dir, "drop.netset")
	// A feed updater's way to replace a list: write a new file, rename it over the old.
	update := func(text string) {
		t.Helper()
		tmp := file + ".new"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	for addr, want := range map[string]int{"192.0.2.50": 403, "198.51.100.9": 403, "192.0.2.60": 200, "192.0.2.51": 200} {
		if got := s.status(t, addr); got != want {
			t.Fatalf("before the change: %s got %d, want %d", addr, got, want)
		}
	}

	// A client keeps sending throughout: an address never listed must always pass, and
	// the ones whose state changes may only ever see 200 or 403.
	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			addr, ok := "192.0.2.77", []int{200}
			if i%2 == 1 {
				addr, ok = []string{"192.0.2.50", "192.0.2.60"}[i/2%2], []int{200, 403}
			}
			code, err := s.try(addr)
			sent.Add(1)
			if err != nil || (code != ok[0] && (len(ok) == 1 || code != ok[1])) {
				failed.Add(1)
				firstFailure.CompareAndSwap(nil, fmt.Sprintf("%s: status %d, error %v", addr, code, err))
			}
		}
	}()

	update("# test feed\n192.0.2.60\n198.51.100.0/24\n")
	took, ok := waitFor(2*time.Second, func() bool {
		return s.status(t, "192.0.2.60") == 403 && s.status(t, "192.0.2.50") == 200
	})
	if !ok {
		t.Fatalf("the changed list did not apply within 2s\n%s", s.sw.Logs())
	}
	t.Logf("the changed list applied after %v", took.Round(time.Millisecond))
	if s.status(t, "198.51.100.9") != 403 {
		t.Error("an entry in both versions of the list stopped applying")
	}

	// A broken file: the running list stays, and the log names the file and line.
	update("192.0.2.70\n192.0.2.300\n")
	if _, ok := waitFor(10*time.Second, func() bool {
		return len(s.sw.LogLines(`"blocklist reload refused`, `drop.netset:2`)) > 0
	}); !ok {
		t.Fatalf("no refusal logged for a broken list:\n%s", s.sw.Logs())
	}
	for addr, want := range map[string]int{"192.0.2.60": 403, "198.51.100.9": 403, "192.0.2.70": 200} {
		if got := s.status(t, addr); got != want {
			t.Errorf("after a broken change: %s got %d, want %d (the running list must stay)", addr, got, want)
		}
	}

	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during the reloads; the first: %v", n, sent.Load(), firstFailure.Load())
	}
	t.Logf("%d requests sent during the reloads", sent.Load())
}

// TestAdminBan: the admin API refuses a request without the token; a ban applies at
// once, survives a sidewall restart, and lifting it applies at once.
func TestAdminBan(t *testing.T) {
	s := startBansStack(t, nil, nil)
	bearer := "Bearer " + adminToken
	const client = "192.0.2.90"

	for _, auth := range []string{"", "Bearer wrong-token-0123456789", adminToken} {
		if r := s.adminCall(t, "POST", "/bans", `{"addr": "`+client+`"}`, auth); r.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401: %s", auth, r.status, r.body)
		}
	}
	if r := s.adminCall(t, "GET", "/bans", "", ""); r.status != http.StatusUnauthorized {
		t.Errorf("GET /bans without a token: status %d, want 401", r.status)
	}
	if s.status(t, client) != http.StatusOK {
		t.Fatal("refused requests banned the client")
	}
	if r := s.adminCall(t, "POST", "/bans", `{"addr": "192.0.2.300"}`, bearer); r.status != http.StatusBadRequest || !strings.Contains(r.body, "192.0.2.300") {
		t.Errorf("bad address: status %d: %s", r.status, r.body)
	}

	r := s.adminCall(t, "POST", "/bans", `{"addr": "`+client+`", "ttl": "1h", "reason": "e2e test"}`, bearer)
	if r.status != http.StatusOK {
		t.Fatalf("POST /bans: status %d: %s", r.status, r.body)
	}
	// At once: the very next request.
	if got := s.status(t, client); got != http.StatusForbidden {
		t.Fatalf("right after the ban: status %d, want 403", got)
	}
	if _, ok := waitFor(5*time.Second, func() bool {
		return len(s.sw.LogLines(`"msg":"denied"`, `"action":"ban"`, `"client":"`+client+`"`, `"reason":"ban: e2e test"`)) > 0
	}); !ok {
		t.Errorf("the ban denial is not logged:\n%s", s.sw.Logs())
	}
	if s.status(t, "192.0.2.91") != http.StatusOK {
		t.Error("a neighbour of the banned address is denied")
	}

	listed := func() []string {
		t.Helper()
		r := s.adminCall(t, "GET", "/bans", "", bearer)
		var list struct {
			Bans []struct {
				Prefix, Reason string
			}
		}
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || r.status != http.StatusOK {
			t.Fatalf("GET /bans: status %d, %v: %s", r.status, err, r.body)
		}
		var out []string
		for _, b := range list.Bans {
			out = append(out, b.Prefix+" "+b.Reason)
		}
		return out
	}
	if got := listed(); len(got) != 1 || got[0] != client+"/32 e2e test" {
		t.Errorf("GET /bans listed %q", got)
	}

	// A restart: the ban is back from the file.
	if err := s.sw.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.sw.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := s.status(t, client); got != http.StatusForbidden {
		t.Errorf("after a restart: status %d, want 403 (the ban must survive)", got)
	}
	if got := listed(); len(got) != 1 {
		t.Errorf("after a restart GET /bans listed %q", got)
	}

	if r := s.adminCall(t, "DELETE", "/bans/"+client, "", bearer); r.status != http.StatusOK {
		t.Fatalf("DELETE: status %d: %s", r.status, r.body)
	}
	if got := s.status(t, client); got != http.StatusOK {
		t.Errorf("right after the unban: status %d, want 200", got)
	}
}

// TestAllowlistExemptsFromBans: the allowlist exempts its addresses from bans whether the
// blocklist is on or off (blocklist.enabled turns the lists off, not the allowlist), as
// config.toml says; with the blocklist off, its entries deny nothing.
func TestAllowlistExemptsFromBans(t *testing.T) {
	for _, enabled := range []string{"true", "false"} {
		t.Run("blocklist.enabled="+enabled, func(t *testing.T) {
			s := startBansStack(t, nil, func(cfg string) string {
				for _, kv := range [][3]string{
					{"blocklist", "enabled", enabled},
					{"blocklist", "allow", `["192.0.2.120"]`},
					{"waf", "enabled", "false"}, // not what this is about, and slow to start
				} {
					var err error
					if cfg, err = setTOMLKey(cfg, kv[0], kv[1], kv[2]); err != nil {
						t.Fatal(err)
					}
				}
				return cfg
			})
			wantListed := http.StatusForbidden
			if enabled == "false" {
				wantListed = http.StatusOK
			}
			if got := s.status(t, "203.0.113.7"); got != wantListed {
				t.Errorf("an address of blocklist.entries: status %d, want %d", got, wantListed)
			}
			r := s.adminCall(t, "POST", "/bans", `{"addr": "192.0.2.0/24", "reason": "e2e allowlist"}`, "Bearer "+adminToken)
			if r.status != http.StatusOK {
				t.Fatalf("POST /bans: status %d: %s", r.status, r.body)
			}
			if got := s.status(t, "192.0.2.121"); got != http.StatusForbidden {
				t.Errorf("a banned address: status %d, want 403", got)
			}
			if got := s.status(t, "192.0.2.120"); got != http.StatusOK {
				t.Errorf("a banned address on the allowlist: status %d, want 200", got)
			}
		})
	}
}

// TestAutoBan: a client that earns three WAF denials is banned, on every path, and the
// ban is logged with its evidence.
func TestAutoBan(t *testing.T) {
	s := startBansStack(t, nil, func(cfg string) string {
		cfg = replaceOnce(t, cfg, "enabled = false\n\n# Denials that earn a ban", "enabled = true\n\n# Denials that earn a ban")
		return replaceOnce(t, cfg, "\nthreshold = 10\n", "\nthreshold = 3\n") // [autoban]'s, not a WAF threshold
	})
	const client = "192.0.2.95"
	attack := "/?id=1%27%20OR%20%271%27%3D%271"
	for i := range 3 {
		if r := getFrom(t, s.site, attack, client); r.status != http.StatusForbidden {
			t.Fatalf("attack %d: status %d, want 403 from the WAF", i+1, r.status)
		}
	}
	// The ban applies off the hot path, a few milliseconds after the third denial.
	if _, ok := waitFor(5*time.Second, func() bool { return s.status(t, client) == http.StatusForbidden }); !ok {
		t.Fatalf("a harmless request still passes after three WAF denials:\n%s", s.sw.Logs())
	}
	if s.status(t, "192.0.2.96") != http.StatusOK {
		t.Error("another client is denied")
	}
	lines := s.sw.LogLines(`"msg":"auto-ban"`, `"prefix":"`+client+`/32"`, `"reason":"autoban: 3 waf/ratelimit denials in 1m0s"`)
	if len(lines) == 0 || !strings.Contains(lines[0], `"evidence":[`) || !strings.Contains(lines[0], " waf ") {
		t.Errorf("the auto-ban is not logged with its evidence:\n%s", s.sw.Logs())
	}
	r := s.adminCall(t, "GET", "/bans", "", "Bearer "+adminToken)
	if !strings.Contains(r.body, `"source": "autoban"`) || !strings.Contains(r.body, `"evidence"`) {
		t.Errorf("GET /bans: %s", r.body)
	}
}

// replicaConfig is a sidewall sharing rate limits, and so bans, through the Redis at
// redisAddr, with its own admin API and ban file. The WAF is off: it is not what this
// tests, and loading the CRS three times would only slow the test.
func replicaConfig(listen, admin, redisAddr, banFile string) string {
	return fmt.Sprintf(`[server]
listen = %q
[waf]
enabled = false
[ratelimit]
backend = "redis"
[ratelimit.redis]
address = %q
[bans]
file = %q
[admin]
listen = %q
token = %q
`, listen, redisAddr, banFile, admin, adminToken)
}

// authAction asks sw about a request from addr, as nginx's auth_request would, and
// returns the status and action.
func authAction(t *testing.T, sw *stack.Sidewall, addr string) (int, string) {
	t.Helper()
	r := do(t, http.MethodGet, "http://"+sw.Addr+"/auth", "", "X-Sidewall-Method: GET", "X-Sidewall-URI: /",
		"X-Sidewall-Host: shop.example", "X-Sidewall-Addr: "+addr, "X-Sidewall-Protocol: HTTP/1.1")
	return r.status, r.header.Get("X-Sidewall-Action")
}

// TestBansReachReplicas: with the Redis backend, a ban made through one replica's admin
// API applies on the others within a second, lifting it too, and a replica that starts
// later loads the bans in force.
func TestBansReachReplicas(t *testing.T) {
	ctx := context.Background()
	rds, err := stack.StartRedis(ctx, t.TempDir())
	if errors.Is(err, stack.ErrNoRedis) && !stack.RedisRequired() {
		t.Skipf("%v; skipping the shared bans test", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rds.Stop()

	dir := t.TempDir()
	start := func(name string) (*stack.Sidewall, string) {
		t.Helper()
		listen, _ := freeAddr()
		admin, _ := freeAddr()
		cfg := filepath.Join(dir, name+".toml")
		text := replicaConfig(listen, admin, rds.Addr, filepath.Join(dir, name+"-bans.json"))
		if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		sw, err := stack.StartSidewall(ctx, env.bin, cfg, listen)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sw.Stop() })
		if _, ok := waitFor(10*time.Second, func() bool { return len(sw.LogLines("bans: synchronised through redis")) > 0 }); !ok {
			t.Fatalf("%s did not synchronise with redis:\n%s", name, sw.Logs())
		}
		return sw, "http://" + admin
	}
	a, adminA := start("a")
	b, adminB := start("b")
	const client = "192.0.2.140"
	bearer := "Authorization: Bearer " + adminToken

	if r := do(t, "POST", adminA+"/bans", `{"addr": "`+client+`", "reason": "shared"}`, bearer); r.status != http.StatusOK {
		t.Fatalf("POST /bans on A: status %d: %s", r.status, r.body)
	}
	if status, action := authAction(t, a, client); status != http.StatusForbidden || action != "ban" {
		t.Errorf("A: %d %q right after the ban, want 403 ban", status, action)
	}
	took, ok := waitFor(time.Second, func() bool {
		status, _ := authAction(t, b, client)
		return status == http.StatusForbidden
	})
	if !ok {
		t.Fatalf("the ban made on A did not reach B within a second\nA:\n%s\nB:\n%s", a.Logs(), b.Logs())
	}
	t.Logf("the ban reached B after %v", took.Round(time.Millisecond))

	// A replica that starts now loads it from Redis (its own ban file is empty).
	c, _ := start("c")
	if status, _ := authAction(t, c, client); status != http.StatusForbidden {
		t.Errorf("a replica started after the ban lets %s through", client)
	}

	if r := do(t, "DELETE", adminB+"/bans/"+client, "", bearer); r.status != http.StatusOK {
		t.Fatalf("DELETE on B: status %d: %s", r.status, r.body)
	}
	for name, sw := range map[string]*stack.Sidewall{"A": a, "C": c} {
		if _, ok := waitFor(time.Second, func() bool {
			status, _ := authAction(t, sw, client)
			return status == http.StatusNoContent
		}); !ok {
			t.Errorf("the unban made on B did not reach %s within a second", name)
		}
	}
}
