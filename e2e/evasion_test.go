//go:build e2e

package e2e

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// evasionXSS and evasionSQLi are the plain attacks the battery wraps.
const (
	evasionXSS  = "<script>alert(document.cookie)</script>"
	evasionSQLi = "1' UNION SELECT password FROM users--"
)

// utf16LE encodes s as UTF-16 little endian with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

// formPairs is a urlencoded body of name=value pairs, values escaped minimally (the
// battery's payloads need only these).
func formPairs(pairs ...string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", " ", "+", "#", "%23", "=", "%3D", "'", "%27", "<", "%3C", ">", "%3E")
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, pairs[i]+"="+r.Replace(pairs[i+1]))
	}
	return strings.Join(out, "&")
}

func multipartRequest(path, boundaryParam, body string) string {
	return postRequest(path, "multipart/form-data; boundary="+boundaryParam, body)
}

// TestEvasionBattery sends attacks wrapped in the encodings and request shapes attackers
// use to slip past a WAF's parser, through real nginx on the body path (the only path
// that sees bodies; the query-string cases go through auth_request too). Each must be
// denied. Why it is denied is part of the table: either sidewall inspects the wrapped
// payload exactly as its plain form (the parser undoes the wrapping, so the same rules
// fire), or the wrapping itself is refused (a form no legitimate client sends, and that
// a backend might decode where the WAF cannot).
func TestEvasionBattery(t *testing.T) {
	authListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s := startOwnStack(t, ownOptions{servers: []string{fmt.Sprintf(authOnlySite, authListen, env.app.Addr)}})
	body := strings.TrimPrefix(s.site, "http://")

	const (
		asPlain = "inspected as its plain form"
		refused = "the wrapping is refused"
	)
	tests := []struct {
		name    string
		how     string // asPlain or refused
		why     string
		request string // raw request, without Host and Connection
		query   bool   // head-only: also through auth_request
		// logHas are strings sidewall's denial line must hold (rule ids, where the
		// payload was found), logLacks strings it must not.
		logHas, logLacks []string
	}{
		// Parameter pollution: every value of a repeated name is an argument of its own.
		{"same query name twice, attack second", asPlain, "Coraza keeps every value of a repeated name",
			"GET /search?q=running+shoes&q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E HTTP/1.1\r\n", true, []string{"941100", "ARGS:q"}, nil},
		{"same form name twice, attack second", asPlain, "as above, in the body",
			postRequest("/comment", "application/x-www-form-urlencoded", formPairs("q", "running shoes", "q", evasionSQLi)), false, []string{"942100", "ARGS:q"}, nil},
		{"same JSON key twice, attack second", asPlain, "the JSON processor keeps both values of a duplicated key",
			postRequest("/api/search", "application/json", `{"q":"running shoes","q":"`+evasionXSS+`"}`), false, []string{"941100", "ARGS:json.q"}, nil},
		{"same name in query and body", asPlain, "ARGS holds both",
			postRequest("/comment?q=hello", "application/x-www-form-urlencoded", formPairs("q", evasionXSS)), false, []string{"941100", "ARGS:q"}, nil},
		// An attack split across two values of one name, which ASP.NET joins with a comma.
		{"SQLi split across three query values", asPlain, "each piece passes alone; their comma-joined value is inspected too (id:join)",
			"GET /item?id=UNION%2F*&id=*%2FSELECT%2F*&id=*%2Fpassword+FROM+users HTTP/1.1\r\n", true, []string{"942", "ARGS:id:join"}, nil},
		{"SQLi split across three form values", asPlain, "as above, in the body",
			postRequest("/item", "application/x-www-form-urlencoded", "id=UNION%2F*&id=*%2FSELECT%2F*&id=*%2Fpassword+FROM+users"), false, []string{"942", "ARGS:id:join"}, nil},
		// Content-Type games.
		{"two Content-Type headers", refused, "CRS 920620: which one a backend reads is its own choice",
			"POST /comment HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\nq=test", false, []string{"920620"}, nil},
		{"mixed-case JSON Content-Type", asPlain, "the body processor is chosen case-insensitively",
			postRequest("/api/search", "Application/JSON", `{"q":"`+evasionXSS+`"}`), false, []string{"941100", "ARGS:json.q"}, nil},
		{"upper-case form Content-Type", asPlain, "as above",
			postRequest("/comment", "APPLICATION/X-WWW-FORM-URLENCODED", formPairs("q", evasionSQLi)), false, []string{"942100", "ARGS:q"}, nil},
		// Charsets the WAF does not decode but a backend might.
		{"UTF-16 form body", refused, "CRS 920480: only utf-8 and the Latin charsets are allowed",
			postRequest("/comment", "application/x-www-form-urlencoded; charset=utf-16", utf16LE("q="+evasionXSS)), false, []string{"920480"}, nil},
		{"UTF-16 JSON body", refused, "as above; the JSON parser fails on it too, so the body path answers 400 (rule 200002)",
			postRequest("/api/search", "application/json; charset=UTF-16LE", utf16LE(`{"q":"`+evasionXSS+`"}`)), false, []string{"920480"}, nil},
		{"UTF-7 form body", refused, "as above",
			postRequest("/comment", "application/x-www-form-urlencoded; charset=utf-7", "q=%2BADw-script%2BAD4-alert(1)%2BADw-/script%2BAD4-"), false, []string{"920480"}, nil},
		// Escapes the parser or a transformation undoes.
		{"JSON unicode escapes", asPlain, "the JSON parser decodes \\u escapes before the rules see the value",
			postRequest("/api/search", "application/json", `{"q":"\u003cscript\u003ealert(document.cookie)\u003c/script\u003e"}`), false, []string{"941100", "ARGS:json.q"}, nil},
		{"%u encoding", asPlain, "t:urlDecodeUni decodes %uXXXX",
			"GET /search?q=%u003cscript%u003ealert(document.cookie)%u003c/script%u003e HTTP/1.1\r\n", true, []string{"941100", "ARGS:q"}, nil},
		{"overlong UTF-8 '<' and '>'", refused, "sidewall denies overlong UTF-8: no encoder produces it, old decoders turn it into ASCII",
			"GET /search?q=%C0%BCscript%C0%BEalert(1)%C0%BC/script%C0%BE HTTP/1.1\r\n", true, []string{"480200"}, nil},
		{"overlong UTF-8 path traversal", refused, "as above",
			"GET /download?file=..%C0%AF..%C0%AF..%C0%AFetc%C0%AFpasswd HTTP/1.1\r\n", true, []string{"480200"}, nil},
		{"NUL byte inside the payload", refused, "CRS 920270: NUL has no place in an argument",
			"GET /search?q=%3Cscr%00ipt%3Ealert(1)%3C%2Fscript%3E HTTP/1.1\r\n", true, []string{"920270"}, nil},
		{"NUL byte in a form body", refused, "as above, in the body",
			postRequest("/comment", "application/x-www-form-urlencoded", "q=%00"+strings.ReplaceAll(formPairs("x", evasionXSS), "x=", "")), false, []string{"920270"}, nil},
		// Multipart shapes.
		{"quoted boundary with spaces and punctuation", asPlain, "the multipart parser follows RFC 2046 boundaries",
			multipartRequest("/upload", `"a b'()+_,-./:=?c"`, "--a b'()+_,-./:=?c\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n"+evasionXSS+"\r\n--a b'()+_,-./:=?c--\r\n"), false, []string{"941100", "ARGS:q"}, nil},
		{"70-byte boundary", asPlain, "as above",
			multipartRequest("/upload", strings.Repeat("b", 70), "--"+strings.Repeat("b", 70)+"\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n"+evasionSQLi+"\r\n--"+strings.Repeat("b", 70)+"--\r\n"), false, []string{"942100", "ARGS:q"}, nil},
		{"filename* naming a PHP script behind a harmless filename", asPlain, "Coraza surfaces both names; CRS 933110 refuses the script upload",
			multipartRequest("/upload", "XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"photo.jpg\"; filename*=UTF-8''shell.php\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0 picture\r\n--XyZ--\r\n"), false, []string{"933110", "shell.php"}, nil},
		{"nested multipart/mixed part", asPlain, "a nested part's text is the outer field's value, inspected whole",
			multipartRequest("/upload", "outer", "--outer\r\nContent-Disposition: form-data; name=\"files\"\r\nContent-Type: multipart/mixed; boundary=inner\r\n\r\n--inner\r\nContent-Disposition: file; filename=\"a.txt\"\r\n\r\n"+evasionXSS+"\r\n--inner--\r\n\r\n--outer--\r\n"), false, []string{"941100", "ARGS:files"}, nil},
		// Transfer encodings nginx undoes before sidewall sees the body.
		{"GET with a chunked body", refused, "CRS 920171: a GET has no body; sidewall passes the client's Transfer-Encoding on to the WAF",
			"GET /search HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("q=1", 7) + "0\r\n\r\n", false,
			[]string{"920171"}, nil},
		{"chunked body", asPlain, "nginx de-chunks the body and sends it whole; the WAF sees the client's Transfer-Encoding",
			"POST /comment HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n" +
				chunked(formPairs("q", evasionSQLi), 7) + "0\r\n\r\n", false, []string{"942100", "ARGS:q"}, []string{"920180"}},
	}
	for i, tc := range tests {
		// A path of its own, to find the request's line in sidewall's log.
		marker := fmt.Sprintf("/evasion-%d/", i)
		request := strings.Replace(tc.request, " /", " "+marker, 1)
		sites := []string{body}
		if tc.query {
			sites = append(sites, authListen)
		}
		for _, site := range sites {
			kind := "body path"
			if site == authListen {
				kind = "auth_request"
			}
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				// 403, or the body path's 400 for a body that does not parse.
				if status := rawRequest(t, site, request); status != 403 && !(status == 400 && site == body && slices.Contains(tc.logHas, "920480")) {
					t.Errorf("status %d, want 403 (%s: %s)", status, tc.how, tc.why)
				}
				// The request's own denial line (the auth path's and the body path's are
				// told apart by the request id each gets).
				var line string
				waitFor(2*time.Second, func() bool {
					lines := s.sw.LogLines(`"uri":"`+marker, `"msg":"denied"`)
					if len(lines) > 0 {
						line = lines[len(lines)-1]
					}
					return line != ""
				})
				for _, want := range tc.logHas {
					if !strings.Contains(line, want) {
						t.Errorf("denial log line lacks %q: %.400s", want, line)
					}
				}
				for _, bad := range tc.logLacks {
					if strings.Contains(line, bad) {
						t.Errorf("denial log line holds %q: %.400s", bad, line)
					}
				}
			})
		}
	}
}

// chunked splits s into chunks of at most n bytes in HTTP/1.1 chunked encoding, without
// the last chunk.
func chunked(s string, n int) string {
	var b strings.Builder
	for len(s) > 0 {
		c := s[:min(n, len(s))]
		s = s[len(c):]
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(c), c)
	}
	return b.String()
}
