package main

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/waf"
)

// BenchmarkWAF runs the CRS at paranoia level 1 in process over the bench corpus
// (testdata/*.http), each request as sidewall-full's WAF sees it through nginx. It
// tells how much of the suite's "checker CPU µs/req" is the WAF itself; the rest is
// fasthttp, the lists and limits, the kernel, and two cores shared with nginx and wrk.
// One op is one request, the corpus taken in turn.
func BenchmarkWAF(b *testing.B) {
	e, err := waf.New(waf.Options{ParanoiaLevel: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	for _, k := range []kind{kindGet, kindPost, kindAttack} {
		reqs := wafRequests(b, k)
		for _, r := range reqs {
			if got, want := e.Inspect(r).Interrupted, k == kindAttack; got != want {
				b.Fatalf("%s %s: interrupted %v, want %v", k, r.URI, got, want)
			}
		}
		b.Run(string(k), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e.Inspect(reqs[i%len(reqs)])
				i++
			}
		})
	}
}

// wafRequests turns the corpus of kind k into the requests sidewall hands its WAF:
// the client's headers as sent, with the X-Forwarded-For the suite adds, and a
// Content-Length for a body.
func wafRequests(tb testing.TB, k kind) []*waf.Request {
	tb.Helper()
	corpus, err := loadCorpus(".", k)
	if err != nil {
		tb.Fatal(err)
	}
	client := netip.MustParseAddr("198.51.100.7")
	var out []*waf.Request
	for i, c := range corpus {
		r := &waf.Request{
			ID:         string(k) + "-" + strconv.Itoa(i),
			ClientAddr: client, ClientPort: 40000 + i,
			Method: c.Method, URI: c.Target, Proto: "HTTP/1.1",
		}
		for _, h := range c.Header {
			name, value, _ := strings.Cut(h, ":")
			r.Headers = append(r.Headers, waf.Header{Name: name, Value: strings.TrimSpace(value)})
		}
		r.Headers = append(r.Headers, waf.Header{Name: "X-Forwarded-For", Value: client.String()})
		if c.Body != "" {
			r.Body = []byte(c.Body)
			r.Headers = append(r.Headers, waf.Header{Name: "Content-Length", Value: strconv.Itoa(len(c.Body))})
		}
		out = append(out, r)
	}
	return out
}
