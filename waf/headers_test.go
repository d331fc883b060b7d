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
		"signature-input": {`sig1=("@method" "@authority" "@path" "content-digest");created=1618884473;keyid="test-key-rsa-pss"`,
			`sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"`,
			`sig1=("@query-param";name="id" "content-type";sf);created=1735689600;expires=1735693200;tag="web-bot-auth";alg="ed25519"`},
		"signature":           {"sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uqK488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuBCh+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5FsZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6Am6sfOrpIC49yXjj3ae6HRalVc/g==:"},
		"signature-agent":     {`"https://signature-agent.example"`},
		"content-digest":      {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"},
		"want-content-digest": {"sha-512=3, sha-256=10"},
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
		"signature-input": {`sig1=("@method" "1' OR '1'='1")`, `sig1=("@method");keyid=1 UNION SELECT password FROM users`,
			`sig1=("@path" ) OR (1=1`, `sig1=(SELECT 1)`, `sig1=("a"  "b")`},
		"content-digest": {"sha-256=:x:;a=<svg/onload=alert(1)>"},
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
	f.Add("signature-input", `sig1=("@method" "@query-param";name="id");created=1618884473;keyid="k"`)
	f.Fuzz(func(t *testing.T, name, v string) {
		fam := headerFamilies[name]
		if fam == nil || fam.valid == nil || !fam.valid(v) {
			return
		}
		sv := stripQuoted(v)
		if fam == &famSignatures {
			// An inner list of quoted names: its parentheses, and the blanks between its
			// items, separate as a comma does.
			sv = strings.NewReplacer("(", ",", ")", ",").Replace(sv)
		}
		if strings.ContainsAny(v, `'\<>`) || strings.ContainsAny(sv, "()|&") {
			t.Errorf("%s: %q keeps to the grammar", name, v)
		}
		if fam == &famCredentials || fam == &famConditions {
			return // a scheme's blank, an HTTP date's blanks
		}
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

// TestHeadersOfRealClientsPass sends, one at a time beside a browser's own, headers that
// real clients, proxies, SDKs and signed bots send and that the eval's corpus does not
// hold (webhook signatures, HTTP Message Signatures, cloud trace ids, app User-Agents),
// written for this test as a held-out check of the header rules: none may be denied.
// (Left out: W3C's own baggage example, serverNode=DF%2028, which decodes to "DF 28" and
// which the CRS's 932250 reads as the df command, as it does in any parameter.)
func TestHeadersOfRealClientsPass(t *testing.T) {
	hs := [][2]string{
		{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261206/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"},
		{"X-Amz-Date", "20261206T120000Z"},
		{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"},
		{"X-Amzn-Trace-Id", "Root=1-67a2b3c4-12456789abcdef012345678;Parent=53995c3f42cd8ad8;Sampled=1"},
		{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
		{"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
		{"X-B3-TraceId", "80f198ee56343ba864fe8b2a57d3eff7"},
		{"X-Datadog-Origin", "rum"},
		{"X-Request-Id", "f058ebd6-02f7-4d3f-942e-904344e8cde5"},
		{"Idempotency-Key", "8e03978e-40d5-43e8-bc93-6894a57f9324"},
		{"X-Api-Key", "sk_live_51H8xYzQ2eZvKYlo2C0123456789abcdef"},
		{"Stripe-Signature", "t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"},
		{"X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"},
		{"X-GitHub-Event", "pull_request"},
		{"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{"X-Shopify-Hmac-Sha256", "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM="},
		{"Signature-Input", `sig1=("@method" "@authority" "@path" "content-digest");created=1618884473;keyid="test-key-rsa-pss"`},
		{"Signature", "sig1=:HIbjHC5rS0BYaa9v4QfD4193TORw7u9edguPh0AW3dMq9WImrlFrCGUDih47vAxi4L2YRZ3XMJc1uOKk/J0ZmZ+wcta4nKIgBkKq0rM9hs3CQyxXGxHLMCy8uqK488o+9jrptQ+xFPHK7a9sRL1IXNaagCNN3ZxJsYapFj+JXbmaI5rtAdSfSvzPuBCh+ARHBmWuNo1UzVVdHXrl8ePL4cccqlazIJdC4QEjrF+Sn4IxBQzTZsL9y9TP5FsZYzHvDqbInkTNigBcE9cKOYNFCn4D/WM7F6TNuZO9EgtzepLWcjTymlHzK7aXq6Am6sfOrpIC49yXjj3ae6HRalVc/g==:"},
		{"Content-Digest", "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"},
		{"Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"},
		{"Via", "1.1 varnish (Varnish/7.4), 1.1 vegur"},
		{"CF-Ray", "8e7b1c2d3e4f5a6b-FRA"},
		{"CF-IPCountry", "DE"},
		{"CF-Visitor", `{"scheme":"https"}`},
		{"X-Forwarded-Proto", "https"},
		{"X-Forwarded-Host", "shop.example.com"},
		{"X-Forwarded-Port", "443"},
		{"Priority", "u=0, i"},
		{"Prefer", "return=minimal"},
		{"Save-Data", "on"},
		{"DNT", "1"},
		{"If-None-Match", `W/"5e15153d-120f"`},
		{"If-Modified-Since", "Sat, 05 Dec 2026 10:00:00 GMT"},
		{"Range", "bytes=0-1023"},
		{"X-Client-Version", "ios/5.3.1 (build 1234)"},
		{"X-Device", "iPhone15,2; iOS 18.1"},
		{"X-Timezone", "America/New_York"},
		{"X-App-Locale", "pt_BR"},
		{"X-Csrf-Token", "Fh1uHbL0WpN4HdJ0lT0hI1r9QdW5ySc3PjZkAh6m7V0="},
		{"X-XSRF-TOKEN", "eyJpdiI6IjNqR0ZhV2ZrS3c9PSIsInZhbHVlIjoiZ0x4N2R1In0%3D"},
		{"X-Original-URL", "/products/42?color=blue"},
		{"X-Apollo-Operation-Name", "GetProduct"},
		{"Apollo-Require-Preflight", "true"},
		{"X-Firebase-Client", "fire-core/0.10.13 fire-core-esm2017/0.10.13 fire-js/ fire-auth/1.7.9"},
		{"X-Goog-Api-Client", "gl-node/20.11.1 gccl/7.7.0 gax/4.3.1 grpc/1.10.1"},
		{"X-Stainless-OS", "MacOS"},
		{"X-Stainless-Runtime-Version", "v20.11.1"},
		{"X-Sentry-Auth", "Sentry sentry_version=7, sentry_client=sentry.javascript.browser/8.41.0, sentry_key=3b8d0b8e63bdbb84602940b80d91c5aa"},
		{"X-Newrelic-Id", "VQYGVF5SCBAEVVBUBgMBVw=="},
		{"Newrelic", "eyJ2IjpbMCwxXSwiZCI6eyJ0eSI6IkJyb3dzZXIiLCJhYyI6IjEyMzQ1NiJ9fQ=="},
		{"X-Correlation-Id", "order-2026-12-06-000421"},
		{"X-Search-Query", "men's shoes size 10 (wide)"},
		{"X-Filter", "price>=10&price<=50"},
		{"X-Sort", "-created_at,name"},
		{"X-Comment", "It's 5' 11\" tall -- nice"},
		{"X-Path", "/var/www/uploads/2026/12/report.pdf"},
		{"X-Cmd-Hint", "use `npm run build` first"},
		{"X-Template", "Hello {{name}}, your order {{order.id}} shipped"},
		{"X-Mail-Subject", "Re: Your order #4711 – shipped"},
		{"User-Agent", "okhttp/4.12.0"},
		{"User-Agent", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240205.004)"},
		{"User-Agent", "MyShop/5.3.1 (iPhone; iOS 18.1; Scale/3.00)"},
		{"User-Agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
		{"User-Agent", "python-requests/2.32.3"},
		{"User-Agent", "Wget/1.21.4"},
		{"User-Agent", "curl/8.5.0"},
		{"User-Agent", "Go-http-client/2.0"},
		{"User-Agent", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36"},
		{"User-Agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
		{"User-Agent", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
		{"User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/489.0.0.36.101;FBBV/651230934;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/18.1;FBSS/3;FBID/phone;FBLC/de_DE;FBOP/5]"},
		{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"},
		{"Referer", "https://www.google.com/search?q=trail+running+shoes+%27waterproof%27&sca_esv=1"},
		{"Referer", "android-app://com.google.android.gm/"},
		{"Referer", "https://shop.example.com/search?q=select+the+best+from+our+union+suits"},
	}
	e := pl1.get(t)
	for _, h := range hs {
		if v := e.Inspect(withHeader(get("/products/42"), h[0], h[1])); v.Interrupted {
			t.Errorf("%s: %s denied: %v", h[0], h[1], ids(v.Matched))
		}
	}
}
