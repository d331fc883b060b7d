package waf

import (
	"encoding/base64"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// decodeAll runs a decoder over one value and returns what it added.
func decodeAll(name, v string, depth, budget int) (map[string]string, string) {
	got := map[string]string{}
	d := decoder{maxDepth: depth, budget: budget, add: func(n, v string) { got[n] = v }}
	d.value(name, v, 0)
	return got, d.limit
}

func b64(s string) string    { return base64.StdEncoding.EncodeToString([]byte(s)) }
func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDecoder(t *testing.T) {
	jwt := b64url(`{"alg":"RS256","typ":"JWT"}`) + "." + b64url(`{"sub":"1' OR '1'='1","iss":"https://auth.example.com/"}`) + ".c2lnbmF0dXJl"
	tests := []struct {
		name, value string
		want        map[string]string
	}{
		{"base64", b64("1' UNION SELECT password FROM users--"), map[string]string{"q:b64": "1' UNION SELECT password FROM users--"}},
		{"base64url unpadded", b64url("<script>alert(1)</script>?>"), map[string]string{"q:b64": "<script>alert(1)</script>?>"}},
		{"base64 of base64", b64(b64("../../etc/passwd")), map[string]string{"q:b64": b64("../../etc/passwd"), "q:b64:b64": "../../etc/passwd"}},
		{"JSON in a string", `{"user":{"bio":"hi","tags":["a","b"]},"n":1}`, map[string]string{"q:json.user.bio": "hi", "q:json.user.tags.0": "a", "q:json.user.tags.1": "b"}},
		// A document is read as its parts, not as its text too.
		{"base64 JSON", b64(`{"cmd":";cat /etc/passwd"}`), map[string]string{"q:b64:json.cmd": ";cat /etc/passwd"}},
		{"URL-encoded JSON", "%7B%22a%22%3A%22%3Cb%3E%22%7D", map[string]string{"q:url:json.a": "<b>"}},
		// Amplitude's cookie: base64 of URL-encoded JSON, read as its parts only too.
		{"base64 of URL-encoded JSON", b64("%7B%22deviceId%22%3A%22d1%22%2C%22optOut%22%3Afalse%7D"), map[string]string{"q:b64:url:json.deviceId": "d1"}},
		{"double URL encoding", "%3Cscript%3E", map[string]string{"q:url": "<script>"}},
		{"%u encoding", "%u003cscript%u003e", map[string]string{"q:url": "<script>"}},
		{"JavaScript escapes", `\x3cimg src=x onerror=alert(1)\u003e`, map[string]string{"q:js": "<img src=x onerror=alert(1)>"}},
		{"a form in a value", "a=1&b=%3Cscript%3E", map[string]string{"q:qs.a": "1", "q:qs.b": "<script>"}},
		// A plain URL (the issuer) is left out: it holds no other language.
		{"a JWT", jwt, map[string]string{"q:jwt.header.alg": "RS256", "q:jwt.header.typ": "JWT",
			"q:jwt.payload.sub": "1' OR '1'='1"}},
		// An XML document (a SAML response) is read as its text and attribute values.
		{"base64 XML document", b64(`<?xml version="1.0"?><r a="1"><!-- c --><x>hi</x><x> </x><y b="&lt;b&gt;">t</y></r>`),
			map[string]string{"q:b64:xml.r@a.0": "1", "q:b64:xml.x.0": "hi", "q:b64:xml.y@b.0": "<b>", "q:b64:xml.y.0": "t"}},
		// ...unless it declares anything, includes, or is not one well-formed document.
		{"base64 XML with a DOCTYPE", b64(`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`),
			map[string]string{"q:b64": `<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`}},
		{"base64 XML with an XInclude", b64(`<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>`),
			map[string]string{"q:b64": `<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>`}},
		{"base64 markup that is not XML", b64(`<r><img src=x onerror=alert(1)></r>`), map[string]string{"q:b64": `<r><img src=x onerror=alert(1)></r>`}},
		{"base64 of two XML roots", b64(`<a>1</a><b>2</b>`), map[string]string{"q:b64": `<a>1</a><b>2</b>`}},
		// What must decode to nothing: random tokens, signatures, images, words.
		{"random token", "OZ2HjIIXooppHMmtjSi-8h1vWRVjYYwAjGE24pMEtyM", map[string]string{}},
		{"hex id", "8f52a55a1d474939b490640ba63495df", map[string]string{}},
		{"PNG in base64", "iVBORw0KGgoAAAANSUhEUgAAABoAAAAhCAIAAABIlSz3AAADeklEQVR4nE", map[string]string{}},
		{"an English word", "information", map[string]string{}},
		{"a short token", "YWJj", map[string]string{}},
		{"plain text", "Hello, world! How are you?", map[string]string{}},
		{"a URL without escapes", "https://shop.example.com/cart", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, limit := decodeAll("q", tc.value, 5, 1<<20)
			if limit != "" {
				t.Fatalf("limit %q reached", limit)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("decoded\n %q\nwant\n %q", got, tc.want)
			}
		})
	}
}

