package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/waf"
)

// bodyRequest builds what nginx's sidewall-body.conf sends to /inspect: the whole client
// request, body included, with the contract headers and the named location to continue at.
func bodyRequest(method, uri, addr, cont, contentType, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "POST /inspect HTTP/1.1\r\nHost: sidewall\r\n%s: www.example.com\r\n", HeaderClientHost)
	fmt.Fprintf(&b, "%s: %s\r\n%s: %s\r\n%s: %s\r\n", HeaderMethod, method, HeaderURI, uri, HeaderAddr, addr)
	if cont != "" {
		fmt.Fprintf(&b, "%s: %s\r\n", HeaderContinue, cont)
	}
	fmt.Fprintf(&b, "%s: %d\r\n", HeaderContentLength, len(body))
	fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n%s", contentType, len(body), body)
	return b.String()
}

func TestBodyPath(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	policy := func(partial bool) *Policy {
		return &Policy{
			Limits: []*Limit{mustLimit(t, "login", Match{Path: "/login"}, 1, time.Minute, false, false)},
			WAF:    testWAF(t, waf.Options{BodyLimit: 2048, BodyPartial: partial}),
		}
	}
	reject := New(policy(false), Options{Now: func() time.Time { return t0 }, Logger: logger})
	partial := New(policy(true), Options{Now: func() time.Time { return t0 }, Logger: logger})

	tests := []struct {
		name     string
		s        *Server
		raw      string
		status   int
		redirect string
		action   string
	}{
		{"benign form continues", reject, bodyRequest("POST", "/comment", "192.0.2.1", "@app", form, "name=alice&text=hello+world"), 204, "@app", ""},
		{"SQLi in the form body", reject, bodyRequest("POST", "/comment", "192.0.2.1", "@app", form, "name=alice&q=1%27%20OR%20%271%27%3D%271"), 403, "", "waf"},
		{"SQLi in a JSON body", reject, bodyRequest("POST", "/api", "192.0.2.1", "@app", "application/json", `{"q":"1' OR '1'='1"}`), 403, "", "waf"},
		{"no named location", reject, bodyRequest("POST", "/comment", "192.0.2.1", "", form, "a=b"), 403, "", "invalid"},
		{"not a named location", reject, bodyRequest("POST", "/comment", "192.0.2.1", "/app", form, "a=b"), 403, "", "invalid"},
		{"body over the limit, reject", reject, bodyRequest("POST", "/upload", "192.0.2.1", "@app", form, "data="+strings.Repeat("a", 4000)), 413, "", "waf"},
		{"body over the limit, inspect in part", partial, bodyRequest("POST", "/upload", "192.0.2.1", "@app", form, "data="+strings.Repeat("a", 4000)), 204, "@app", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := serve(t, tc.s, tc.raw)
			if got := ctx.Response.StatusCode(); got != tc.status {
				t.Fatalf("status %d, want %d; headers:\n%s", got, tc.status, &ctx.Response.Header)
			}
			if got := header(ctx, "X-Accel-Redirect"); got != tc.redirect {
				t.Errorf("X-Accel-Redirect %q, want %q", got, tc.redirect)
			}
			if got := header(ctx, HeaderAction); got != tc.action {
				t.Errorf("action %q, want %q", got, tc.action)
			}
			if tc.status >= 400 && len(ctx.Response.Body()) == 0 {
				t.Errorf("a denial answered to the client has no body")
			}
		})
	}
	if !strings.Contains(logs.String(), "inspected in part") {
		t.Errorf("partial inspection not logged:\n%s", logs.String())
	}

	// A rate-limit denial is a plain 429 here: nginx passes it on as it is.
	login := bodyRequest("POST", "/login", "192.0.2.9", "@app", form, "user=a&pass=b")
	serve(t, reject, login)
	ctx := serve(t, reject, login)
	if ctx.Response.StatusCode() != 429 || header(ctx, "Retry-After") == "" || header(ctx, "RateLimit") == "" {
		t.Errorf("rate-limited body request: status %d Retry-After %q RateLimit %q, want 429 with both",
			ctx.Response.StatusCode(), header(ctx, "Retry-After"), header(ctx, "RateLimit"))
	}
}
