package waf

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values are decoded before they are judged. An SQL injection that is denied in a
// parameter passed when the parameter was base64 (?q=MScgVU5JT04g...), and so did every
// payload wrapped in a layer the CRS does not undo: JSON inside a string, URL encoding
// inside JSON or twice over, JavaScript escapes, a JWT's claims. decoder undoes those layers, recursively, and each layer it
// undoes becomes an argument of its own, named for its path
// ("json.user.bio:b64", "cookie:prefs:b64:json.theme", "header:x-data:b64"), so that
// every rule that reads arguments judges it and the log says where it was found.
// (HTML entities are left to the XSS rules: see layers.)
//
// A layer is undone only when what it gives is text (valid UTF-8 without control
// characters): base64 of random bytes (tokens, signatures, images, encrypted cookies)
// decodes to binary and is left as it is, so decoding adds nothing to judge there.
//
// Decoding is bounded and never fails open (Limits.DecodeDepth, Limits.DecodedBytes): a
// value still encoded after the last layer sidewall follows, or more decoded text in a
// request than it reads, denies the request, rather than leaving the rest unread.

// Decoder names, the suffix of the arguments they make.
const (
	decBase64 = ":b64"
	decURL    = ":url"
	decJS     = ":js"
	decForm   = ":qs"   // followed by the parameter, ":qs.name"
	decJSON   = ":json" // followed by the path, ":json.user.name"
	decJWT    = ":jwt"  // ":jwt.header.", ":jwt.payload."
	decXML    = ":xml"  // followed by the element, ":xml.Issuer.0", or its attribute, ":xml.Response@ID.0"
)

// decoder decodes the values of one phase of one request.
type decoder struct {
	maxDepth int
	budget   int    // decoded bytes left
	limit    string // the limit a value went beyond, once one did
	add      func(name, value string)
}

// value decodes v, the value of name, at depth (0 for a value the client sent).
func (d *decoder) value(name, v string, depth int) {
	if d.limit != "" || len(v) < 4 {
		return
	}
	layers := d.layers(v)
	if len(layers) == 0 {
		return
	}
	if depth >= d.maxDepth {
		d.limit = LimitDecodeDepth
		return
	}
	for _, l := range layers {
		if l.json != nil {
			d.walkJSON(name+cmp.Or(l.suffix, decJSON), l.json, depth+1)
			continue
		}
		if d.budget -= len(l.text); d.budget < 0 {
			d.limit = LimitDecodedBytes
			return
		}
		// A layer whose text is an XML document (a SAML response, base64 in a form
		// field) is read as sidewall reads an XML body: its text and attribute values.
		// Its markup is the document's, not an attacker's: read whole, the XSS rules
		// took every SAML login for an attack (941100 and 941130 on the decoded
		// SAMLResponse). A document with a declaration (<!DOCTYPE, <!ENTITY), an
		// XInclude or anything that is not well-formed stays whole text, for
		// @detectXXE and the rest to judge as before.
		if parts, ok := xmlParts(l.text); ok {
			d.walkJSON(name+l.suffix+decXML, parts, depth+1)
			continue
		}
		// A layer whose text is a document (JSON, a form) is read as its parts only:
		// the rules judge the parts, and the document's text, read whole, is a run of
		// quotes, braces and commas that paranoia level 2's character counts take for
		// SQL (URL-encoded JSON in an analytics cookie, a JWT's claims).
		if !structured(l.text) {
			d.add(name+l.suffix, l.text)
		}
		d.value(name+l.suffix, l.text, depth+1)
	}
}

// structured reports whether s is a document the decoder reads as its parts: JSON, or a
// urlencoded form, as it is or URL-encoded (Amplitude's cookie is base64 of URL-encoded
// JSON: the rules' own t:urlDecodeUni would read its middle layer as the whole JSON
// text again).
func structured(s string) bool {
	if document(s) {
		return true
	}
	if strings.IndexByte(s, '%') < 0 {
		return false
	}
	t, ok := urlDecode(s)
	return ok && document(t)
}

// document reports whether s is JSON or a urlencoded form.
func document(s string) bool {
	t := strings.TrimSpace(s)
	if t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		return true
	}
	_, ok := formPairs(strings.TrimPrefix(t, "?"))
	return ok
}

// layer is one decoding of a value: text, or a parsed JSON document.
type layer struct {
	suffix string
	text   string
	json   any
}

