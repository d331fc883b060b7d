//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The attack placed past each limit: denied by the CRS wherever it is read.
const (
	limitXSS        = "<script>alert(document.cookie)</script>"
	limitXSSEscaped = "%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E"
)

// smallLimits turns config.toml's inspection limits down, so that a request can go past
// each of them through nginx's own limits (a request line and each header line under
// 8 KB, a body under 1 MB). It fails the test if config.toml no longer has a key.
func smallLimits(t *testing.T) func(string) string {
	return func(cfg string) string {
		for _, kv := range [][2]string{
			{"args = 1000", "args = 20"},
			{"arg_name_bytes = 4096", "arg_name_bytes = 64"},
			{"arg_value_bytes = 1048576", "arg_value_bytes = 256"},
			{"depth = 128", "depth = 8"},
			{"multipart_parts = 1000", "multipart_parts = 10"},
			{"cookies = 200", "cookies = 10"},
			{"headers = 100", "headers = 20"},
			{"max_header_bytes = 65536", "max_header_bytes = 4096"},
			{"body_limit = 1048576", "body_limit = 4096"},
		} {
			if strings.Count(cfg, kv[0]) != 1 {
				t.Fatalf("config.toml: %q is not there exactly once", kv[0])
			}
			cfg = strings.Replace(cfg, kv[0], kv[1], 1)
		}
		return cfg
	}
}

// join joins n strings made by f with sep.
func join(n int, sep string, f func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = f(i)
	}
	return strings.Join(parts, sep)
}

func queryArgs(n int) string {
	return join(n, "&", func(i int) string { return fmt.Sprintf("a%d=%d", i, i) })
}

func headerLines(n int, name string) string {
	return join(n, "", func(i int) string { return fmt.Sprintf("%s-%d: value %d\r\n", name, i, i) })
}

func postRequest(path, contentType, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", path, contentType, len(body), body)
}

func multipartBody(parts int, last string) string {
	b := join(parts, "", func(i int) string {
		return fmt.Sprintf("--LIM\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nvalue %d\r\n", i, i)
	})
	if last != "" {
		b += "--LIM\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n" + last + "\r\n"
	}
	return b + "--LIM--\r\n"
}

