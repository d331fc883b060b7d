package waf

import (
	"fmt"
	"strings"
	"testing"
)

// small has limits small enough for a test to go past each of them cheaply.
var small = &lazyEngine{opts: Options{Limits: Limits{
	Args: 10, ArgNameBytes: 32, ArgValueBytes: 64, Depth: 5, MultipartParts: 6, Cookies: 8, Headers: 12,
}}}

// smallDetect is small in detection-only mode.
var smallDetect = &lazyEngine{opts: Options{DetectionOnly: true, Limits: small.opts.Limits}}

// repeat joins n strings made by f with sep.
func repeat(n int, sep string, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, sep)
}

func params(n int) string {
	return repeat(n, "&", func(i int) string { return fmt.Sprintf("p%d=%d", i, i) })
}

func multipart(parts int) string {
	return repeat(parts, "", func(i int) string {
		return fmt.Sprintf("--BB\r\nContent-Disposition: form-data; name=\"p%d\"\r\n\r\nvalue %d\r\n", i, i)
	}) + "--BB--\r\n"
}

func nestedJSON(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + `["x"]` + strings.Repeat("}", depth-1)
}

func nestedXML(depth int) string {
	return strings.Repeat("<a>", depth) + "x" + strings.Repeat("</a>", depth)
}

func withHeaders(r *Request, n int) *Request {
	for i := 0; i < n; i++ {
		r = withHeader(r, fmt.Sprintf("X-Extra-%d", i), "1")
	}
	return r
}

// TestLimitsDenyBeyond sends, for every limit, a benign request just at it (it passes) and
// one just beyond it (denied, Verdict.Limit naming the limit), with small limits.
// browserHeaders() has 6 fields, one Cookie header of 2 cookies.
func TestLimitsDenyBeyond(t *testing.T) {
	tests := []struct {
		limit      string
		at, beyond *Request
	}{
		{LimitArgs, get("/?" + params(10)), get("/?" + params(11))},
		{LimitArgs, post("/f", formType, params(10)), post("/f", formType, params(11))},
		{LimitArgs, post("/j", jsonType, "["+repeat(10, ",", func(int) string { return "1" })+"]"),
			post("/j", jsonType, "["+repeat(11, ",", func(int) string { return "1" })+"]")},
		{LimitArgs, post("/x", "application/xml", "<r>"+repeat(10, "", func(int) string { return "<a>v</a>" })+"</r>"),
			post("/x", "application/xml", "<r>"+repeat(11, "", func(int) string { return "<a>v</a>" })+"</r>")},
		{LimitArgs, post("/x", "application/xml", "<r>"+repeat(10, "", func(int) string { return `<a b="v"/>` })+"</r>"),
			post("/x", "application/xml", "<r>"+repeat(11, "", func(int) string { return `<a b="v"/>` })+"</r>")},
		{LimitArgNameBytes, get("/?" + strings.Repeat("n", 32) + "=1"), get("/?" + strings.Repeat("n", 33) + "=1")},
		{LimitArgValueBytes, post("/f", formType, "v="+strings.Repeat("a", 64)), post("/f", formType, "v="+strings.Repeat("a", 65))},
		{LimitDepth, post("/j", jsonType, nestedJSON(5)), post("/j", jsonType, nestedJSON(6))},
		{LimitDepth, post("/x", "application/xml", nestedXML(5)), post("/x", "application/xml", nestedXML(6))},
		{LimitMultipartParts, post("/m", "multipart/form-data; boundary=BB", multipart(6)),
			post("/m", "multipart/form-data; boundary=BB", multipart(7))},
		{LimitCookies, withHeader(get("/"), "Cookie", "a=1; b=2; c=3; d=4; e=5; f=6"),
			withHeader(get("/"), "Cookie", "a=1; b=2; c=3; d=4; e=5; f=6; g=7")},
		{LimitHeaders, withHeaders(get("/"), 6), withHeaders(get("/"), 7)},
	}
	for _, tc := range tests {
		t.Run(tc.limit+"/"+tc.beyond.Method+tc.beyond.URI, func(t *testing.T) {
			e := small.get(t)
			if v := e.Inspect(tc.at); v.Limit != "" || v.Interrupted {
				t.Errorf("at the limit: Limit %q, Interrupted %v, Matched %v; want neither", v.Limit, v.Interrupted, ids(v.Matched))
			}
			v := e.Inspect(tc.beyond)
			if v.Limit != tc.limit || !v.Interrupted || !v.WouldInterrupt {
				t.Errorf("beyond the limit: Limit %q, Interrupted %v, Matched %v; want %q, true", v.Limit, v.Interrupted, ids(v.Matched), tc.limit)
			}
			d := smallDetect.get(t).Inspect(tc.beyond)
			if d.Limit != tc.limit || d.Interrupted || !d.WouldInterrupt {
				t.Errorf("detection only: Limit %q, Interrupted %v, WouldInterrupt %v; want %q, false, true", d.Limit, d.Interrupted, d.WouldInterrupt, tc.limit)
			}
		})
	}
}

