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

// TestSidewallDown runs nginx against a sidewall address where nothing listens, with each
// shipped way of protecting a location: the fail-closed includes answer 503, the fail-open
// ones let the request through (body intact) and nginx logs why.
func TestSidewallDown(t *testing.T) {
	dead, err := freeAddr() // nothing listens here
	if err != nil {
		t.Fatal(err)
	}
	var listens [4]string
	for i := range listens {
		if listens[i], err = freeAddr(); err != nil {
			t.Fatal(err)
		}
	}
	app := env.app.Addr
	servers := []string{
		fmt.Sprintf(`server {
    listen %s;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect-failopen.conf;
    location / { proxy_pass http://%s; }
}
`, listens[1], app),
		fmt.Sprintf(`server {
    listen %s;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect.conf;
    location / { proxy_pass http://%s; }
}
`, listens[2], app),
		fmt.Sprintf(`server {
    listen %s;
    include sidewall/sidewall-server.conf;
    location / {
        set $sidewall_continue @app;
        include sidewall/sidewall-body-failopen.conf;
    }
    location @app {
        include sidewall/sidewall-continue.conf;
        proxy_pass http://%s;
    }
}
`, listens[3], app),
	}
	ngx, err := stack.StartNginx(context.Background(), stack.NginxOptions{
		Dir: filepath.Join(t.TempDir(), "nginx"), Sidewall: dead, Listen: listens[0],
		App: app, Servers: servers,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

	const body = "name=alice&comment=still+here"
	tests := []struct {
		name, listen string
		failOpen     bool
	}{
		{"body path, fail-closed (example site)", listens[0], false},
		{"auth_request, fail-open", listens[1], true},
		{"auth_request, fail-closed", listens[2], false},
		{"body path, fail-open", listens[3], true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uri := fmt.Sprintf("/down%d", i)
			r := do(t, http.MethodPost, "http://"+tc.listen+uri, body, "Content-Type: application/x-www-form-urlencoded")
			noInternalHeaders(t, r)
			if !tc.failOpen {
				if r.status != http.StatusServiceUnavailable {
					t.Errorf("status %d, want 503; body %q", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusOK || r.body != "POST "+uri+"\n"+body {
				t.Errorf("status %d body %q, want 200 from the upstream with the body", r.status, r.body)
			}
			line := waitForLine(t, ngx.AccessLog, "POST "+uri)
			if !strings.Contains(line, "sw_status=502") {
				t.Errorf("access log line does not record sidewall's failure (sw_status=502...):\n%s", line)
			}
		})
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