// TestInspectionLimitsThroughNginx proves every inspection limit through the shipped
// nginx files: a benign request at the limit passes, and a request that goes past it
// with an attack placed after the limit is denied, with sidewall's log naming the limit.
// The limits are turned down in config.toml (smallLimits) so that nginx's own limits do
// not refuse the requests first; the default limits are proven by
// TestPaddingAttacksThroughNginx. Head-only limits are proven on both protected paths.
func TestInspectionLimitsThroughNginx(t *testing.T) {
	authListen, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s := startOwnStack(t, ownOptions{admin: true, edit: smallLimits(t), servers: []string{fmt.Sprintf(authOnlySite, authListen, env.app.Addr)}})
	body := strings.TrimPrefix(s.site, "http://")
	both := []string{body, authListen}
	onlyBody := []string{body}

	json := func(n int, last string) string {
		return "{" + join(n, ",", func(i int) string { return fmt.Sprintf(`"k%d":%d`, i, i) }) + last + "}"
	}
	nested := func(depth int, leaf string) string {
		return strings.Repeat(`{"a":`, depth-1) + `["` + leaf + `"]` + strings.Repeat("}", depth-1)
	}
	nestedXML := func(depth int, leaf string) string {
		return strings.Repeat("<a>", depth) + leaf + strings.Repeat("</a>", depth)
	}
	tests := []struct {
		limit      string
		sites      []string
		at, beyond func(path string) string // raw requests; path is unique per case
	}{
		{"args", both,
			func(p string) string { return "GET " + p + "?" + queryArgs(20) + " HTTP/1.1\r\n" },
			func(p string) string {
				return "GET " + p + "?" + queryArgs(21) + "&q=" + limitXSSEscaped + " HTTP/1.1\r\n"
			}},
		{"args", onlyBody,
			func(p string) string { return postRequest(p, "application/x-www-form-urlencoded", queryArgs(20)) },
			func(p string) string {
				return postRequest(p, "application/x-www-form-urlencoded", queryArgs(21)+"&q="+limitXSSEscaped)
			}},
		{"args", onlyBody,
			func(p string) string { return postRequest(p, "application/json", json(20, "")) },
			func(p string) string { return postRequest(p, "application/json", json(21, `,"q":"`+limitXSS+`"`)) }},
		{"args", onlyBody,
			func(p string) string {
				return postRequest(p, "application/xml", "<r>"+join(20, "", func(int) string { return "<a>v</a>" })+"</r>")
			},
			func(p string) string {
				return postRequest(p, "application/xml", "<r>"+join(21, "", func(int) string { return "<a>v</a>" })+
					"<q>"+url.QueryEscape(limitXSS)+"</q></r>")
			}},
		{"arg_name_bytes", both,
			func(p string) string { return "GET " + p + "?" + strings.Repeat("n", 64) + "=1 HTTP/1.1\r\n" },
			func(p string) string {
				return "GET " + p + "?" + strings.Repeat("n", 65) + limitXSSEscaped + "=1 HTTP/1.1\r\n"
			}},
		{"arg_value_bytes", onlyBody,
			func(p string) string {
				return postRequest(p, "application/x-www-form-urlencoded", "v="+strings.Repeat("a", 256))
			},
			func(p string) string {
				return postRequest(p, "application/x-www-form-urlencoded", "v="+strings.Repeat("a", 257)+limitXSSEscaped)
			}},
		{"depth", onlyBody,
			func(p string) string { return postRequest(p, "application/json", nested(8, "leaf")) },
			func(p string) string { return postRequest(p, "application/json", nested(9, limitXSS)) }},
		{"depth", onlyBody,
			func(p string) string { return postRequest(p, "application/xml", nestedXML(8, "leaf")) },
			func(p string) string {
				return postRequest(p, "application/xml", nestedXML(9, "&lt;script&gt;alert(1)&lt;/script&gt;"))
			}},
		{"multipart_parts", onlyBody,
			func(p string) string {
				return postRequest(p, "multipart/form-data; boundary=LIM", multipartBody(10, ""))
			},
			func(p string) string {
				return postRequest(p, "multipart/form-data; boundary=LIM", multipartBody(10, limitXSS))
			}},
		{"cookies", both,
			func(p string) string {
				return "GET " + p + " HTTP/1.1\r\nCookie: " + join(10, "; ", func(i int) string { return fmt.Sprintf("c%d=%d", i, i) }) + "\r\n"
			},
			func(p string) string {
				return "GET " + p + " HTTP/1.1\r\nCookie: " + join(11, "; ", func(i int) string { return fmt.Sprintf("c%d=%d", i, i) }) +
					"; q=" + limitXSS + "\r\n"
			}},
		{"headers", both,
			func(p string) string { return "GET " + p + " HTTP/1.1\r\n" + headerLines(5, "X-Pad") },
			func(p string) string {
				return "GET " + p + " HTTP/1.1\r\n" + headerLines(25, "X-Pad") + "Referer: https://x/?" + limitXSSEscaped + "\r\n"
			}},
		{"max_header_bytes", both,
			func(p string) string { return "GET " + p + " HTTP/1.1\r\nX-Pad: " + strings.Repeat("p", 1000) + "\r\n" },
			func(p string) string {
				return "GET " + p + " HTTP/1.1\r\nX-Pad: " + strings.Repeat("p", 5000) + "\r\nReferer: https://x/?" + limitXSSEscaped + "\r\n"
			}},
		{"body_limit", onlyBody,
			func(p string) string {
				return postRequest(p, "application/x-www-form-urlencoded", "v="+strings.Repeat("a", 200))
			},
			func(p string) string {
				return postRequest(p, "application/x-www-form-urlencoded", "v="+strings.Repeat("a", 5000)+"&q="+limitXSSEscaped)
			}},
	}
	beyond := map[string]int{} // requests past each limit, for the counters
	for i, tc := range tests {
		beyond[tc.limit] += len(tc.sites)
		for j, site := range tc.sites {
			path := fmt.Sprintf("/limits/%s-%d-%d", tc.limit, i, j)
			kind := "body path"
			if site == authListen {
				kind = "auth_request"
			}
			t.Run(tc.limit+"/"+kind+path, func(t *testing.T) {
				if status := rawRequest(t, site, tc.at(path+"/at")); status != 200 {
					t.Errorf("at the limit: status %d, want 200", status)
				}
				want := 403
				if tc.limit == "body_limit" {
					want = 413
				}
				if status := rawRequest(t, site, tc.beyond(path+"/beyond")); status != want {
					t.Errorf("beyond the limit: status %d, want %d", status, want)
				}
				// The server's own limits stop a request before its URI is read: their
				// line names the limit only.
				marker := `"uri":"` + path + "/beyond"
				if tc.limit == "max_header_bytes" {
					marker = `"msg":"inspection limit reached"`
				}
				if _, ok := waitFor(2*time.Second, func() bool {
					return len(s.sw.LogLines(marker, `"limit":"`+tc.limit+`"`)) > 0
				}); !ok {
					t.Errorf("no log line with %s naming limit %q", marker, tc.limit)
				}
			})
		}
	}
	r := do(t, "GET", s.admin+"/metrics", "", "Authorization: Bearer "+demoToken)
	for limit, n := range beyond {
		if want := fmt.Sprintf("sidewall_limit_reached_total{limit=%q} %d\n", limit, n); !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestPaddingAttacksThroughNginx is the attack that brought the limits, against the
// demo's own configuration: an ordinary XSS or SQLi payload after 1,100 query
// parameters, 1,500 form fields or 3,000 JSON keys reached the upstream with 200. Each is
// denied now.
func TestPaddingAttacksThroughNginx(t *testing.T) {
	addr := strings.TrimPrefix(env.site, "http://")
	pad := func(n int) string { return join(n, "&", func(int) string { return "a=1" }) }
	tests := []struct{ name, request string }{
		{"1,100 query parameters", "GET /search?" + pad(1100) + "&q=" + limitXSSEscaped + " HTTP/1.1\r\n"},
		{"1,500 form fields", postRequest("/comment", "application/x-www-form-urlencoded",
			pad(1500)+"&q=1%27%20UNION%20SELECT%20password%20FROM%20users--")},
		{"3,000 JSON keys", postRequest("/api/profile", "application/json",
			"{"+join(3000, ",", func(i int) string { return fmt.Sprintf(`"k%d":%d`, i, i) })+`,"bio":"`+limitXSS+`"}`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if status := rawRequest(t, addr, tc.request); status != 403 {
				t.Errorf("status %d, want 403", status)
			}
		})
	}
}
