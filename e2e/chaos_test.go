//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// load is a steady stream of requests through nginx from a few workers, counting answers
// by status.
type load struct {
	mu       sync.Mutex
	statuses map[int]int
	errors   int
	first200 atomic.Int64 // unix nanoseconds of the first 200 since resetFirst200; 0 before it
	stop     chan struct{}
	done     sync.WaitGroup
}

func startLoad(base string, workers int) *load {
	l := &load{statuses: map[int]int{}, stop: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	for w := 0; w < workers; w++ {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/chaos/%d", base, i), nil)
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.18.%d.%d", w, i%250+1))
				resp, err := client.Do(req)
				l.mu.Lock()
				if err != nil {
					l.errors++
				} else {
					l.statuses[resp.StatusCode]++
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						l.first200.CompareAndSwap(0, time.Now().UnixNano())
					}
				}
				l.mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}
	return l
}

// resetFirst200 forgets the first 200, so that the next one is noted.
func (l *load) resetFirst200() { l.first200.Store(0) }

// take returns the counts since the last take and resets them.
func (l *load) take() (map[int]int, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, e := l.statuses, l.errors
	l.statuses, l.errors = map[int]int{}, 0
	return s, e
}

func (l *load) close() {
	close(l.stop)
	l.done.Wait()
}

func total(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestChaos runs sidewall (rate limits shared through a real redis-server) behind nginx's
// fail-closed example site under steady load, and checks the failure policy's promise
// through 20 reloads, a Redis outage and a crash with restart. It prints its counts.
func TestChaos(t *testing.T) {
	if testing.Short() {
		t.Skip("chaos test skipped in -short mode")
	}
	ctx := context.Background()
	redis, err := stack.StartRedis(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer redis.Stop()
	openListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	failOpen := fmt.Sprintf(`server {
    listen %s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect-failopen.conf;
    location / { proxy_pass http://%s; }
}
`, openListen, env.app.Addr)
	own := startOwnStack(t, ownOptions{
		edit: func(cfg string) string {
			cfg = strings.Replace(cfg, `backend = "memory"`, `backend = "redis"`, 1)
			cfg = strings.Replace(cfg, `address = "127.0.0.1:6379"`, `address = "`+redis.Addr+`"`, 1)
			cfg = strings.Replace(cfg, `timeout = "50ms"`, `timeout = "500ms"`, 1)
			return cfg + "\n[[ratelimit.rules]]\nname = \"site\"\npath_prefix = \"/\"\nlimit = 1000000\nwindow = \"1m\"\n"
		},
		servers: []string{failOpen},
	})
	sw := own.sw
	if len(sw.LogLines("counts shared through redis")) == 0 {
		t.Fatalf("sidewall does not share limits through redis:\n%s", sw.Logs())
	}

	l := startLoad(own.site, 3)
	defer l.close()
	open := startLoad("http://"+openListen, 1) // the same traffic on a fail-open site
	defer open.close()
	time.Sleep(300 * time.Millisecond)
	l.take()
	open.take()

	// 1. Twenty reloads under load: nothing fails. Each SIGHUP waits for the previous
	// reload's log line: signals that arrive during a reload coalesce into one.
	for i := 1; i <= 20; i++ {
		if err := sw.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for len(sw.LogLines(`"msg":"reloaded"`)) < i {
			if time.Now().After(deadline) {
				t.Fatalf("reload %d not logged:\n%s", i, sw.Logs())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	time.Sleep(300 * time.Millisecond)
	st, errs := l.take()
	t.Logf("20 reloads: %d requests, statuses %v, transport errors %d", total(st), st, errs)
	if n := len(sw.LogLines(`"msg":"reloaded"`)); n != 20 {
		t.Errorf("%d reloads logged, want 20", n)
	}
	if st[http.StatusOK] != total(st) || errs > 0 || total(st) == 0 {
		t.Errorf("reloads failed requests: %v, %d errors", st, errs)
	}

	// 2. Redis stops and comes back: the local fallback decides meanwhile; nothing fails.
	if err := redis.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := redis.Start(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond) // past the fallback's backoff
	st, errs = l.take()
	t.Logf("redis stop/start: %d requests, statuses %v, transport errors %d", total(st), st, errs)
	if st[http.StatusOK] != total(st) || errs > 0 || total(st) == 0 {
		t.Errorf("a redis outage failed requests: %v, %d errors", st, errs)
	}
	if len(sw.LogLines("redis unreachable")) == 0 || len(sw.LogLines("redis answers again")) == 0 {
		t.Errorf("the fallback switches are not logged:\n%s", sw.Logs())
	}

	// 3. A crash (SIGKILL) and a restart: fail-closed answers 503 for the gap, and
	// nothing else. Recovery counts from the restart's exec, the WAF build of the demo's
	// three engines included, to the first request that passes the fail-closed site
	// again; it is printed (the README's figure: about 1 s on two idle cores), not
	// asserted, since two shared cores under other load stretch it. What is asserted is
	// that it comes back at all, well within 15 s. The start-up (exec to listening) is
	// printed apart.
	sw.Kill()
	time.Sleep(500 * time.Millisecond)
	l.resetFirst200() // sidewall is down: no request passes until it is back
	if err := sw.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	exec := sw.StartedAt
	deadline := time.Now().Add(15 * time.Second)
	for l.first200.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if l.first200.Load() == 0 {
		t.Fatalf("no request passed the fail-closed site within 15s of the restart:\n%s", sw.Logs())
	}
	recovery := time.Unix(0, l.first200.Load()).Sub(exec)
	listening, ok := sw.LogTime(`"msg":"listening"`)
	if !ok {
		t.Fatalf("no listening line after the restart:\n%s", sw.Logs())
	}
	startup := listening.Sub(exec)
	time.Sleep(300 * time.Millisecond)
	st, errs = l.take()
	t.Logf("kill and restart: %d requests, statuses %v, transport errors %d", total(st), st, errs)
	t.Logf("restart: start-up (exec to listening, WAF build included) %v; recovery (exec to the first request passing the fail-closed site) %v",
		startup.Round(time.Millisecond), recovery.Round(time.Millisecond))
	if st[http.StatusOK]+st[http.StatusServiceUnavailable] != total(st) || errs > 0 {
		t.Errorf("answers outside the fail-closed policy (200 or 503): %v, %d errors", st, errs)
	}
	if st[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 while sidewall was down: was it down?")
	}
	// The fail-open site lost nothing in all three phases.
	st, errs = open.take()
	t.Logf("fail-open site over the whole run: %d requests, statuses %v, transport errors %d", total(st), st, errs)
	if st[http.StatusOK] != total(st) || errs > 0 || total(st) == 0 {
		t.Errorf("the fail-open site failed requests: %v, %d errors", st, errs)
	}
}
