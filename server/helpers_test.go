package server

import (
	"bufio"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/limiter"
	"github.com/sidewall/sidewall/waf"
)

// t0 is the fixed instant the tests decide at.
var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// subrequest builds the auth subrequest nginx would send for a client request, by parsing
// it from the wire form (so that fasthttp's raw header block is there for the WAF).
// headers are "Name: value" lines of the client's request.
func subrequest(method, uri, addr string, headers ...string) string {
	var b strings.Builder
	b.WriteString("GET /auth HTTP/1.1\r\nHost: sidewall\r\n" + HeaderClientHost + ": www.example.com\r\n")
	fmt.Fprintf(&b, "%s: %s\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n%s: %s\r\n",
		HeaderMethod, method, HeaderURI, uri, HeaderAddr, addr, HeaderRequestID, "0123456789abcdef0123456789abcdef",
		HeaderProtocol, "HTTP/1.1")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// browser is what an ordinary browser sends.
var browser = []string{
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
	"Accept-Language: en-US,en;q=0.5",
	"Accept-Encoding: gzip, deflate, br",
}

// newCtx parses raw into a fresh request context.
func newCtx(tb testing.TB, raw string) *fasthttp.RequestCtx {
	tb.Helper()
	var req fasthttp.Request
	if err := req.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		tb.Fatalf("parse request: %v\n%s", err, raw)
	}
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, nil, nil)
	return ctx
}

// serve runs one request through a server and returns its context.
func serve(tb testing.TB, s *Server, raw string) *fasthttp.RequestCtx {
	tb.Helper()
	ctx := newCtx(tb, raw)
	s.Handler(ctx)
	return ctx
}

func header(ctx *fasthttp.RequestCtx, name string) string {
	return string(ctx.Response.Header.Peek(name))
}

func mustSet(tb testing.TB, entries ...string) *blocklist.Set {
	tb.Helper()
	var ps []netip.Prefix
	for _, e := range entries {
		p, err := blocklist.ParsePrefix(e)
		if err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	return blocklist.New(ps, blocklist.Options{})
}

func mustLimit(tb testing.TB, name string, m Match, limit int, window time.Duration, dryRun, headers bool) *Limit {
	tb.Helper()
	w, err := limiter.New(limiter.Options{Limit: limit, Window: window})
	if err != nil {
		tb.Fatal(err)
	}
	return NewLimit(name, m, Key{Parts: []KeyPart{{Kind: KeyAddr}}, IPv4Bits: 32, IPv6Bits: 64}, w, dryRun, headers)
}

// engines caches WAF engines by options: loading the CRS takes about a second.
var engines sync.Map

func testWAF(tb testing.TB, opts waf.Options) *waf.Engine {
	tb.Helper()
	key := fmt.Sprint(opts)
	if e, ok := engines.Load(key); ok {
		return e.(*waf.Engine)
	}
	e, err := waf.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	engines.Store(key, e)
	return e
}

// fixedClock returns a clock for Options.Now that tests move by hand.
type fixedClock struct{ now time.Time }

func (c *fixedClock) Now() time.Time { return c.now }
