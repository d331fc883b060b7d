package server

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// FuzzAuth feeds arbitrary request heads to the handler. Whatever arrives, the answer is
// one of the deliberate ones (204 or 403 on /auth and /inspect, 200 on /healthz, 404
// elsewhere; 413 or 429 only on /inspect) and nothing panics past the handler.
func FuzzAuth(f *testing.F) {
	seeds := []string{
		subrequest("GET", "/?id=1", "192.0.2.1", browser...),
		subrequest("GET", "/login", "2001:db8::1"),
		subrequest("POST", "/%zz%00/../..//x?a=%", "::ffff:203.0.113.7", "Cookie: a=b; c"),
		"GET /auth HTTP/1.1\r\nHost: x\r\nX-Sidewall-Addr: fe80::1%eth0\r\nX-Sidewall-URI: /\r\n\r\n",
		"GET /auth HTTP/1.1\r\nHost: [::1]:80\r\nX-Sidewall-Addr: 1.2.3.4\r\nX-Sidewall-URI: *\r\n\r\n",
		"POST /inspect HTTP/1.1\r\nHost: x\r\nX-Sidewall-Addr: 1.2.3.4\r\nX-Sidewall-URI: /\r\nX-Sidewall-Continue: @a\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":[}",
		"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	p := &Policy{
		Block:  mustSet(f, "203.0.113.0/24", "2001:db8:bad::/48"),
		Limits: []*Limit{mustLimit(f, "all", Match{PathPrefix: "/"}, 3, time.Minute, false, true)},
	}
	p.Limits[0].Key.Parts = append(p.Limits[0].Key.Parts,
		KeyPart{Kind: KeyHeader, Name: "X-Api-Key"}, KeyPart{Kind: KeyCookie, Name: "session"},
		KeyPart{Kind: KeyPath}, KeyPart{Kind: KeyHost}, KeyPart{Kind: KeyMethod})
	s := New(p, Options{Now: func() time.Time { return t0 }})
	f.Fuzz(func(t *testing.T, raw string) {
		var req fasthttp.Request
		if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
			return // fasthttp refuses it before the handler: errorHandler's case
		}
		ctx := &fasthttp.RequestCtx{}
		ctx.Init(&req, nil, nil)
		s.Handler(ctx)
		status := ctx.Response.StatusCode()
		switch path := string(ctx.Path()); {
		case path == "/auth" && (status == 204 || status == 403):
		case path == "/inspect" && (status == 204 || status == 403 || status == 429 || status == 413):
		case path == "/healthz" && status == 200:
		case path != "/auth" && path != "/inspect" && path != "/healthz" && status == 404:
		default:
			t.Fatalf("path %q answered %d", path, status)
		}
		if a := string(ctx.Response.Header.Peek(HeaderAction)); a == actionError {
			t.Fatalf("a check panicked on %q", raw)
		}
	})
}

// FuzzParseAddr checks the client-address parser: it never panics, never returns a zoned
// or IPv4-mapped address, and accepts exactly what netip accepts without a zone.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "::1", "::ffff:1.2.3.4", "fe80::1%eth0", "1.2.3", "", "2001:db8::", "01.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseAddr([]byte(s))
		if err != nil {
			return
		}
		if a.Zone() != "" || a.Is4In6() || !a.IsValid() {
			t.Fatalf("parseAddr(%q) = %v", s, a)
		}
	})
}