// layers returns the decodings of v: as JSON, a JWT, base64, URL encoding, JavaScript
// escapes, each that applies and gives text that differs from v.
//
// HTML entities are not among them. An application does not decode them before it
// builds a query or a command, and a browser decodes them only in HTML, where the CRS's
// XSS rules read values through t:htmlEntityDecode already; decoded for every rule,
// "&lt;?" became a PHP open tag to 933100 (the CRS's own test 933100-33 says it must not).
func (d *decoder) layers(v string) []layer {
	var out []layer
	t := strings.TrimSpace(v)
	if t != "" && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
		var doc any
		if json.Unmarshal([]byte(t), &doc) == nil {
			return append(out, layer{json: doc}) // a document's text is its values
		}
	}
	if header, payload, ok := jwtParts(t); ok {
		return append(out, layer{suffix: decJWT, json: map[string]any{"header": header, "payload": payload}})
	}
	if s, ok := decodeBase64(t); ok {
		out = append(out, layer{suffix: decBase64, text: s})
	}
	if pairs, ok := formPairs(strings.TrimPrefix(t, "?")); ok {
		// A urlencoded form: its pairs, each decoded, not the whole decoded at once
		// (which joins "Time)" and "&version" of a consent cookie into shell syntax).
		m := make(map[string]any, len(pairs))
		for _, p := range pairs {
			m[p[0]] = p[1]
		}
		return append(out, layer{suffix: decForm, json: m})
	}
	if strings.IndexByte(v, '%') >= 0 {
		if s, ok := urlDecode(v); ok {
			out = append(out, layer{suffix: decURL, text: s})
		}
	}
	if strings.IndexByte(v, '\\') >= 0 {
		if s, ok := jsUnescape(v); ok {
			out = append(out, layer{suffix: decJS, text: s})
		}
	}
	return out
}

// walkJSON adds the keys and string values of a JSON document as arguments named by
// their path, and decodes each string further. Numbers, booleans and nulls are left:
// they hold nothing of another language.
func (d *decoder) walkJSON(path string, doc any, depth int) {
	switch x := doc.(type) {
	case map[string]any:
		for k, v := range x {
			d.walkJSON(path+"."+k, v, depth)
		}
	case []any:
		for i, v := range x {
			d.walkJSON(path+"."+strconv.Itoa(i), v, depth)
		}
	case string:
		if d.limit != "" || plainURL(x) {
			return
		}
		if d.budget -= len(x); d.budget < 0 {
			d.limit = LimitDecodedBytes
			return
		}
		d.add(path, x)
		d.value(path, x, depth)
	}
}

// plainURL reports whether s is an absolute http(s) URL of nothing but the characters a
// URL holds unescaped (no quote, space, '<', '>', backslash, backquote or brace): the
// issuer of a JWT, a page's address in an analytics payload. Such a value decoded out of
// a cookie or a token is left out of the arguments: it carries no other language, and
// paranoia level 2 takes every off-site URL for remote file inclusion (931130).
func plainURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return false
		}
	}
	return rest != "" && !strings.ContainsAny(rest, "'\" <>\\`{}|^\t\r\n")
}

// isText reports whether s is UTF-8 without control characters other than tab, CR and
// LF: what a person or a program writes, not bytes.
func isText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// decodeBase64 decodes s as base64 or base64url, padded or not, when s is at least 8
// characters of one alphabet and decodes to text of at least 6 bytes. Base64 of random
// bytes decodes to text rarely (each byte must fall in the printable range), and the
// longer the value the rarer: below 8 characters the chance is too high to bother.
func decodeBase64(s string) (string, bool) {
	if len(s) < 8 {
		return "", false
	}
	body, std, url, ok := base64Body(s)
	if !ok || !std && !url {
		return "", false
	}
	enc := base64.RawStdEncoding
	if !std {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(body)
	if err != nil || len(b) < 6 || !isText(string(b)) {
		return "", false
	}
	return string(b), true
}

// base64Body returns s without its padding and the alphabets it keeps to: std when it
// has no '-' or '_', url when it has no '+' or '/' (both for letters and digits alone).
// ok is false when s holds a byte of neither alphabet or more than two '=' at its end.
func base64Body(s string) (body string, std, url, ok bool) {
	body = strings.TrimRight(s, "=")
	if len(s)-len(body) > 2 {
		return "", false, false, false
	}
	std, url = true, true
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '+' || c == '/':
			url = false
		case c == '-' || c == '_':
			std = false
		default:
			return "", false, false, false
		}
	}
	return body, std, url, true
}

