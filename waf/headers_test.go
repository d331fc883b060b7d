package waf

import (
	"strings"
	"testing"
)

// TestHeaderGrammars holds each family's grammar to the values real clients send
// (browsers, SDKs, proxies, API clients), which must keep to it, and to injections,
// which must not.
func TestHeaderGrammars(t *testing.T) {
	keeps := map[string][]string{
		"accept": {"*/*", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
			"image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
			"application/json, text/plain, */*", "application/vnd.github+json", ""},
		"accept-language": {"en-US,en;q=0.9", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "zh-Hans-CN;q=1, en;q=0.5", "*", "en_US"},
		"accept-encoding": {"gzip, deflate, br, zstd", "identity", "gzip;q=1.0, *;q=0.5"},
		"content-type": {"multipart/form-data; boundary=----WebKitFormBoundaryksDkZFDETPItAxOq", `application/soap+xml; charset=utf-8; action="urn:GetUser"`,
			"application/json;charset=UTF-8", "text/plain"},
		"sec-ch-ua": {`"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`, `"Not)A;Brand";v="99", "Google Chrome";v="127"`,
			`"Chromium";v="118", "Not=A?Brand";v="99"`},
		"sec-ch-ua-full-version-list":    {`"Google Chrome";v="131.0.6778.86", "Chromium";v="131.0.6778.86", "Not_A Brand";v="24.0.0.0"`},
		"sec-ch-ua-mobile":               {"?0", "?1"},
		"sec-ch-ua-platform":             {`"Windows"`, `"macOS"`, `"Android"`},
		"sec-ch-ua-model":                {`""`, `"SM-S918B"`, `"Pixel 7"`},
		"sec-fetch-site":                 {"same-origin", "cross-site", "none"},
		"sec-fetch-user":                 {"?1"},
		"sec-purpose":                    {"prefetch;prerender"},
		"sec-websocket-key":              {"SK/SxocQopOkYaN/hHnH5w=="},
		"x-requested-with":               {"XMLHttpRequest", "com.android.chrome"},
		"cache-control":                  {"max-age=0", "no-cache, no-store, must-revalidate", `private="Set-Cookie"`},
		"priority":                       {"u=0, i", "u=3", "i"},
		"sec-websocket-extensions":       {"permessage-deflate; client_max_window_bits"},
		"access-control-request-headers": {"x-api-key, content-type, authorization"},
		"prefer":                         {"return=minimal; handling=lenient"},
		"traceparent":                    {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		"tracestate":                     {"congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", "dd=s:1;o:rum"},
		"baggage": {"sentry-environment=production,sentry-release=dc6c70c19725,sentry-public_key=1493a873e5d8aa16aba58ffb,sentry-trace_id=15f6c40122854abec45067ccac2e97c4,sentry-sample_rate=1,sentry-transaction=%2Fcheckout,sentry-sampled=true",
			"userId=alice,serverNode=DF%2028,isProduction=false;p=1"},
		"sentry-trace":          {"15f6c40122854abec45067ccac2e97c4-4e3ed9f93ba18613-1", "15f6c40122854abec45067ccac2e97c4-4e3ed9f93ba18613"},
		"x-amzn-trace-id":       {"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
		"x-cloud-trace-context": {"105445aa7843bc8bf206b12000100000/1;o=1"},
		"authorization": {"Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjJBSzFrX0RsbnNZTkNUaV8iLCJ0eXAiOiJKV1QifQ.eyJhdWQiOiJhcHAtd2ViIi.sig-_x",
			"Basic dXNlcjpwYXNzd29yZA==",
			`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
			`OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjY%3D", oauth_version="1.0"`},
		"if-none-match":     {`W/"0815", "abc"`, `"33a64df551425fcc55e4d42a148795d9f25f89d4"`, "*"},
		"if-modified-since": {"Tue, 10 Nov 2026 08:12:31 GMT"},
		"range":             {"bytes=0-", "bytes=200-1000, 2000-6576, 19000-"},
		"content-length":    {"163"},
		"x-forwarded-for":   {"203.0.113.7", "203.0.113.7, 198.51.100.2", "2001:db8::1", "unknown, 10.0.0.1", "[2001:db8::1]:4711"},
		"forwarded":         {"for=192.0.2.60;proto=http;by=203.0.113.43", `for="[2001:db8:cafe::17]:4711"`},
		"origin":            {"https://shop.example.com", "null", "http://localhost:3000"},
		"host":              {"shop.example.com", "localhost:8080", "[::1]:8080"},
	}
	breaks := map[string][]string{
		"accept":          {"' OR '1'='1", "text/html;q=' OR 1=1--", "<script>alert(1)</script>"},
		"accept-language": {"en'; DROP TABLE users;--"},
		"sec-ch-ua":       {`"Chromium";v="1' OR '1'='1"`},
		"sec-fetch-site":  {"1 OR 1=1"},
		"cache-control":   {"1 OR 1=1", "max-age=0' or '1"},
		"baggage":         {"a=1' OR '1'='1"},
		"traceparent":     {"00-1 UNION SELECT password FROM users--"},
		"authorization":   {"Bearer x' OR '1'='1", `Basic "><svg onload=alert(1)>`},
		"if-none-match":   {`"1' OR '1'='1"`},
		"x-forwarded-for": {"1 OR 1=1", "1' ORDER BY 5-- -", "1/**/OR/**/1=1", "<!--#exec cmd=\"id\" -->"},
		"origin":          {"https://a.example/'-alert(1)-'"},
	}
	for name, values := range keeps {
		for _, v := range values {
			if f := headerFamilies[name]; f == nil || !f.valid(v) {
				t.Errorf("%s: %q breaks the grammar; real clients send it", name, v)
			}
		}
	}
	for name, values := range breaks {
		for _, v := range values {
			if headerFamilies[name].valid(v) {
				t.Errorf("%s: %q keeps to the grammar; libinjection would never see it", name, v)
			}
		}
	}
}

// FuzzHeaderGrammars: no value that keeps to a family's grammar has what an injection
// needs and the grammars promise to keep out: a single quote, a backslash, a
// parenthesis, an angle bracket, or a blank between two words.
func FuzzHeaderGrammars(f *testing.F) {
	f.Add("accept", "text/html;q=0.9, */*")
	f.Add("sec-ch-ua", `"Not)A;Brand";v="99"`)
	f.Add("authorization", `Digest a="b", c=d`)
	f.Add("x-forwarded-for", "1.2.3.4, unknown")
	f.Fuzz(func(t *testing.T, name, v string) {
		fam := headerFamilies[name]
		if fam == nil || fam.valid == nil || !fam.valid(v) {
			return
		}
		if strings.ContainsAny(v, `'\<>`) || strings.ContainsAny(stripQuoted(v), "()|&") {
			t.Errorf("%s: %q keeps to the grammar", name, v)
		}
		if fam == &famCredentials || fam == &famConditions {
			return // a scheme's blank, an HTTP date's blanks
		}
		sv := stripQuoted(v)
		for i := 0; i < len(sv); i++ {
			if sv[i] != ' ' && sv[i] != '\t' {
				continue
			}
			before, after := strings.TrimRight(sv[:i], " \t"), strings.TrimLeft(sv[i:], " \t")
			if before != "" && after != "" && !isListSep(before[len(before)-1]) && !isListSep(after[0]) {
				t.Errorf("%s: %q keeps to the grammar with a blank between words", name, v)
			}
		}
	})
}

// stripQuoted removes the quoted strings of v, whose content the grammars allow more.
func stripQuoted(v string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			in = !in
			continue
		}
		if !in {
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// TestHeaderExclusions: a custom header listed in TX:sidewall_header_exclusions is
// read by no class rule; others still are.
func TestHeaderExclusions(t *testing.T) {
	e, err := New(Options{BeforeCRS: `SecAction "id:1000,phase:1,pass,nolog,setvar:'tx.sidewall_header_exclusions=/x-raw-query/ /x-debug/'"`})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, tc := range []struct {
		header string
		deny   bool
	}{
		{"X-Raw-Query", false},
		{"X-Debug", false},
		{"X-Search", true},
	} {
		v := e.Inspect(withHeader(get("/"), tc.header, "1' UNION SELECT password FROM users-- ; cat /etc/passwd"))
		if v.Interrupted != tc.deny {
			t.Errorf("%s: Interrupted %v (%v); want %v", tc.header, v.Interrupted, ids(v.Matched), tc.deny)
		}
	}
}
