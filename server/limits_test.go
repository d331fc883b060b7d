package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sidewall/sidewall/waf"
)

// TestInspectionLimitAnswers: a request beyond a WAF limit is denied on both paths with
// a reason naming the limit, one log line with the limit's name, and the limit's counter.
func TestInspectionLimitAnswers(t *testing.T) {
	var logs bytes.Buffer
	s := New(&Policy{WAF: testWAF(t, waf.Options{Limits: waf.Limits{Args: 5, Headers: 10}})},
		Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	tests := []struct {
		name, raw string
		status    int
		limit     string
	}{
		{"query args, auth path", subrequest("GET", "/?a=1&b=2&c=3&d=4&e=5&f=6", "192.0.2.1", browser...), 403, waf.LimitArgs},
		{"form fields, body path", bodyRequest("POST", "/f", "192.0.2.1", "@app", "application/x-www-form-urlencoded", "a=1&b=2&c=3&d=4&e=5&f=6"), 403, waf.LimitArgs},
		{"header fields", subrequest("GET", "/", "192.0.2.1", append(browser, "X-A: 1", "X-B: 2", "X-C: 3", "X-D: 4", "X-E: 5", "X-F: 6", "X-G: 7")...), 403, waf.LimitHeaders},
		{"within the limits", subrequest("GET", "/?a=1&b=2&c=3&d=4&e=5", "192.0.2.1", browser...), 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logs.Reset()
			before := counterValue(t, s.m.limits.WithLabelValues(tc.limit))
			ctx := serve(t, s, tc.raw)
			if got := ctx.Response.StatusCode(); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			if tc.limit == "" {
				return
			}
			if got, want := header(ctx, HeaderReason), "inspection limit "+tc.limit; got != want {
				t.Errorf("reason %q, want %q", got, want)
			}
			if got := header(ctx, HeaderAction); got != actionWAF {
				t.Errorf("action %q, want waf", got)
			}
			if !strings.Contains(logs.String(), fmt.Sprintf(`"limit":%q`, tc.limit)) {
				t.Errorf("log does not name the limit:\n%s", logs.String())
			}
			if got := counterValue(t, s.m.limits.WithLabelValues(tc.limit)); got != before+1 {
				t.Errorf("sidewall_limit_reached_total{limit=%q} = %v, want %v", tc.limit, got, before+1)
			}
		})
	}
}

// TestServerLimitsAreCounted: a head over MaxHeaderBytes and a body over MaxBodyBytes are
// refused by fasthttp before the handler; each is still logged and counted by its name.
func TestServerLimitsAreCounted(t *testing.T) {
	var logs bytes.Buffer
	s := New(&Policy{}, Options{MaxHeaderBytes: 4096, MaxBodyBytes: 1024, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c := startInmemory(t, s)
	tests := []struct {
		raw    string
		status int
		limit  string
	}{
		{"GET /auth HTTP/1.1\r\nHost: x\r\nX-Pad: " + strings.Repeat("a", 8000) + "\r\n\r\n", 403, limitHeaderBytes},
		{"POST /inspect HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + strings.Repeat("a", 5000), 413, limitBodyBytes},
	}
	for _, tc := range tests {
		logs.Reset()
		if status, _ := c.roundTrip(t, tc.raw); status != tc.status {
			t.Errorf("%s: status %d, want %d", tc.limit, status, tc.status)
		}
		if got := counterValue(t, s.m.limits.WithLabelValues(tc.limit)); got != 1 {
			t.Errorf("sidewall_limit_reached_total{limit=%q} = %v, want 1", tc.limit, got)
		}
		if !strings.Contains(logs.String(), fmt.Sprintf(`"limit":%q`, tc.limit)) {
			t.Errorf("%s: log does not name the limit:\n%s", tc.limit, logs.String())
		}
	}
}

// counterValue reads a counter's value.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
