//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// TestSidewallDown runs nginx against a sidewall address where nothing listens, with each
// shipped way of protecting a location (and the example site): the fail-closed includes
// answer 503 with Retry-After, the fail-open ones let the request through (body intact)
// and nginx logs why. TestSidewallFailures covers the other ways sidewall can fail.
func TestSidewallDown(t *testing.T) {
	dead, err := freeAddr() // nothing listens here
	if err != nil {
		t.Fatal(err)
	}
	site, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	listens, servers := protectServers(t)
	ngx, err := stack.StartNginx(context.Background(), stack.NginxOptions{
		Dir: filepath.Join(t.TempDir(), "nginx"), Sidewall: dead, Listen: site,
		App: env.app.Addr, Servers: servers,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

	type siteMode struct {
		name, listen string
		failOpen     bool
	}
	tests := []siteMode{{"body path, fail-closed (example site)", site, false}}
	for i, m := range protectModes {
		tests = append(tests, siteMode{m.name, listens[i], m.failOpen})
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uri := fmt.Sprintf("/down%d", i)
			r := postForm(t, tc.listen, uri)
			if !tc.failOpen {
				if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
					t.Errorf("status %d, Retry-After %q, want 503 with Retry-After: 1; body %q",
						r.status, r.header.Get("Retry-After"), r.body)
				}
				return
			}
			if r.status != http.StatusOK || r.body != "POST "+uri+"\n"+formBody {
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

// fakeSidewall stands in for sidewall where a test needs answers sidewall never gives on
// purpose. The client's path, which nginx passes in X-Sidewall-URI, says what to answer:
//
//	/status/NNN  NNN, with the headers sidewall sends beside a denial (the action, and
//	             Retry-After and the RateLimit fields for a 403 or 429)
//	/hang        nothing: it reads the request and waits until the test ends
//	other paths  allow: 204, and on /inspect X-Accel-Redirect to X-Sidewall-Continue
type fakeSidewall struct {
	Addr string
	srv  *http.Server
	hang chan struct{} // closed by Close, to let the hanging handlers return
}

func startFakeSidewall(t *testing.T) *fakeSidewall {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSidewall{Addr: ln.Addr().String(), hang: make(chan struct{})}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve)}
	go f.srv.Serve(ln)
	t.Cleanup(func() {
		close(f.hang)
		f.srv.Close()
	})
	return f
}

func (f *fakeSidewall) serve(w http.ResponseWriter, r *http.Request) {
	uri := r.Header.Get("X-Sidewall-URI")
	if uri == "/hang" {
		select {
		case <-f.hang:
		case <-r.Context().Done():
		}
		return
	}
	if code, ok := strings.CutPrefix(uri, "/status/"); ok {
		status, err := strconv.Atoi(code)
		if err != nil {
			http.Error(w, "fake sidewall: bad status "+code, http.StatusBadRequest)
			return
		}
		h := w.Header()
		h.Set("X-Sidewall-Action", "fake")
		h.Set("X-Sidewall-Reason", "fake "+code)
		if status == http.StatusForbidden || status == http.StatusTooManyRequests {
			h.Set("X-Sidewall-Action", "ratelimit")
			h.Set("Retry-After", "7")
			h["RateLimit-Policy"] = []string{`"fake";q=1;w=60`}
			h["RateLimit"] = []string{`"fake";r=0;t=7`}
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "fake sidewall %d\n", status)
		return
	}
	if r.URL.Path == "/inspect" {
		w.Header().Set("X-Accel-Redirect", r.Header.Get("X-Sidewall-Continue"))
	}
	w.WriteHeader(http.StatusNoContent)
}

// protectModes are the four shipped ways to protect a location.
var protectModes = []struct {
	name     string
	include  string // the file that protects the location
	body     bool   // the body path, where sidewall's denials are the client's answer
	failOpen bool
}{
	{"auth_request, fail-closed", "sidewall-protect.conf", false, false},
	{"auth_request, fail-open", "sidewall-protect-failopen.conf", false, true},
	{"body path, fail-closed", "sidewall-body.conf", true, false},
	{"body path, fail-open", "sidewall-body-failopen.conf", true, true},
}

// authServer and bodyServer are a server protected by auth_request or through the body
// path (format: listen, the include, the upstream application's address).
const (
	authServer = `server {
    listen %s;
    include sidewall/sidewall-server.conf;
    include sidewall/%s;
    location / { proxy_pass http://%s; }
}
`
	bodyServer = `server {
    listen %s;
    include sidewall/sidewall-server.conf;
    location / {
        set $sidewall_continue @app;
        include sidewall/%s;
    }
    location @app {
        include sidewall/sidewall-continue.conf;
        proxy_pass http://%s;
    }
}
`
)

// protectServers returns the server blocks of protectModes, in front of the shared
// upstream, and the addresses they listen on.
func protectServers(t *testing.T) (listens, servers []string) {
	t.Helper()
	for _, m := range protectModes {
		listen, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		listens = append(listens, listen)
		format := authServer
		if m.body {
			format = bodyServer
		}
		servers = append(servers, fmt.Sprintf(format, listen, m.include, env.app.Addr))
	}
	return listens, servers
}

// formBody is what postForm sends.
const formBody = "name=alice&comment=still+here"

// postForm posts formBody to the site at listen, and checks that none of sidewall's own
// headers reach the client.
func postForm(t *testing.T, listen, uri string) response {
	t.Helper()
	r := do(t, http.MethodPost, "http://"+listen+uri, formBody, "Content-Type: application/x-www-form-urlencoded")
	noInternalHeaders(t, r)
	return r
}

// TestSidewallFailures puts a fake sidewall behind the shipped files and has it fail in
// every way but refusing the connection (TestSidewallDown): each 5xx status, and no answer
// past nginx's timeout (shortened to 1s here; the shipped 5s is the same code path). On
// both paths, fail-closed answers 503 with Retry-After and fail-open passes the request on,
// body intact; sidewall's deliberate denials (403; 429 and 413 on the body path) still
// reach the client as they are.
func TestSidewallFailures(t *testing.T) {
	fake := startFakeSidewall(t)
	listens, servers := protectServers(t)
	ngx, err := stack.StartNginx(context.Background(), stack.NginxOptions{
		Dir: filepath.Join(t.TempDir(), "nginx"), Sidewall: fake.Addr, NoExampleSite: true,
		Servers: servers, ReadTimeout: "1s",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ngx.Stop()

	for i, m := range protectModes {
		t.Run(m.name, func(t *testing.T) {
			if r := postForm(t, listens[i], "/allowed"); r.status != http.StatusOK || r.body != "POST /allowed\n"+formBody {
				t.Fatalf("allowed request: status %d body %q, want 200 from the upstream", r.status, r.body)
			}
			for _, failure := range []string{"/status/500", "/status/501", "/status/502", "/status/503", "/status/504", "/hang"} {
				t.Run(strings.TrimPrefix(failure, "/"), func(t *testing.T) {
					r := postForm(t, listens[i], failure)
					if m.failOpen {
						if r.status != http.StatusOK || r.body != "POST "+failure+"\n"+formBody {
							t.Errorf("status %d body %q, want 200 from the upstream with the body", r.status, r.body)
						}
						return
					}
					if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
						t.Errorf("status %d, Retry-After %q, want 503 with Retry-After: 1; body %q",
							r.status, r.header.Get("Retry-After"), r.body)
					}
				})
			}
			// sidewall's own denials.
			if !m.body {
				// auth_request: @sidewall_denied makes the rate-limit 403 a 429.
				r := postForm(t, listens[i], "/status/403")
				if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" {
					t.Errorf("denial: status %d Retry-After %q, want 429 with Retry-After: 7", r.status, r.header.Get("Retry-After"))
				}
				return
			}
			for _, status := range []int{http.StatusForbidden, http.StatusTooManyRequests, http.StatusRequestEntityTooLarge} {
				uri := fmt.Sprintf("/status/%d", status)
				r := postForm(t, listens[i], uri)
				if want := fmt.Sprintf("fake sidewall %d\n", status); r.status != status || r.body != want {
					t.Errorf("%s: status %d body %q, want sidewall's %d %q", uri, r.status, r.body, status, want)
				}
				if status == http.StatusTooManyRequests {
					if r.header.Get("Retry-After") != "7" || r.header.Get("RateLimit") != `"fake";r=0;t=7` {
						t.Errorf("%s: Retry-After %q RateLimit %q, want sidewall's", uri, r.header.Get("Retry-After"), r.header.Get("RateLimit"))
					}
				}
			}
		})
	}
}
