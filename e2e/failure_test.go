package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// TestSidewallDown runs nginx against a sidewall address where nothing listens: the
// fail-closed include (the example site) answers 503, the fail-open include lets the
// request through and nginx logs why.
func TestSidewallDown(t *testing.T) {
	dead, err := freeAddr() // nothing listens here
	if err != nil {
		t.Fatal(err)
	}
	closedListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	openListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	failOpenSite := fmt.Sprintf(`server {
    listen %s;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect-failopen.conf;
    location / {
        proxy_pass http://%s;
    }
}
`, openListen, env.app.Addr)
	ngx, err := stack.StartNginx(context.Background(), stack.NginxOptions{
		Dir: filepath.Join(t.TempDir(), "nginx"), Sidewall: dead, Listen: closedListen,
		App: env.app.Addr, Servers: []string{failOpenSite},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

	r := do(t, http.MethodGet, "http://"+closedListen+"/closed", "")
	if r.status != http.StatusServiceUnavailable {
		t.Errorf("fail-closed: status %d, want 503; body %q", r.status, r.body)
	}
	noInternalHeaders(t, r)

	r = do(t, http.MethodGet, "http://"+openListen+"/open", "")
	if r.status != http.StatusOK || r.body != "GET /open\n" {
		t.Errorf("fail-open: status %d body %q, want 200 from the upstream", r.status, r.body)
	}
	line := waitForLine(t, ngx.AccessLog, "GET /open")
	if !strings.Contains(line, "sw_status=502") {
		t.Errorf("fail-open access log line does not record sidewall's failure (sw_status=502):\n%s", line)
	}
	if !strings.Contains(ngx.ErrorLogText(), "/_sidewall/auth-failopen") {
		t.Errorf("error log does not name the failed auth subrequest:\n%s", ngx.ErrorLogText())
	}
}

// TestMalformedRequestsGetADeliberateAnswer sends sidewall what it cannot judge, directly
// (nginx would never send it), and checks each gets a 403 with X-Sidewall-Action: invalid
// and that sidewall keeps serving.
func TestMalformedRequestsGetADeliberateAnswer(t *testing.T) {
	base := "http://" + env.sidewall.Addr
	tests := []struct {
		name    string
		headers []string
	}{
		{"no client address", []string{"X-Sidewall-URI: /", "X-Sidewall-Method: GET"}},
		{"garbage client address", []string{"X-Sidewall-URI: /", "X-Sidewall-Addr: 999.1.2.3"}},
		{"address with zone", []string{"X-Sidewall-URI: /", "X-Sidewall-Addr: fe80::1%eth0"}},
		{"no URI", []string{"X-Sidewall-Addr: 192.0.2.1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, base+"/auth", "", tc.headers...)
			if r.status != http.StatusForbidden || r.header.Get("X-Sidewall-Action") != "invalid" {
				t.Errorf("status %d action %q, want 403 invalid", r.status, r.header.Get("X-Sidewall-Action"))
			}
		})
	}

	t.Run("absurdly long URI", func(t *testing.T) {
		conn, err := net.Dial("tcp", env.sidewall.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		long := "/" + strings.Repeat("a", 200_000)
		fmt.Fprintf(conn, "GET /auth HTTP/1.1\r\nHost: x\r\nX-Sidewall-Addr: 192.0.2.1\r\nX-Sidewall-URI: %s\r\n\r\n", long)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Sidewall-Action") != "invalid" {
			t.Errorf("status %d action %q, want 403 invalid", resp.StatusCode, resp.Header.Get("X-Sidewall-Action"))
		}
	})

	t.Run("through nginx", func(t *testing.T) {
		// nginx refuses a URI longer than its header buffers itself (414), before sidewall.
		r := get(t, "/"+strings.Repeat("b", 20_000), "192.0.2.30")
		if r.status != http.StatusRequestURITooLong {
			t.Errorf("status %d, want 414 from nginx", r.status)
		}
	})

	// Still serving.
	if r := do(t, http.MethodGet, base+"/healthz", ""); r.status != http.StatusOK {
		t.Fatalf("healthz after malformed requests: %d", r.status)
	}
	if r := get(t, "/", "192.0.2.31"); r.status != http.StatusOK {
		t.Fatalf("request through nginx after malformed requests: %d", r.status)
	}
}
