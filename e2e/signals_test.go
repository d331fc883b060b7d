//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// launchBuilding launches a sidewall of the test's own with the demo configuration and
// returns it while it builds its WAF engines (the demo's three take about half a
// second). Its blocklist file has a bad line, which sidewall skips with a log line while
// it builds the blocklist, before the WAF: that line says the build is under way.
func launchBuilding(t *testing.T) *stack.Sidewall {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "list.netset"), []byte("192.0.2.1\nnot an address\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := stack.ProjectConfig(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"files", `["list.netset"]`}, {"on_bad_line", `"skip"`}} {
		if cfg, err = setTOMLKey(cfg, "blocklist", kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	sw, err := stack.LaunchSidewall(env.bin, path, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sw.Kill)
	deadline := time.Now().Add(10 * time.Second)
	for len(sw.LogLines("bad line skipped")) == 0 {
		select {
		case <-sw.Exited():
			t.Fatalf("sidewall exited at start: %v\n%s", sw.ExitErr(), sw.Logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("sidewall did not start building:\n%s", sw.Logs())
		}
		time.Sleep(2 * time.Millisecond)
	}
	return sw
}

// notListening fails the test when sw accepts connections already: called right after a
// signal, it shows that the signal came during the build.
func notListening(t *testing.T, sw *stack.Sidewall) {
	t.Helper()
	if c, err := net.DialTimeout("tcp", sw.Addr, time.Second); err == nil {
		c.Close()
		t.Fatal("sidewall listened before the signal came: the test did not catch the build")
	}
}

// TestSignalsDuringStart: a SIGHUP that comes while sidewall builds its WAF is queued and
// reloads once it runs; a SIGTERM stops it cleanly, with exit code 0.
func TestSignalsDuringStart(t *testing.T) {
	t.Run("SIGHUP", func(t *testing.T) {
		sw := launchBuilding(t)
		if err := sw.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		notListening(t, sw)
		if err := sw.Ready(t.Context()); err != nil {
			t.Fatalf("after a SIGHUP during the build: %v", err)
		}
		if _, ok := waitFor(10*time.Second, func() bool { return len(sw.LogLines(`"msg":"reloaded"`)) > 0 }); !ok {
			t.Fatalf("the queued reload did not happen:\n%s", sw.Logs())
		}
		logs := sw.Logs()
		queued, listening, reloaded := strings.Index(logs, `"msg":"reload queued`), strings.Index(logs, `"msg":"listening"`), strings.Index(logs, `"msg":"reloaded"`)
		if queued < 0 || !(queued < listening && listening < reloaded) {
			t.Errorf("want the SIGHUP queued, then listening, then the reload:\n%s", logs)
		}
		if r := do(t, http.MethodGet, "http://"+sw.Addr+"/healthz", ""); r.status != http.StatusOK {
			t.Errorf("healthz: %d", r.status)
		}
	})
	t.Run("SIGTERM", func(t *testing.T) {
		sw := launchBuilding(t)
		if err := sw.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		notListening(t, sw)
		select {
		case <-sw.Exited():
		case <-time.After(10 * time.Second):
			t.Fatalf("sidewall did not stop:\n%s", sw.Logs())
		}
		if err := sw.ExitErr(); err != nil {
			t.Fatalf("exit: %v, want exit code 0\n%s", err, sw.Logs())
		}
		if len(sw.LogLines(`"msg":"stopping"`, `"during":"start"`)) != 1 || len(sw.LogLines(`"msg":"stopped"`)) != 1 {
			t.Errorf("want a stopping and a stopped line:\n%s", sw.Logs())
		}
		if len(sw.LogLines(`"msg":"listening"`)) > 0 {
			t.Errorf("sidewall listened after a SIGTERM during the build:\n%s", sw.Logs())
		}
	})
}

// TestStopAnswersDecisionsInFlight: SIGTERM lets every decision in flight finish. Each
// request is one on the body path whose body is half sent when the signal comes; the
// server has read its head (it answered "100 Continue"), so it is in flight. The rest of
// each body follows once sidewall logs that it is stopping; every request gets its
// answer, and the process exits 0. (The CRS's rule 920450 restricts the Expect header,
// which nginx never forwards; this sidewall removes it, so that the benign body passes.)
func TestStopAnswersDecisionsInFlight(t *testing.T) {
	st := startOwnStack(t, ownOptions{noNginx: true, edit: func(cfg string) string {
		cfg, err := setTOMLKey(cfg, "waf", "remove_rules", "[920450]")
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}})
	sw := st.sw
	bodies := []struct {
		body   string
		status int
	}{
		{"name=alice&text=hello+world", http.StatusNoContent},
		{"name=bob&q=1%27%20OR%20%271%27%3D%271", http.StatusForbidden},
	}
	type inFlight struct {
		conn   net.Conn
		br     *bufio.Reader
		rest   string
		status int
	}
	var reqs []inFlight
	for i := range 6 {
		b := bodies[i%len(bodies)]
		c, err := net.Dial("tcp", sw.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		half := len(b.body) / 2
		fmt.Fprintf(c, "POST /inspect HTTP/1.1\r\nHost: sidewall\r\nX-Sidewall-Client-Host: www.example.com\r\n"+
			"X-Sidewall-Method: POST\r\nX-Sidewall-URI: /form\r\nX-Sidewall-Addr: 192.0.2.%d\r\nX-Sidewall-Continue: @app\r\n"+
			"X-Sidewall-Content-Length: %d\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n"+
			"Expect: 100-continue\r\n\r\n%s", 30+i, len(b.body), len(b.body), b.body[:half])
		br := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusContinue {
			t.Fatalf("request %d: want 100 Continue, got %v %v", i, resp, err)
		}
		reqs = append(reqs, inFlight{c, br, b.body[half:], b.status})
	}
	if err := sw.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if _, ok := waitFor(5*time.Second, func() bool { return len(sw.LogLines(`"msg":"stopping"`)) > 0 }); !ok {
		t.Fatalf("sidewall did not log that it stops:\n%s", sw.Logs())
	}
	for i, r := range reqs {
		if _, err := r.conn.Write([]byte(r.rest)); err != nil {
			t.Errorf("request %d: the rest of the body: %v", i, err)
			continue
		}
		resp, err := http.ReadResponse(r.br, nil)
		if err != nil {
			t.Errorf("request %d: no answer: %v", i, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != r.status {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, r.status)
		}
	}
	select {
	case <-sw.Exited():
	case <-time.After(10 * time.Second):
		t.Fatalf("sidewall did not exit:\n%s", sw.Logs())
	}
	if err := sw.ExitErr(); err != nil || len(sw.LogLines(`"msg":"stopped"`)) != 1 {
		t.Errorf("exit: %v, want exit code 0 and a stopped line\n%s", err, sw.Logs())
	}
}
