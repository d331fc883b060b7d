//go:build e2e

package e2e

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

// benignBodies are ordinary form, JSON and multipart posts, as browsers and API clients
// send them.
func benignBodies(t *testing.T) []struct{ name, contentType, body string } {
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("title", "Quarterly report")
	fw, _ := w.CreateFormFile("file", "notes.txt")
	fw.Write([]byte("line one\nline two: 50% done, next steps below\n"))
	w.Close()
	return []struct{ name, contentType, body string }{
		{"urlencoded 1 KB", "application/x-www-form-urlencoded",
			"name=alice&email=alice%40example.com&comment=" + strings.Repeat("hello+world+", 80)},
		{"json", "application/json", `{"user":"alice","items":[{"id":42,"qty":2}],"note":"leave at the door"}`},
		{"multipart", w.FormDataContentType(), mp.String()},
		{"large urlencoded (nginx buffers it to a temp file)", "application/x-www-form-urlencoded",
			"data=" + strings.Repeat("abcdefghij", 20_000)},
	}
}

// TestBodyPathPassesBenignPostsIntact checks that an allowed POST reaches the upstream
// with its method and body byte for byte after the detour through sidewall
// (X-Accel-Redirect to a named location).
func TestBodyPathPassesBenignPostsIntact(t *testing.T) {
	for _, tc := range benignBodies(t) {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodPost, env.site+"/submit?x=1", tc.body, "Content-Type: "+tc.contentType, "X-Forwarded-For: 192.0.2.40")
			if r.status != http.StatusOK {
				t.Fatalf("status %d, want 200; body %.200q", r.status, r.body)
			}
			if want := "POST /submit?x=1\n" + tc.body; r.body != want {
				t.Errorf("upstream saw a different request (%d bytes, want %d):\n%.200q", len(r.body), len(want), r.body)
			}
			noInternalHeaders(t, r)
		})
	}
}

// attackBodies are the same attacks in each body format the CRS parses.
var attackBodies = []struct{ name, contentType, body string }{
	{"sqli urlencoded", "application/x-www-form-urlencoded", "user=admin&pass=1%27%20OR%20%271%27%3D%271"},
	{"sqli json", "application/json", `{"user":"admin","pass":"1' OR '1'='1"}`},
	{"xss json", "application/json", `{"comment":"<script>alert(document.cookie)</script>"}`},
	{"xss xml", "application/xml", `<?xml version="1.0"?><comment><text>&lt;script&gt;alert(1)&lt;/script&gt;</text><t2><![CDATA[<script>alert(1)</script>]]></t2></comment>`},
	{"rce multipart", "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"cmd\"\r\n\r\n; cat /etc/passwd\r\n--XyZ--\r\n"},
}

// TestBodyPathDeniesAttacksInBodies: the body path inspects bodies; auth_request cannot
// (nginx never gives the subrequest a body), which the second half documents.
func TestBodyPathDeniesAttacksInBodies(t *testing.T) {
	for _, tc := range attackBodies {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodPost, env.site+"/submit", tc.body, "Content-Type: "+tc.contentType, "X-Forwarded-For: 192.0.2.41")
			if r.status != http.StatusForbidden {
				t.Fatalf("body path: status %d, want 403; body %.200q", r.status, r.body)
			}
			if strings.Contains(r.body, "POST /submit") {
				t.Errorf("denied request reached the upstream")
			}
			noInternalHeaders(t, r)
		})
	}
	t.Run("auth_request cannot see bodies", func(t *testing.T) {
		tc := attackBodies[0]
		r := do(t, http.MethodPost, env.authSite+"/submit", tc.body, "Content-Type: "+tc.contentType, "X-Forwarded-For: 192.0.2.42")
		if r.status != http.StatusOK {
			t.Fatalf("auth_request path: status %d; if nginx now sends bodies to auth_request, the README and this test need a second look", r.status)
		}
	})
}

// TestBodyPathNeedsItsNamedLocation: a request to /inspect without X-Sidewall-Continue
// (only a misconfigured include or a client bypassing nginx could send one) is refused.
func TestBodyPathNeedsItsNamedLocation(t *testing.T) {
	r := do(t, http.MethodPost, "http://"+env.sidewall.Addr+"/inspect", "a=b",
		"X-Sidewall-URI: /", "X-Sidewall-Addr: 192.0.2.43", "X-Sidewall-Method: POST")
	if r.status != http.StatusForbidden || r.header.Get("X-Sidewall-Action") != "invalid" {
		t.Errorf("status %d action %q, want 403 invalid", r.status, r.header.Get("X-Sidewall-Action"))
	}
}

// TestDetectionOnlyAllowsAndLogs runs a second sidewall with the WAF in detection-only
// mode: the attacks that block mode denies all pass, and each is logged.
func TestDetectionOnlyAllowsAndLogs(t *testing.T) {
	st := startOwnStack(t, ownOptions{edit: func(cfg string) string {
		return strings.Replace(cfg, `mode = "block"`, `mode = "detect"`, 1)
	}})
	sw, ngx, listen := st.sw, st.ngx, strings.TrimPrefix(st.site, "http://")

	attacks := 0
	for _, tc := range attackBodies {
		r := do(t, http.MethodPost, "http://"+listen+"/submit", tc.body, "Content-Type: "+tc.contentType)
		if r.status != http.StatusOK || r.body != "POST /submit\n"+tc.body {
			t.Errorf("%s: status %d, want 200 with the body passed on", tc.name, r.status)
		}
		attacks++
	}
	r := getFrom(t, "http://"+listen, "/?id=1%27%20OR%20%271%27%3D%271", "")
	if r.status != http.StatusOK {
		t.Errorf("query SQLi: status %d, want 200", r.status)
	}
	attacks++
	deadline := time.Now().Add(2 * time.Second)
	for {
		n := len(sw.LogLines(`"action":"detect"`))
		if n == attacks {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d detection log lines, want %d:\n%s", n, attacks, sw.Logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// nginx's access log records the detection (sidewall-continue.conf keeps it across
	// the X-Accel-Redirect), and the request id joins nginx's line to sidewall's.
	line := waitForLine(t, ngx.AccessLog, "GET /?id=1")
	for _, want := range []string{"sw_status=204", "sw_action=detect", "949110"} {
		if !strings.Contains(line, want) {
			t.Errorf("access log line lacks %q:\n%s", want, line)
		}
	}
	rid := field(line, "rid=")
	if got := sw.LogLines(rid, `"action":"detect"`, "949110"); len(got) != 1 {
		t.Errorf("no detection line with request id %q in sidewall's log:\n%s", rid, sw.Logs())
	}
}