// jwtParts returns the decoded header and payload of s when it is a JSON Web Token:
// three base64url segments whose first is a JSON object naming an "alg".
func jwtParts(s string) (header, payload any, ok bool) {
	h, rest, ok1 := strings.Cut(s, ".")
	p, _, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || len(h) < 10 || !strings.HasPrefix(h, "eyJ") {
		return nil, nil, false
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(strings.TrimRight(h, "="))
	pb, err2 := base64.RawURLEncoding.DecodeString(strings.TrimRight(p, "="))
	if err1 != nil || err2 != nil {
		return nil, nil, false
	}
	var hm map[string]any
	if json.Unmarshal(hb, &hm) != nil || hm["alg"] == nil {
		return nil, nil, false
	}
	if json.Unmarshal(pb, &payload) != nil {
		payload = string(pb) // a JWT whose payload is not JSON: its text
		if !isText(string(pb)) {
			payload = nil
		}
	}
	return hm, payload, true
}

// urlDecode decodes %XX and %uXXXX escapes (a '+' stays a '+': in a value that has been
// through a form's decoding once, it is one), when there is one and the result is text.
func urlDecode(s string) (string, bool) {
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			if x, ok := hexByte(s[i+1 : i+3]); ok {
				b.WriteByte(x)
				i += 2
				changed = true
				continue
			}
		}
		if c == '%' && i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(r))
				i += 5
				changed = true
				continue
			}
		}
		b.WriteByte(c)
	}
	out := b.String()
	return out, changed && isText(out)
}

// hexByte decodes two hexadecimal digits.
func hexByte(s string) (byte, bool) {
	x, err := strconv.ParseUint(s, 16, 8)
	return byte(x), err == nil && s[0] != '+' && s[0] != '-'
}

// jsUnescape decodes JavaScript's \uXXXX, \u{X...}, \xXX and the one-character escapes,
// when there is one and the result is text.
func jsUnescape(s string) (string, bool) {
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		e := s[i+1]
		switch {
		case e == 'u' && i+5 < len(s) && s[i+2] != '{':
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(r))
				i += 5
				changed = true
				continue
			}
		case e == 'u' && i+3 < len(s) && s[i+2] == '{':
			if end := strings.IndexByte(s[i+3:], '}'); end > 0 && end <= 6 {
				if r, err := strconv.ParseUint(s[i+3:i+3+end], 16, 32); err == nil && r <= utf8.MaxRune {
					b.WriteRune(rune(r))
					i += 3 + end
					changed = true
					continue
				}
			}
		case e == 'x' && i+3 < len(s):
			if x, ok := hexByte(s[i+2 : i+4]); ok {
				b.WriteByte(x)
				i += 3
				changed = true
				continue
			}
		case strings.IndexByte(`'"\/`, e) >= 0:
			b.WriteByte(e)
			i++
			changed = true
			continue
		}
		b.WriteByte(s[i])
	}
	out := b.String()
	return out, changed && isText(out)
}

// xmlParts returns the text and attribute values of s when s is, whole, a well-formed XML
// document without declarations or XInclude, keyed by the local name of their element
// ("Issuer") or element and attribute ("Response@ID"), each a list in document order (the
// shape walkJSON reads). Comments and processing instructions are left out, as Coraza's
// XML body processor leaves them out of XML:/*.
func xmlParts(s string) (map[string]any, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 4 || t[0] != '<' || strings.Contains(t, "XInclude") {
		return nil, false
	}
	dec := xml.NewDecoder(strings.NewReader(t))
	dec.Strict = true
	parts := make(map[string]any)
	addPart := func(k, v string) {
		if v = strings.TrimSpace(v); v == "" {
			return
		}
		list, _ := parts[k].([]any)
		parts[k] = append(list, v)
	}
	var open []string
	elements := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if len(open) == 0 && elements > 0 {
				return nil, false // a second root: not one document
			}
			elements++
			open = append(open, x.Name.Local)
			for _, a := range x.Attr {
				addPart(x.Name.Local+"@"+a.Name.Local, a.Value)
			}
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) == 0 {
				if len(strings.TrimSpace(string(x))) > 0 {
					return nil, false // text outside the root
				}
				continue
			}
			addPart(open[len(open)-1], string(x))
		case xml.Directive:
			return nil, false
		}
	}
	return parts, elements > 0 && len(open) == 0
}
