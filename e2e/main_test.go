//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
)

// env is the stack shared by the tests of this package: starting nginx and sidewall (whose
// WAF loads the whole CRS) once keeps the suite fast. Tests that need their own instances
// (a stopped sidewall) start them.
var env struct {
	bin      string // the sidewall binary
	dir      string
	app      *stack.Upstream
	sidewall *stack.Sidewall
	nginx    *stack.Nginx
	site     string // base URL of the example site: every location on the body path
	authSite string // base URL of a site protected by auth_request only (sidewall-protect.conf)
}

// authOnlySite is a server block that protects everything with the shipped
// sidewall-protect.conf (auth_request: request line, query and headers), trusting
// X-Forwarded-For from 127.0.0.1 like the demo so that tests can play client addresses.
const authOnlySite = `server {
    listen %s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect.conf;
    location / {
        proxy_pass http://%s;
    }
}
`

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "sidewall-e2e-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	env.dir = dir
	if env.bin, err = stack.BuildSidewall(dir); err != nil {
		return 0, err
	}
	if env.app, err = stack.StartUpstream("127.0.0.1:0"); err != nil {
		return 0, err
	}
	defer env.app.Close()

	swAddr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	cfg, err := stack.ProjectConfig(swAddr)
	if err != nil {
		return 0, err
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return 0, err
	}
	if env.sidewall, err = stack.StartSidewall(ctx, env.bin, cfgPath, swAddr); err != nil {
		return 0, err
	}
	defer env.sidewall.Stop()

	listen, err := freeAddr()
	if err != nil {
		return 0, err
	}
	authListen, err := freeAddr()
	if err != nil {
		return 0, err
	}
	env.nginx, err = stack.StartNginx(ctx, stack.NginxOptions{
		Dir: filepath.Join(dir, "nginx"), Sidewall: swAddr, Listen: listen, App: env.app.Addr,
		Servers: []string{fmt.Sprintf(authOnlySite, authListen, env.app.Addr)},
	})
	if err != nil {
		return 0, err
	}
	defer env.nginx.Stop()
	env.site = "http://" + listen
	env.authSite = "http://" + authListen
	return m.Run(), nil
}

func freeAddr() (string, error) {
	p, err := stack.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}

// response is what a test needs of an answer.
type response struct {
	status int
	header http.Header
	body   string
}

// client never follows redirects and never reuses a stale pooled connection between tests
// that restart servers.
var client = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request to base+uri (uri is used verbatim, so it may carry raw encodings) with
// the given headers ("Name: value") and body.
func do(t *testing.T, method, url, body string, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		if !ok {
			t.Fatalf("bad header %q", h)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Host") {
			req.Host = strings.TrimSpace(value) // net/http sends req.Host, not Header["Host"]
			continue
		}
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// get sends a GET to the example site as the client at addr (via X-Forwarded-For, which
// the demo site trusts from 127.0.0.1).
func get(t *testing.T, uri, addr string, headers ...string) response {
	t.Helper()
	return getFrom(t, env.site, uri, addr, headers...)
}

// getFrom is get against the site at base.
func getFrom(t *testing.T, base, uri, addr string, headers ...string) response {
	t.Helper()
	if addr != "" {
		headers = append(headers, "X-Forwarded-For: "+addr)
	}
	return do(t, http.MethodGet, base+uri, "", headers...)
}

// sites are the two ways the shipped files protect a location; the contract holds on
// both.
func sites() []struct{ name, base string } {
	return []struct{ name, base string }{{"body path", env.site}, {"auth_request", env.authSite}}
}

// noInternalHeaders fails when sidewall's own headers reached the client.
func noInternalHeaders(t *testing.T, r response) {
	t.Helper()
	for name := range r.header {
		if strings.HasPrefix(strings.ToLower(name), "x-sidewall") {
			t.Errorf("client received internal header %s: %q", name, r.header.Get(name))
		}
	}
}

// ownStack is a sidewall and an nginx of one test's own, started from the project's
// config.toml as the test edits it (the shared env's upstream stays). Both stop when the
// test ends.
type ownStack struct {
	dir   string // the test's scratch directory, which holds the configuration
	cfg   string // path of the configuration file sidewall runs with
	sw    *stack.Sidewall
	ngx   *stack.Nginx // nil with ownOptions.noNginx
	site  string       // base URL of the example site
	admin string       // base URL of the admin API; "" when it is off
}

// ownOptions say how a test's stack differs from the demo.
type ownOptions struct {
	admin    bool                    // the admin API on a free port (token: config.toml's)
	files    map[string]string       // files to write beside the configuration first
	edit     func(cfg string) string // changes to config.toml's text
	upstream string                  // nginx's address for sidewall; default its TCP address
	servers  []string                // extra nginx server blocks
	noNginx  bool
}

func startOwnStack(t *testing.T, o ownOptions) *ownStack {
	t.Helper()
	s := &ownStack{dir: t.TempDir()}
	for name, text := range o.files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	swAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	adminAddr := ""
	if o.admin {
		if adminAddr, err = freeAddr(); err != nil {
			t.Fatal(err)
		}
		s.admin = "http://" + adminAddr
	}
	cfg, err := stack.ProjectConfigAdmin(swAddr, adminAddr)
	if err != nil {
		t.Fatal(err)
	}
	if o.edit != nil {
		cfg = o.edit(cfg)
	}
	s.cfg = filepath.Join(s.dir, "config.toml")
	if err := os.WriteFile(s.cfg, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s.sw, err = stack.StartSidewall(ctx, env.bin, s.cfg, swAddr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.sw.Stop() })
	if o.noNginx {
		return s
	}
	listen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	upstream := o.upstream
	if upstream == "" {
		upstream = swAddr
	}
	s.ngx, err = stack.StartNginx(ctx, stack.NginxOptions{Dir: filepath.Join(s.dir, "nginx"),
		Sidewall: upstream, Listen: listen, App: env.app.Addr, Servers: o.servers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.ngx.Stop() })
	s.site = "http://" + listen
	return s
}
