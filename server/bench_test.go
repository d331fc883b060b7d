package server

import (
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/waf"
)

// BenchmarkAuth measures one decision through the handler, from the parsed subrequest to
// the answer, for each configuration beside the baseline with every check off. Run with
// -benchmem; compare runs with benchstat.
func BenchmarkAuth(b *testing.B) {
	lists := func() *Policy {
		return &Policy{
			Block:  mustSet(b, "203.0.113.0/24", "2001:db8:bad::/48"),
			Limits: []*Limit{mustLimit(b, "site", Match{PathPrefix: "/"}, 1<<30, time.Minute, false, false)},
		}
	}
	withWAF := func() *Policy {
		p := lists()
		p.WAF = testWAF(b, waf.Options{})
		return p
	}
	cases := []struct {
		name   string
		policy func() *Policy
		raw    string
	}{
		{"baseline-no-checks", func() *Policy { return &Policy{} }, subrequest("GET", "/products/42?color=red", "192.0.2.1", browser...)},
		{"blocklist+limiter", lists, subrequest("GET", "/products/42?color=red", "192.0.2.1", browser...)},
		{"crs-benign-get", withWAF, subrequest("GET", "/products/42?color=red", "192.0.2.1", browser...)},
		{"crs-attack-get", withWAF, subrequest("GET", "/?id=1%27%20OR%20%271%27%3D%271", "192.0.2.1", browser...)},
		// A static asset named in SkipWAF: the lists and limits, no CRS.
		{"crs-static-asset-skipped", func() *Policy {
			p := withWAF()
			p.SkipWAF = StaticAssets{PathPrefixes: []string{"/static/"}}
			return p
		}, subrequest("GET", "/static/app.js", "192.0.2.1", browser...)},
		// The body path (/inspect) with a benign ~1 KB urlencoded form.
		{"crs-benign-post-1k", withWAF, bodyRequest("POST", "/comment", "192.0.2.1", "@app", "application/x-www-form-urlencoded",
			"name=alice&email=alice%40example.com&comment="+strings.Repeat("hello+world+", 80))},
	}
	for _, bc := range cases {
		p := bc.policy()
		b.Run(bc.name, func(b *testing.B) {
			s := New(p, Options{})
			ctx := newCtx(b, bc.raw)
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset()
				s.Handler(ctx)
			}
		})
		b.Run(bc.name+"-parallel", func(b *testing.B) {
			s := New(p, Options{})
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := newCtx(b, bc.raw)
				for pb.Next() {
					ctx.Response.Reset()
					s.Handler(ctx)
				}
			})
		})
	}
}

var _ = fasthttp.StatusOK
