//go:build e2e

package e2e

import (
	"context"
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

// The acceptance tests of shared limits and bans on a Redis Cluster and through
// Sentinel: three sidewall processes share one limit (within the limit plus 1%); a
// master is killed mid-run: every request is still answered (by the fallback), the
// replica takes over, each sidewall follows it within seconds and says so in its log,
// and shared limiting resumes; bans made before, during and after the failover reach
// every sidewall. The tests log what they measure: the overshoot during the failover,
// and how long after the kill each sidewall followed the new master.

// followBound is how long after a master's kill each sidewall must be deciding through
// the new master: the "within seconds". A failover takes about two seconds with
// the tests' timeouts (stack.ClusterNodeTimeout, stack.SentinelDownAfter), and a limiter
// in fallback asks Redis again once a second.
const followBound = 10 * time.Second

// failoverLimit is the limit of the rules in these tests, per hour.
const failoverLimit = 200

func TestLimitsSharedThroughClusterFailover(t *testing.T) {
	ctx := context.Background()
	cl, err := stack.StartRedisCluster(ctx, t.TempDir(), 3, 1)
	skipNoRedis(t, err)
	defer cl.Stop()
	// The master to kill holds the bans' hash; the test's client is chosen so that its
	// counts live there too.
	victim, err := cl.MasterOf(ctx, "sidewall:bans")
	if err != nil {
		t.Fatal(err)
	}
	redis := fmt.Sprintf("cluster = [%s]", quoteList(cl.Seeds()))
	testFailover(t, redis, victim, func(ctx context.Context) error { return cl.WaitHealthy(ctx) })
}

func TestLimitsSharedThroughSentinelFailover(t *testing.T) {
	ctx := context.Background()
	set, err := stack.StartRedisSentinel(ctx, t.TempDir())
	skipNoRedis(t, err)
	defer set.Stop()
	victim, err := set.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	redis := fmt.Sprintf("sentinels = [%s]\nmaster_set = %q", quoteList(set.Addrs()), stack.SentinelMasterSet)
	testFailover(t, redis, victim, set.WaitReady)
}

func skipNoRedis(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNoRedis) && !stack.RedisRequired() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// failoverReplica is one of the three sidewalls, with its admin API.
type failoverReplica struct {
	sw    *stack.Sidewall
	admin string
}

// testFailover runs the three sidewalls with redis (the [ratelimit.redis] lines), and
// kills victim, a master holding the bans' hash, mid-run. settled reports when the
// deployment is healthy again.
func testFailover(t *testing.T, redis string, victim *stack.Redis, settled func(context.Context) error) {
	ctx := context.Background()
	dir := t.TempDir()
	var replicas []failoverReplica
	var sws []*stack.Sidewall
	for i := range 3 {
		listen, _ := freeAddr()
		admin, _ := freeAddr()
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
%s
timeout = "500ms"
fallback = "local"
[[ratelimit.rules]]
name = "shared"
path = "/shared"
limit = %d
window = "1h"
algorithm = "counter"
[[ratelimit.rules]]
name = "failover"
path = "/failover"
limit = %[3]d
window = "1h"
[bans]
file = %q
[admin]
listen = %q
token = %q
`, listen, redis, failoverLimit, filepath.Join(dir, fmt.Sprintf("bans%d.json", i)), admin, adminToken)
		file := filepath.Join(dir, fmt.Sprintf("replica%d.toml", i))
		if err := os.WriteFile(file, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		sw, err := stack.StartSidewall(ctx, env.bin, file, listen)
		if err != nil {
			t.Fatal(err)
		}
		defer sw.Stop()
		replicas = append(replicas, failoverReplica{sw: sw, admin: "http://" + admin})
		sws = append(sws, sw)
	}
	defer func() {
		if t.Failed() {
			for i, r := range replicas {
				t.Logf("replica %d's lines about redis:\n%s", i, strings.Join(r.sw.LogLines("redis"), "\n"))
			}
		}
	}()
	for i, r := range replicas {
		if _, ok := waitFor(10*time.Second, func() bool { return len(r.sw.LogLines("bans: synchronised through redis")) > 0 }); !ok {
			t.Fatalf("replica %d did not synchronise its bans:\n%s", i, r.sw.Logs())
		}
		if len(r.sw.LogLines("counts shared through redis")) != 1 || len(r.sw.LogLines(`"msg":"redis: masters"`)) != 2 {
			t.Errorf("replica %d does not log that it shares counts and which masters it sees (for the limits and the bans):\n%s", i, r.sw.Logs())
		}
	}
	load := &sharedLoad{replicas: sws, client: &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: sharedWorkers},
	}}

	// 1. Shared: three times the limit over the three; the limit once in total.
	load.shareOnce(t, "shared", "/shared", "192.0.2.10", failoverLimit)

	// A client whose counts live on the master to kill: probe addresses until the
	// counts of one appear there.
	client := ""
	for i := 1; client == "" && i < 100; i++ {
		addr := fmt.Sprintf("198.51.100.%d", i)
		load.run(t, "/failover", addr, 1, -1, nil)
		keys, err := victim.Do(ctx, "KEYS", "sidewall:rl:failover:*")
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := keys.AsStrSlice(); len(list) > 0 {
			client = addr
		}
	}
	if client == "" {
		t.Fatal("no client's counts landed on the master to kill")
	}
	// It spends its shared limit (the probe took one).
	res := load.run(t, "/failover", client, failoverLimit-1, -1, nil)
	if got := res.allowed[0] + res.allowed[1] + res.allowed[2]; got != failoverLimit-1 {
		t.Errorf("%s: %d of its first %d requests allowed, want all", client, got, failoverLimit-1)
	}

	// 2. A ban before the failover reaches every replica within a second.
	ban := func(r failoverReplica, addr string) {
		t.Helper()
		if resp := do(t, "POST", r.admin+"/bans", `{"addr": "`+addr+`", "reason": "failover test"}`, "Authorization: Bearer "+adminToken); resp.status != http.StatusOK {
			t.Fatalf("POST /bans: status %d: %s", resp.status, resp.body)
		}
	}
	banned := func(addr string) bool {
		for _, r := range replicas {
			if status, _ := authAction(t, r.sw, addr); status != http.StatusForbidden {
				return false
			}
		}
		return true
	}
	ban(replicas[0], "192.0.2.201")
	if took, ok := waitFor(time.Second, func() bool { return banned("192.0.2.201") }); !ok {
		t.Errorf("the ban made before the failover did not reach every replica within a second")
	} else {
		t.Logf("the ban before the failover reached every replica after %v", took.Round(time.Millisecond))
	}

	// The new master can keep only what reached it. Redis replicates asynchronously: what
	// the master had not sent on when it died is lost with it, whatever sidewall does, and
	// a replica that synced moments ago may not have been sent anything yet. So the kill
	// waits until the master's replicas have acknowledged the client's spent limit (and
	// the ban): the promise under test is that the replicated count survives.
	if err := victim.WaitReplicated(ctx); err != nil {
		t.Fatal(err)
	}

	// 3. The master dies under load. Every request is answered; each replica falls back,
	// follows the new master, says so, and shares again; a ban made meanwhile arrives.
	var killedAt time.Time
	var followed atomic.Bool
	var during loadResult
	var wg sync.WaitGroup
	wg.Go(func() {
		during = load.runUntil(t, "/failover", client, followed.Load)
	})
	time.Sleep(200 * time.Millisecond) // under load
	killedAt = time.Now()
	victim.Kill()
	ban(replicas[1], "192.0.2.202")
	back := make([]time.Duration, len(replicas))
	var banDuring time.Duration                            // when the ban made during the failover was everywhere
	deadline := killedAt.Add(followBound + 10*time.Second) // past the bound, to measure how late
	for time.Now().Before(deadline) {
		n := 0
		for i, r := range replicas {
			if at, ok := r.sw.LogTime(`"rule":"failover"`, "redis answers again"); ok && at.After(killedAt) {
				back[i] = at.Sub(killedAt)
				n++
			}
		}
		if banDuring == 0 && banned("192.0.2.202") {
			banDuring = time.Since(killedAt)
		}
		if n == len(replicas) && banDuring > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the load runs on a moment through the new master
	followed.Store(true)
	wg.Wait()
	if err := settled(ctx); err != nil {
		t.Fatal(err)
	}
	allowed := during.allowed[0] + during.allowed[1] + during.allowed[2]
	t.Logf("failover: %d requests during it, %d allowed (per replica %v): overshoot %d over the limit %d (%.0f%%), "+
		"at most one local limit per replica by design", during.sent, allowed, during.allowed, allowed, failoverLimit,
		100*float64(allowed)/failoverLimit)
	if allowed > 3*failoverLimit*101/100 {
		t.Errorf("during the failover the replicas allowed %d beyond the spent limit; want at most their own local limits, %d",
			allowed, 3*failoverLimit)
	}
	for i, r := range replicas {
		if lines := r.sw.LogLines(`"rule":"failover"`, "redis unreachable; the fallback decides"); len(lines) != 1 {
			t.Errorf("replica %d logged the fall back %d times, want once", i, len(lines))
		}
		var followedAt []string
		for _, what := range []string{"ratelimit", "bans"} {
			var at time.Time
			_, ok := waitFor(followBound, func() bool { // it may be a moment behind the first decisions
				var found bool
				at, found = r.sw.LogTime(`"msg":"redis: a new master; following it"`, `"for":"`+what+`"`, `"from":"`+victim.Addr+`"`)
				return found
			})
			if !ok {
				t.Errorf("replica %d does not log that its %s connection follows the new master", i, what)
				continue
			}
			followedAt = append(followedAt, fmt.Sprintf("%s %v", what, at.Sub(killedAt).Round(time.Millisecond)))
		}
		if back[i] == 0 || back[i] > followBound {
			t.Errorf("replica %d decided through the new master %v after the kill, want within %v", i, back[i], followBound)
		}
		t.Logf("replica %d after the kill: logged the new master (%s), shared limits again after %v",
			i, strings.Join(followedAt, ", "), back[i].Round(time.Millisecond))
	}

	// The ban made during the failover has arrived; one made after it arrives within a
	// second; the one made before is still everywhere.
	if banDuring == 0 {
		t.Errorf("the ban made during the failover did not reach every replica")
	} else {
		t.Logf("the ban made during the failover reached every replica %v after the kill", banDuring.Round(time.Millisecond))
	}
	ban(replicas[2], "192.0.2.203")
	if took, ok := waitFor(time.Second, func() bool { return banned("192.0.2.203") }); !ok {
		t.Errorf("the ban made after the failover did not reach every replica within a second")
	} else {
		t.Logf("the ban after the failover reached every replica after %v", took.Round(time.Millisecond))
	}
	if !banned("192.0.2.201") {
		t.Error("the ban made before the failover was lost")
	}

	// 4. Shared again, on the new master.
	load.shareOnce(t, "shared after the failover", "/shared", "192.0.2.11", failoverLimit)
}
