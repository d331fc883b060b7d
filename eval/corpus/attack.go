package corpus

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// An attack sample is a benign-looking request of the benign corpus's browsers and sites
// with a payload where attackers put it: a query parameter, a path segment, a form field,
// a JSON value or key, an XML body, a multipart field or file name, a custom header, a
// cookie. So a detection is the payload's, not the shell's.

// Places of a payload.
const (
	inQuery     = "query"
	inPath      = "path"
	inForm      = "form"
	inJSON      = "json"
	inXML       = "xml"
	inMultipart = "multipart"
	inHeader    = "header"
	inCookie    = "cookie"
	inMethod    = "method"
)

// payload is one attack: its value, where it goes, the parameter (or header, or cookie)
// that carries it, and whether it is already in its wire form (an encoding evasion such
// as double percent-encoding, sent as it is).
type payload struct {
	value string
	place string
	param string
	raw   bool
	note  string
}

// escapeQuery escapes a query value as attack tools commonly do: reserved and unsafe
// characters percent-encoded, spaces as %20 or +.
func escapeQuery(r *rng, v string) string {
	if r.chance(0.5) {
		return url.QueryEscape(v)
	}
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}

// attackRequest builds the request that carries p.
func attackRequest(r *rng, p payload) Request {
	v := newVisitor(r)
	v.lang = "en"
	s := pickWeighted(r, sites)
	param := p.param
	if param == "" {
		param = "q"
	}
	enc := func(x string) string {
		if p.raw {
			return x
		}
		return escapeQuery(r, x)
	}
	var req Request
	switch p.place {
	case inQuery:
		base := pick(r, "/search", "/products", "/api/v1/items", "/index.php", "/page", "/download", "/view")
		q := param + "=" + enc(p.value)
		if r.chance(0.5) {
			q = pick(r, "page=1&", "lang=en&", "sort=newest&") + q
		}
		f := fetch{host: s.host, dest: "document", mode: "navigate", site: "none", user: true, length: -1, cookie: cookies(r, s, v)}
		req = Request{Method: "GET", Target: base + "?" + q, Header: v.browserHeaders(f)}
	case inPath:
		base := pick(r, "/products/", "/static/", "/files/", "/api/v1/users/", "/blog/", "/download/")
		seg := p.value
		if !p.raw {
			seg = strings.ReplaceAll(url.PathEscape(p.value), "%2F", "/")
		}
		f := fetch{host: s.host, dest: "document", mode: "navigate", site: "none", user: true, length: -1, cookie: cookies(r, s, v)}
		req = Request{Method: "GET", Target: base + seg, Header: v.browserHeaders(f)}
	case inForm:
		var body string
		if p.raw {
			body = param + "=" + p.value
		} else {
			body = query(param, p.value)
		}
		body = pick(r, "", "csrf_token="+r.b64url(24)+"&") + body + pick(r, "", "&submit=Send", "&remember=1")
		req = formPost(r, v, s, pick(r, "/login", "/contact", "/search", "/comments", "/account/profile", "/api/submit"), []byte(body), "application/x-www-form-urlencoded")
	case inJSON:
		var body []byte
		if p.raw { // a JSON document written by the generator (keys, numbers, malformed)
			body = []byte(p.value)
		} else {
			obj := map[string]any{param: p.value}
			// A record id beside the payload, unless the payload is the id (drawn either
			// way, so that every other sample stays as it was).
			if r.chance(0.6) {
				if id := r.IntN(9999); param != "id" {
					obj["id"] = id
				}
			}
			if r.chance(0.4) {
				obj = map[string]any{"data": obj, "meta": map[string]string{"client": "web"}}
			}
			body = mustJSON(obj)
		}
		req = apiCall(r, v, s, pick(r, "POST", "POST", "PUT"), pick(r, "/api/v1/items", "/api/login", "/api/search", "/api/v1/users/me", "/graphql", "/api/comments"), "application/json", body, "application/json")
	case inMultipart:
		var parts []part
		if param == "filename" {
			img, mime := smallImage(r)
			parts = []part{{name: "title", data: []byte("holiday")}, {name: "file", filename: p.value, ctype: mime, data: img}}
		} else {
			parts = []part{{name: "title", data: []byte("report")}, {name: param, data: []byte(p.value)}}
		}
		body, ctype := multipartBody(r, v.b.family, parts)
		req = formPost(r, v, s, pick(r, "/upload", "/api/v1/attachments", "/profile/avatar"), body, ctype)
	case inHeader:
		f := fetch{host: s.host, dest: "document", mode: "navigate", site: "none", user: true, length: -1, cookie: cookies(r, s, v)}
		h := v.browserHeaders(f)
		switch strings.ToLower(param) {
		case "user-agent", "referer", "accept-language":
			for i, x := range h {
				if strings.HasPrefix(strings.ToLower(x), strings.ToLower(param)+":") {
					h = append(h[:i], h[i+1:]...)
					break
				}
			}
		}
		h = append(h, param+": "+p.value)
		req = Request{Method: "GET", Target: page(r, s, v), Header: h}
	case inCookie:
		c := cookies(r, s, v)
		val := p.value
		if !p.raw {
			val = strings.NewReplacer(";", "%3B", " ", "%20", ",", "%2C", "\r", "%0D", "\n", "%0A").Replace(val)
		}
		c = strings.TrimPrefix(c+"; "+param+"="+val, "; ")
		f := fetch{host: s.host, dest: "document", mode: "navigate", site: "none", user: true, length: -1, cookie: c}
		req = Request{Method: "GET", Target: page(r, s, v), Header: v.browserHeaders(f)}
	default:
		panic("corpus: unknown place " + p.place)
	}
	req.Place = p.place
	req.Note = p.note
	return req
}

// xmlRequest posts an XML document.
func xmlRequest(r *rng, doc []byte, ctype, target string, extra ...string) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	req := apiCall(r, v, s, "POST", target, ctype, doc, pick(r, "application/xml", "text/xml", "*/*"))
	req.Header = append(req.Header, extra...)
	req.Place = inXML
	return req
}

// variants of a payload value.

func spacesToComments(s string) string { return strings.ReplaceAll(s, " ", "/**/") }

func alternateCase(s string) string {
	b := []byte(s)
	up := false
	for i, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if up {
				b[i] = strings.ToUpper(string(c))[0]
			} else {
				b[i] = strings.ToLower(string(c))[0]
			}
			up = !up
		}
	}
	return string(b)
}

// percentAll percent-encodes every byte, as an evasion ("%3c%73...").
func percentAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString("%" + strings.ToLower(hexByte(s[i])))
	}
	return b.String()
}

// doubleEncode percent-encodes s and then the percent signs again: the server that
// decodes twice sees s.
func doubleEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%", "%25")
}

func hexByte(c byte) string {
	const h = "0123456789ABCDEF"
	return string([]byte{h[c>>4], h[c&15]})
}

// b64Variants are the ways a payload is wrapped in base64: standard or URL alphabet,
// padded or not.
func b64Variant(i int, s string) (string, string) {
	switch i % 4 {
	case 0:
		return base64.StdEncoding.EncodeToString([]byte(s)), "base64, padded"
	case 1:
		return base64.RawStdEncoding.EncodeToString([]byte(s)), "base64, unpadded"
	case 2:
		return base64.URLEncoding.EncodeToString([]byte(s)), "base64url, padded"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s)), "base64url, unpadded"
}
