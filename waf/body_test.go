package waf

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	brrr "github.com/molecule-man/go-brrr"
)

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func zl(s string) string {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func rawDeflate(s string) string {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func br(s string) string {
	b, err := brrr.Compress([]byte(s), 5)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func snap(s string) string { return string(snappy.Encode(nil, []byte(s))) }

func zst(s string) string {
	e, _ := zstd.NewWriter(nil)
	defer e.Close()
	return string(e.EncodeAll([]byte(s), nil))
}

// withBody is a POST of body with the given Content-Type and Content-Encoding ("" for
// none of either).
func withBody(contentType, encoding, body string) *Request {
	r := get("/collect")
	r.Method = "POST"
	r.Body = []byte(body)
	if contentType != "" {
		r.Headers = append(r.Headers, Header{"Content-Type", contentType})
	}
	if encoding != "" {
		r.Headers = append(r.Headers, Header{"Content-Encoding", encoding})
	}
	return r
}

func TestPlanBody(t *testing.T) {
	const doc = `{"event":"pageview","url":"https://shop.example.com/cart"}`
	tests := []struct {
		name          string
		req           *Request
		processor     string
		body          string // "" leaves it unchecked
		status        int
		limit         string
		partial       bool
		wantTruncated bool
	}{
		{"form as declared", withBody(formType, "", "a=1&b=2"), "", "a=1&b=2", 0, "", false, false},
		{"JSON as declared", withBody("application/json; charset=utf-8", "", doc), "", doc, 0, "", false, false},
		{"+json as declared", withBody("application/vnd.api+json", "", doc), "", doc, 0, "", false, false},
		{"XML as declared", withBody("text/xml", "", "<a>1</a>"), "", "<a>1</a>", 0, "", false, false},
		{"invalid JSON as declared: Coraza says so", withBody(jsonType, "", "{nope"), "", "{nope", 0, "", false, false},
		{"JSON as text/plain", withBody("text/plain;charset=UTF-8", "", doc), procJSON, doc, 0, "", false, false},
		{"JSON without a Content-Type", withBody("", "", "\ufeff "+doc+"\n"), procJSON, doc, 0, "", false, false},
		{"JSON as octet-stream", withBody("application/octet-stream", "", "[1,2]"), procJSON, "[1,2]", 0, "", false, false},
		{"ndjson", withBody("application/x-ndjson", "", doc+"\n"+doc+"\n"), procJSON, "[" + doc + "," + doc + "]", 0, "", false, false},
		{"ndjson of one line", withBody("application/x-ndjson", "", doc+"\n"), procJSON, doc, 0, "", false, false},
		{"ndjson sniffed in text/plain", withBody("text/plain", "", "{\"a\":1}\n\n{\"b\":2}"), procJSON, `[{"a":1},{"b":2}]`, 0, "", false, false},
		{"form lines in text/plain", withBody("text/plain", "", "v=2&tid=G-1&en=page_view\r\nv=2&tid=G-1&en=scroll\n"), procURLEncoded,
			"v=2&tid=G-1&en=page_view&v=2&tid=G-1&en=scroll", 0, "", false, false},
		{"prose in text/plain", withBody("text/plain", "", "Hello,\nI would like to order 2 = two items & more."), procText, "", 0, "", false, false},
		{"protobuf", withBody("application/x-protobuf", "", "\x0a\x05hello\x10\x96\x01"), procRaw, "", 0, "", false, false},
		{"invalid UTF-8 text", withBody("text/plain", "", "caf\xe9"), procRaw, "", 0, "", false, false},
		{"gzip JSON", withBody(jsonType, "gzip", gz(doc)), "", doc, 0, "", false, false},
		{"x-gzip", withBody(jsonType, "x-gzip", gz(doc)), "", doc, 0, "", false, false},
		{"deflate (zlib)", withBody(jsonType, "deflate", zl(doc)), "", doc, 0, "", false, false},
		{"deflate (raw)", withBody(jsonType, "deflate", rawDeflate(doc)), "", doc, 0, "", false, false},
		{"br", withBody(jsonType, "br", br(doc)), "", doc, 0, "", false, false},
		{"zstd", withBody(jsonType, "zstd", zst(doc)), "", doc, 0, "", false, false},
		{"gzip then br", withBody(jsonType, "gzip, br", br(gz(doc))), "", doc, 0, "", false, false},
		{"snappy (Prometheus' remote write)", withBody("application/x-protobuf", "snappy", snap("\x0a\x05hello\x10\x96\x01")), procRaw, "\x0a\x05hello\x10\x96\x01", 0, "", false, false},
		{"snappy JSON", withBody(jsonType, "snappy", snap(doc)), "", doc, 0, "", false, false},
		{"corrupt snappy", withBody(jsonType, "snappy", "\x0a\xff\xff"), "", "", 400, "", false, false},
		{"snappy that decodes past the body limit", withBody("text/plain", "snappy", snap(strings.Repeat("abcdefghij", 2000))), "", "", 413, LimitBody, false, false},
		{"snappy past the body limit, partial: refused, a block cannot be read in part", withBody("text/plain", "snappy", snap(strings.Repeat("abcdefghij", 2000))), "", "", 413, LimitBody, true, false},
		{"identity", withBody(jsonType, "identity", doc), "", doc, 0, "", false, false},
		{"gzip'd beacon in text/plain", withBody("text/plain", "gzip", gz(doc)), procJSON, doc, 0, "", false, false},
		{"unknown coding", withBody(jsonType, "compress", "xyz"), "", "", 415, "", false, false},
		{"four codings", withBody(jsonType, "gzip, gzip, gzip, gzip", gz(gz(gz(gz(doc))))), "", "", 415, "", false, false},
		{"corrupt gzip", withBody(jsonType, "gzip", "\x1f\x8b not gzip"), "", "", 400, "", false, false},
		{"truncated gzip", withBody(jsonType, "gzip", gz(doc)[:20]), "", "", 400, "", false, false},
		{"decodes past the body limit", withBody("text/plain", "gzip", gz(strings.Repeat("abcdefghij", 2000))), "", "", 413, LimitBody, false, false},
		{"decodes past the body limit, partial", withBody("text/plain", "gzip", gz(strings.Repeat("abcdefghij", 2000))), procText, "", 0, "", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lim, _ := Limits{}.withDefaults()
			bodyLimit := 1 << 20
			if strings.Contains(tc.name, "body limit") {
				bodyLimit = 10_000
			}
			p := planBody(tc.req, lim, bodyLimit, tc.partial)
			if p.status != tc.status || p.limit != tc.limit {
				t.Fatalf("status %d, limit %q (%s); want %d, %q", p.status, p.limit, p.reason, tc.status, tc.limit)
			}
			if p.processor != tc.processor {
				t.Errorf("processor %q, want %q", p.processor, tc.processor)
			}
			if tc.body != "" && string(p.body) != tc.body {
				t.Errorf("body %q, want %q", p.body, tc.body)
			}
			if p.truncated != tc.wantTruncated {
				t.Errorf("truncated %v, want %v", p.truncated, tc.wantTruncated)
			}
		})
	}
}

// TestDecompressionBomb: a body that decodes to far more than its size is refused early,
// as a bomb, without being decoded whole.
func TestDecompressionBomb(t *testing.T) {
	lim, _ := Limits{}.withDefaults()
	for name, bomb := range map[string]string{
		"gzip": gz(strings.Repeat("\x00", 50<<20)),
		"zstd": zst(strings.Repeat("A", 50<<20)),
		"br":   br(strings.Repeat("A", 50<<20)),
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			p := planBody(withBody(jsonType, name, bomb), lim, 16<<20, false)
			// gzip cannot compress beyond about 1,030:1, under the default ratio: the
			// body limit stops it.
			want := LimitDecompressionRatio
			if name == "gzip" {
				want = LimitBody
			}
			if p.status != 413 || p.limit != want {
				t.Fatalf("%d compressed bytes: status %d, limit %q (%s); want 413, %q", len(bomb), p.status, p.limit, p.reason, want)
			}
			t.Logf("%d compressed bytes refused after %v", len(bomb), time.Since(start))
		})
	}
	// A snappy block states its length first: one that claims 1 GiB from a few bytes is
	// refused before anything is allocated.
	if p := planBody(withBody(jsonType, "snappy", "\x80\x80\x80\x80\x04\x00abc"), lim, 16<<20, false); p.status != 413 || p.limit != LimitDecompressionRatio {
		t.Errorf("snappy claiming 1 GiB: status %d, limit %q (%s); want 413, %q", p.status, p.limit, p.reason, LimitDecompressionRatio)
	}
	// A body of ordinary JSON, highly repetitive but under the ratio, is decoded whole.
	rows := strings.Repeat(`{"sku":"TENT-2P","qty":1,"price":249.0},`, 2000)
	if p := planBody(withBody(jsonType, "gzip", gz("["+rows+"{}]")), lim, 1<<20, false); p.status != 0 {
		t.Errorf("repetitive JSON refused: %s", p.reason)
	}
}

