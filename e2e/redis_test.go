//go:build e2e

package e2e

import (
	"context"
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

// TestSharedRateLimitThroughRedis is the acceptance test of shared rate limits: three
// sidewall processes with backend "redis" share one real redis-server and enforce one
// limit together; with Redis stopped mid-run every request is still answered, each
// process limits on its own (fallback "local") and says so in its log; with Redis back
// they say so again and share the limit once more.
//
// The requests go straight to each sidewall's /auth with the headers nginx would set,
// round-robin over the three, from one client address: nginx adds nothing to what is
// tested here, and the contract tests cover it.
func TestSharedRateLimitThroughRedis(t *testing.T) {
	ctx := context.Background()
	rds, err := stack.StartRedis(ctx, t.TempDir())
	skipNoRedis(t, err)
	defer rds.Stop()

	// An hour's window: a run of a few seconds is very unlikely to straddle a boundary of
	// the counter's fixed windows, which lets a sliding window's estimate admit a few more.
	// A generous timeout: the test shares two cores with whatever else runs, and a
	// decision that times out is decided locally (and logged), which is right for a
	// deployment but not what this test is about; a stopped Redis refuses at once anyway.
	const limit, exactLimit = 200, 40
	dir := t.TempDir()
	var replicas []*stack.Sidewall
	for i := range 3 {
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		cfg := fmt.Sprintf(`[server]
listen = %q
[log]
format = "json"
[blocklist]
enabled = false
[waf]
enabled = false
[ratelimit]
backend = "redis"
[ratelimit.redis]
address = %q
timeout = "500ms"
fallback = "local"
[[ratelimit.rules]]
name = "shared"
path = "/shared"
limit = %d
window = "1h"
algorithm = "counter"
[[ratelimit.rules]]
name = "exact"
path = "/exact"
limit = %d
window = "1h"
algorithm = "exact"
`, addr, rds.Addr, limit, exactLimit)
		file := filepath.Join(dir, fmt.Sprintf("replica%d.toml", i))
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		sw, err := stack.StartSidewall(ctx, env.bin, file, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer sw.Stop()
		replicas = append(replicas, sw)
	}
	for i, sw := range replicas {
		if len(sw.LogLines("counts shared through redis")) != 1 {
			t.Errorf("replica %d does not log that it shares counts through redis:\n%s", i, sw.Logs())
		}
	}
	defer func() {
		if t.Failed() {
			for i, sw := range replicas {
				t.Logf("replica %d's lines about redis:\n%s", i, strings.Join(sw.LogLines("redis"), "\n"))
			}
		}
	}()
	load := &sharedLoad{replicas: replicas, client: &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: sharedWorkers},
	}}

	// 1. Redis up: three times the limit, spread over the three; one limit in total.
	for _, tc := range []struct {
		uri   string
		limit int
	}{{"/shared", limit}, {"/exact", exactLimit}} {
		load.shareOnce(t, tc.uri+", Redis up", tc.uri, "192.0.2.10", tc.limit)
	}

	// 2. Redis stopped mid-run: every request is answered, and each replica limits on
	// its own: it allows the limit from its fallback window, and never more after the
	// stop (requests in flight while Redis stopped may have gone either way, so they count
	// in allowed but not in allowedAfter).
	const outage = 6 * limit
	res := load.run(t, "/shared", "192.0.2.20", outage, outage/8, func() {
		if err := rds.Stop(); err != nil {
			t.Error(err)
		}
	})
	t.Logf("/shared, Redis stopped at request %d of %d: allowed per replica %v, of which after the stop %v",
		outage/8, outage, res.allowed, res.allowedAfter)
	for i := range replicas {
		if res.allowed[i] < limit || res.allowedAfter[i] > limit {
			t.Errorf("replica %d allowed %d, %d of them after Redis stopped; want at least its own limit %d, and at most that after the stop",
				i, res.allowed[i], res.allowedAfter[i], limit)
		}
	}
	for i, sw := range replicas {
		if lines := waitLogLines(sw, `"rule":"shared"`, "redis unreachable; the fallback decides"); len(lines) != 1 {
			t.Errorf("replica %d logged the fall back %d times, want once:\n%s", i, len(lines), sw.Logs())
		} else if !strings.Contains(lines[0], `"fallback":"local"`) {
			t.Errorf("replica %d's log line does not name the fallback: %s", i, lines[0])
		}
	}

	// 3. Redis back (empty, on the same port): a second after its failure each replica
	// asks again, switches back and says so.
	if err := rds.Start(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for back := 0; back < 3 && time.Now().Before(deadline); {
		load.run(t, "/shared", "192.0.2.30", 3, -1, nil)
		back = 0
		for _, sw := range replicas {
			if len(sw.LogLines(`"rule":"shared"`, "redis answers again")) > 0 {
				back++
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, sw := range replicas {
		if n := len(sw.LogLines(`"rule":"shared"`, "redis answers again")); n != 1 {
			t.Errorf("replica %d logged the return to Redis %d times, want once:\n%s", i, n, sw.Logs())
		}
	}

	// 4. Shared again.
	load.shareOnce(t, "/shared, Redis back", "/shared", "192.0.2.40", limit)
}

// shareOnce sends three times limit requests for uri as the client at addr, spread over
// the replicas, and fails t unless they allowed the limit once in total, +1% at most.
func (l *sharedLoad) shareOnce(t *testing.T, what, uri, addr string, limit int) {
	t.Helper()
	res := l.run(t, uri, addr, 3*limit, -1, nil)
	total := res.allowed[0] + res.allowed[1] + res.allowed[2]
	t.Logf("%s: %d of %d allowed (per replica %v), limit %d", what, total, 3*limit, res.allowed, limit)
	if total < limit || total*100 > limit*101 {
		t.Errorf("%s: three replicas allowed %d together (per replica %v), want the limit %d, +1%% at most", what, total, res.allowed, limit)
	}
}

// sharedWorkers is how many requests the load keeps in flight.
const sharedWorkers = 6

// sharedLoad sends decisions to sidewall replicas, round-robin.
type sharedLoad struct {
	replicas []*stack.Sidewall
	client   *http.Client
}

// loadResult counts the allowed answers per replica: in all, and among the requests sent
// after the event of run had finished; and the requests sent.
type loadResult struct {
	allowed, allowedAfter [3]int
	sent                  int
}

// run sends n requests for uri as the client at addr, request i to replica i%3, with
// sharedWorkers in flight. When request number at is drawn, its worker runs event (the
// others go on meanwhile). Any answer but 204 or a rate-limit 403, or no answer, fails t.
func (l *sharedLoad) run(t *testing.T, uri, addr string, n, at int, event func()) loadResult {
	t.Helper()
	return l.drive(t, uri, addr, func(i int) bool { return i < n }, at, event)
}

// runUntil sends requests as run does until stop reports true.
func (l *sharedLoad) runUntil(t *testing.T, uri, addr string, stop func() bool) loadResult {
	t.Helper()
	return l.drive(t, uri, addr, func(int) bool { return !stop() }, -1, nil)
}

// drive sends request i while more(i), as run describes.
func (l *sharedLoad) drive(t *testing.T, uri, addr string, more func(i int) bool, at int, event func()) loadResult {
	t.Helper()
	var next atomic.Int64
	var after atomic.Bool
	var mu sync.Mutex
	var res loadResult
	var bad []string
	var wg sync.WaitGroup
	for range sharedWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if !more(i) {
					return
				}
				if i == at {
					event()
					after.Store(true)
				}
				sentAfter := after.Load()
				r := i % len(l.replicas)
				allowed, err := l.decide(l.replicas[r], uri, addr)
				mu.Lock()
				res.sent++
				switch {
				case err != nil:
					bad = append(bad, fmt.Sprintf("request %d to replica %d: %v", i, r, err))
				case allowed:
					res.allowed[r]++
					if sentAfter {
						res.allowedAfter[r]++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d of %d requests were not answered with an allow or a rate-limit denial; the first:\n%s",
			len(bad), res.sent, strings.Join(bad[:min(len(bad), 5)], "\n"))
	}
	return res
}

// decide asks sw about GET uri from addr, as nginx's auth_request would, and reports
// whether it was allowed; a denial other than a rate limit's is an error.
func (l *sharedLoad) decide(sw *stack.Sidewall, uri, addr string) (bool, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+sw.Addr+"/auth", nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("X-Sidewall-Method", "GET")
	req.Header.Set("X-Sidewall-URI", uri)
	req.Header.Set("X-Sidewall-Host", "shop.example")
	req.Header.Set("X-Sidewall-Addr", addr)
	req.Header.Set("X-Sidewall-Protocol", "HTTP/1.1")
	resp, err := l.client.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	switch action := resp.Header.Get("X-Sidewall-Action"); {
	case resp.StatusCode == http.StatusNoContent:
		return true, nil
	case resp.StatusCode == http.StatusForbidden && action == "ratelimit":
		return false, nil
	default:
		return false, fmt.Errorf("status %d, action %q", resp.StatusCode, action)
	}
}

// waitLogLines returns sw's log lines holding all of subs, waiting up to two seconds for
// at least one.
func waitLogLines(sw *stack.Sidewall, subs ...string) []string {
	deadline := time.Now().Add(2 * time.Second)
	for {
		lines := sw.LogLines(subs...)
		if len(lines) > 0 || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}