// TestPaddingDoesNotHideAnAttack is the attack of the issue that brought the limits: with
// the default limits, an XSS payload after more arguments than Coraza collects was
// passed, because Coraza stopped reading before it. Now such a request is denied.
func TestPaddingDoesNotHideAnAttack(t *testing.T) {
	xss := "<script>alert(document.cookie)</script>"
	json := func(n int) string {
		return "{" + repeat(n, ",", func(i int) string { return fmt.Sprintf(`"k%d":%d`, i, i) }) + `,"q":"` + xss + `"}`
	}
	tests := []struct {
		name string
		req  *Request
	}{
		{"1,100 query parameters", get("/search?" + params(1100) + "&q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E")},
		{"1,500 form fields", post("/comment", formType, params(1500)+"&q=1%27%20UNION%20SELECT%20password%20FROM%20users--")},
		{"3,000 JSON keys", post("/api/profile", jsonType, json(3000))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := pl1.get(t).Inspect(tc.req)
			if !v.Interrupted || v.Limit != LimitArgs {
				t.Errorf("Interrupted %v, Limit %q, Matched %v; want denied for %q", v.Interrupted, v.Limit, ids(v.Matched), LimitArgs)
			}
		})
	}
	// Within the limit the same payload is denied by the CRS itself, as before.
	if v := pl1.get(t).Inspect(post("/api/profile", jsonType, json(900))); !v.Interrupted || v.Limit != "" {
		t.Errorf("900 JSON keys: Interrupted %v, Limit %q; want the CRS to deny", v.Interrupted, v.Limit)
	}
}

// TestDefaultLimitsPassOrdinaryRequests: a big but ordinary request (a settings page of
// 900 fields, a 100 KB base64 image in JSON, 40 cookies, 40 headers, JSON nested 20 deep)
// stays within the defaults.
func TestDefaultLimitsPassOrdinaryRequests(t *testing.T) {
	img := strings.Repeat("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk", 1700)
	cookies := repeat(40, "; ", func(i int) string { return fmt.Sprintf("c%d=v%d", i, i) })
	tests := []struct {
		name string
		req  *Request
	}{
		{"900 form fields", post("/settings", formType, params(900))},
		{"100 KB image in JSON", post("/api/avatar", jsonType, `{"image":"data:image/png;base64,`+img+`"}`)},
		{"40 cookies", withHeader(get("/"), "Cookie", cookies)},
		{"40 header fields", withHeaders(get("/"), 34)},
		{"JSON nested 20 deep", post("/api/tree", jsonType, nestedJSON(20))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if v := pl1.get(t).Inspect(tc.req); v.Limit != "" {
				t.Errorf("Limit %q, Matched %v; want none", v.Limit, ids(v.Matched))
			}
		})
	}
}

func TestLimitsOptions(t *testing.T) {
	if _, err := New(Options{Limits: Limits{Args: -1, Headers: -2}}); err == nil ||
		!strings.Contains(err.Error(), "args") || !strings.Contains(err.Error(), "headers") {
		t.Errorf("New with negative limits: %v; want an error naming args and headers", err)
	}
	l, err := Limits{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if l.Args != 1000 || l.Depth != 128 || l.Headers != 100 {
		t.Errorf("defaults: %+v", l)
	}
}

func TestBodyLimitIsNamed(t *testing.T) {
	v := smallBody.get(t).Inspect(post("/upload", formType, "a="+strings.Repeat("b", 100)))
	if v.Status != 413 || v.Limit != LimitBody {
		t.Errorf("Status %d, Limit %q; want 413, %q", v.Status, v.Limit, LimitBody)
	}
}