// TestBodiesReadForWhatTheyAre runs whole requests: what used to be denied for its type
// passes when benign, and an attack inside it is still found.
func TestBodiesReadForWhatTheyAre(t *testing.T) {
	// A snappy body (Prometheus' remote write) is decoded and read: benign protobuf
	// passes, SQL injection in a snappy-compressed JSON body is found.
	if v := pl1.get(t).Inspect(withBody("application/x-protobuf", "snappy", snap("\x0a\x1c\x0a\x0a\x0a\x08__name__\x12\x02up\x12\x0e\x09\x00\x00\x00\x00\x00\x00\xf0\x3f"))); v.Interrupted {
		t.Errorf("snappy protobuf denied: %v", ids(v.Matched))
	}
	checkVerdict(t, pl1.get(t).Inspect(withBody(jsonType, "snappy", snap(`{"user":"1' OR '1'='1"}`))), want{
		Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:json.user"})
	beacon := `{"n":"pageview","u":"https://shop.example.com/products/tent?ref=home","d":"shop.example.com","r":"https://www.google.com/","w":1440}`
	xssBeacon := `{"n":"pageview","u":"<script>alert(document.cookie)</script>"}`
	tests := []struct {
		name string
		req  *Request
		want want
	}{
		{"sendBeacon JSON as text/plain", withBody("text/plain;charset=UTF-8", "", beacon), want{NoMatches: true}},
		{"XSS in a text/plain JSON beacon", withBody("text/plain;charset=UTF-8", "", xssBeacon), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"941"}, DataContains: "ARGS:json.u"}},
		{"gzip'd JSON", withBody(jsonType, "gzip", gz(beacon)), want{NoMatches: true}},
		{"XSS in gzip'd JSON", withBody(jsonType, "gzip", gz(xssBeacon)), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"941"}, DataContains: "ARGS:json.u"}},
		{"ndjson batch", withBody("application/x-ndjson", "", beacon+"\n"+beacon+"\n"), want{NoMatches: true}},
		{"SQLi in an ndjson line", withBody("application/x-ndjson", "", beacon+"\n"+`{"q":"1' UNION SELECT password FROM users--"}`), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:json.1.q"}},
		{"protobuf", withBody("application/x-protobuf", "", "\x0a\x24\x34\x63\x66\x66\x39\x33\x62\x30\x12\x0bRain Shell!\x1a\x02\x08\x01"), want{NoMatches: true}},
		{"SQLi in a text body", withBody("text/plain", "", "Hello, 1' UNION SELECT password FROM users-- thanks"), want{
			Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:body:text"}},
		{"unknown coding", withBody(jsonType, "compress", "xyz"), want{Interrupted: true, WouldInterrupt: true, Status: 415, Rules: []string{"480150"}}},
		{"bomb", withBody(jsonType, "gzip", gz(strings.Repeat("0", 20<<20))), want{Interrupted: true, WouldInterrupt: true, Status: 413, Rules: []string{"480150"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req
			r.Headers = append(r.Headers, Header{"Content-Length", "1"}) // the CRS scores a POST without one
			checkVerdict(t, pl1.get(t).Inspect(r), tc.want)
		})
	}
	// A zstd frame that declares more than the body limit is refused before decoding.
	if v := pl1.get(t).Inspect(withBody(jsonType, "zstd", zst(strings.Repeat("0", 20<<20)))); v.Limit != LimitBody || v.Status != 413 {
		t.Errorf("zstd bomb: Status %d, Limit %q; want 413, %q", v.Status, v.Limit, LimitBody)
	}
}

func FuzzPlanBody(f *testing.F) {
	f.Add("text/plain", "", `{"a":1}`)
	f.Add("application/x-ndjson", "", "{}\n[]")
	f.Add("application/json", "gzip", gz(`{"a":1}`))
	f.Add("", "br", br("a=1&b=2"))
	f.Add("application/x-protobuf", "snappy", snap("\x0a\x05hello"))
	f.Fuzz(func(t *testing.T, contentType, encoding, body string) {
		lim, _ := Limits{}.withDefaults()
		p := planBody(withBody(contentType, encoding, body), lim, 1<<16, false)
		if p.status == 0 && len(p.body) > 1<<16+2 { // ndjson adds its brackets
			t.Fatalf("a %d-byte body passed the 64 KiB limit", len(p.body))
		}
	})
}