func TestDecoderLimits(t *testing.T) {
	v := "<script>alert(1)</script>"
	for i := 0; i < 4; i++ {
		v = b64(v)
	}
	if _, limit := decodeAll("q", v, 4, 1<<20); limit != "" {
		t.Errorf("4 layers, depth 4: limit %q, want none", limit)
	}
	if _, limit := decodeAll("q", v, 3, 1<<20); limit != LimitDecodeDepth {
		t.Errorf("4 layers, depth 3: limit %q, want %q", limit, LimitDecodeDepth)
	}
	if _, limit := decodeAll("q", b64(strings.Repeat("a b ", 100)), 5, 100); limit != LimitDecodedBytes {
		t.Errorf("400 decoded bytes, budget 100: limit %q, want %q", limit, LimitDecodedBytes)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(b64("1' OR '1'='1"))
	f.Add(`{"a":"%3Cb%3E","c":["\u003c"]}`)
	f.Add("a=1&b=" + b64("x y z"))
	f.Add(b64(`<r a="1"><x>&lt;b&gt;</x></r>`))
	f.Fuzz(func(t *testing.T, v string) {
		const budget = 4096
		total := 0
		d := decoder{maxDepth: 5, budget: budget, add: func(n, s string) { total += len(s) }}
		d.value("q", v, 0)
		if d.limit == "" && total > budget {
			t.Fatalf("added %d decoded bytes past a budget of %d", total, budget)
		}
	})
}

// TestDecodedPayloadsAreDenied runs whole requests: the examples and one per
// place a decoded layer comes from.
func TestDecodedPayloadsAreDenied(t *testing.T) {
	sqli := "1' UNION SELECT password FROM users--"
	tests := []struct {
		name, where string
		req         *Request
	}{
		{"base64 in the query", "ARGS:q:b64", get("/search?q=MScgVU5JT04gU0VMRUNUIHBhc3N3b3JkIEZST00gdXNlcnMtLQ==")},
		{"base64 in a custom header", "header:x-data:b64", withHeader(get("/"), "X-Data", b64(sqli))},
		{"base64 in a cookie", "cookie:prefs:b64", withHeader(get("/"), "Cookie", "prefs="+b64url(sqli))},
		{"a JWT claim", "header:authorization", withHeader(get("/"), "Authorization", "Bearer "+
			b64url(`{"alg":"HS256"}`)+"."+b64url(`{"sub":"`+sqli+`"}`)+".sig")},
		{"JSON in a form field", "ARGS:data:json.q", post("/f", formType, "data=%7B%22q%22%3A%22"+strings.ReplaceAll(sqli, " ", "+")+"%22%7D")},
		{"base64 in a JSON body", "ARGS:json.payload:b64", post("/api", jsonType, `{"payload":"`+b64(sqli)+`"}`)},
		{"a SAML response's NameID", "ARGS:SAMLResponse:b64:xml.NameID.0", post("/saml/acs", formType, "SAMLResponse="+url.QueryEscape(b64(
			`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">`+sqli+`</saml:NameID></samlp:Response>`)))},
		{"a SAML response's attribute", "ARGS:SAMLResponse:b64:xml.Attribute@Name.0", post("/saml/acs", formType, "SAMLResponse="+url.QueryEscape(b64(
			`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"><Attribute Name="&lt;script&gt;alert(document.domain)&lt;/script&gt;"/></samlp:Response>`)))},
		{"XXE in a SAML response", "ARGS:SAMLResponse:b64", post("/saml/acs", formType, "SAMLResponse="+url.QueryEscape(b64(
			`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>`)))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := pl1.get(t).Inspect(tc.req)
			if !v.Interrupted || !slices.ContainsFunc(v.Matched, func(m Match) bool { return strings.Contains(m.Data, tc.where) }) {
				t.Errorf("Interrupted %v, matched %v; want denied with a match within %s", v.Interrupted, v.Matched, tc.where)
			}
		})
	}
	// A value encoded more times than the engine follows is denied as such.
	deep := sqli
	for i := 0; i < 6; i++ {
		deep = b64(deep)
	}
	if v := pl1.get(t).Inspect(get("/?q=" + deep)); !v.Interrupted || v.Limit != LimitDecodeDepth {
		t.Errorf("6 layers of base64: Interrupted %v, Limit %q; want denied, %q", v.Interrupted, v.Limit, LimitDecodeDepth)
	}
}
