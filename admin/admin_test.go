package admin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/bans"
)

const token = "test-token-0123456789"

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// newAPI returns an admin server with the bans endpoints over a fresh store, at the
// fixed instant t0.
func newAPI(t *testing.T, file string) (*Server, *bans.Store) {
	t.Helper()
	store, err := bans.Open(bans.Options{File: file}, t0)
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Token: token})
	NewBansAPI(store, func() time.Time { return t0 }, nil).Register(s)
	return s, store
}

type answer struct {
	status int
	header http.Header
	body   string
	err    string // the "error" of an error answer
}

// call sends one request through s; auth is the Authorization header ("" for none).
func call(t *testing.T, s *Server, method, path, body, auth string) answer {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var e struct{ Error string }
	_ = json.Unmarshal(w.Body.Bytes(), &e)
	return answer{w.Code, w.Header(), w.Body.String(), e.Error}
}

func TestToken(t *testing.T) {
	s, _ := newAPI(t, "")
	tests := []struct {
		name, auth string
		want       int
	}{
		{"no token", "", 401},
		{"wrong token", "Bearer wrong-token-0123456789", 401},
		{"token as a prefix", "Bearer " + token[:len(token)-1], 401},
		{"other scheme", "Basic " + token, 401},
		{"no scheme", token, 401},
		{"right token", "Bearer " + token, 200},
		{"scheme in lower case", "bearer " + token, 200},
	}
	for _, tc := range tests {
		for _, req := range []struct{ method, path, body string }{
			{"GET", "/bans", ""},
			{"POST", "/bans", `{"addr": "192.0.2.1"}`},
			{"DELETE", "/bans/192.0.2.1", ""},
		} {
			a := call(t, s, req.method, req.path, req.body, tc.auth)
			want := tc.want
			if want == 200 && req.method == "DELETE" && a.status == 404 {
				want = 404 // order of the table: nothing banned yet is fine
			}
			if a.status != want {
				t.Errorf("%s: %s %s: status %d, want %d: %s", tc.name, req.method, req.path, a.status, want, a.body)
			}
			if want == 401 {
				if a.header.Get("WWW-Authenticate") == "" || !strings.Contains(a.err, "token") {
					t.Errorf("%s: a 401 without WWW-Authenticate or explanation: %v %s", tc.name, a.header, a.body)
				}
			}
		}
	}
}

func TestSetToken(t *testing.T) {
	s, _ := newAPI(t, "")
	s.SetToken("another-token-0123456789")
	if a := call(t, s, "GET", "/bans", "", "Bearer "+token); a.status != 401 {
		t.Errorf("old token: status %d, want 401", a.status)
	}
	if a := call(t, s, "GET", "/bans", "", "Bearer another-token-0123456789"); a.status != 200 {
		t.Errorf("new token: status %d, want 200", a.status)
	}
}

func TestBanListUnban(t *testing.T) {
	s, store := newAPI(t, filepath.Join(t.TempDir(), "bans.json"))
	auth := "Bearer " + token

	a := call(t, s, "POST", "/bans", `{"addr": "203.0.113.9", "ttl": "1h", "reason": "scraping"}`, auth)
	if a.status != 200 {
		t.Fatalf("POST: status %d: %s", a.status, a.body)
	}
	var b bans.Ban
	if err := json.Unmarshal([]byte(a.body), &b); err != nil {
		t.Fatal(err)
	}
	if b.Prefix != netip.MustParsePrefix("203.0.113.9/32") || b.Reason != "scraping" || b.Source != bans.SourceAdmin ||
		!b.Created.Equal(t0) || !b.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("POST answered %+v", b)
	}
	if m, ok := store.Lookup(netip.MustParseAddr("203.0.113.9")); !ok || m.Reason != "ban: scraping" {
		t.Errorf("the ban does not apply at once: %+v %v", m, ok)
	}
	a = call(t, s, "POST", "/bans", `{"addr": "2001:db8:bad::/48"}`, auth)
	if a.status != 200 || strings.Contains(a.body, "expires") {
		t.Fatalf("POST without ttl: status %d: %s (want no expiry)", a.status, a.body)
	}

	a = call(t, s, "GET", "/bans", "", auth)
	var list struct{ Bans []bans.Ban }
	if err := json.Unmarshal([]byte(a.body), &list); err != nil || a.status != 200 {
		t.Fatalf("GET: %d %s %v", a.status, a.body, err)
	}
	if len(list.Bans) != 2 || list.Bans[0].Prefix.String() != "203.0.113.9/32" || list.Bans[1].Prefix.String() != "2001:db8:bad::/48" {
		t.Errorf("GET listed %+v", list.Bans)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}

	// Escaped (as a client library sends it) and plain.
	for _, path := range []string{"/bans/2001:db8:bad::%2F48", "/bans/203.0.113.9"} {
		if a := call(t, s, "DELETE", path, "", auth); a.status != 200 {
			t.Errorf("DELETE %s: status %d: %s", path, a.status, a.body)
		}
	}
	if a := call(t, s, "DELETE", "/bans/203.0.113.9", "", auth); a.status != 404 || !strings.Contains(a.body, "not banned") {
		t.Errorf("DELETE again: status %d: %s, want 404", a.status, a.body)
	}
	if n := store.Stats().Bans; n != 0 {
		t.Errorf("%d bans left", n)
	}
	// Unescaped CIDR in the path.
	call(t, s, "POST", "/bans", `{"addr": "198.51.100.0/24"}`, auth)
	if a := call(t, s, "DELETE", "/bans/198.51.100.0/24", "", auth); a.status != 200 {
		t.Errorf("DELETE with an unescaped CIDR: status %d: %s", a.status, a.body)
	}
}

func TestBadRequests(t *testing.T) {
	s, store := newAPI(t, "")
	auth := "Bearer " + token
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"not JSON", "POST", "/bans", `addr=192.0.2.1`, 400, "must be a JSON object"},
		{"unknown field", "POST", "/bans", `{"address": "192.0.2.1"}`, 400, `unknown field "address"`},
		{"two objects", "POST", "/bans", `{"addr": "192.0.2.1"} {}`, 400, "one JSON object"},
		{"no addr", "POST", "/bans", `{"reason": "x"}`, 400, "address or CIDR prefix is required"},
		{"bad address", "POST", "/bans", `{"addr": "192.0.2.300"}`, 400, `"192.0.2.300"`},
		{"bad CIDR", "POST", "/bans", `{"addr": "192.0.2.0/33"}`, 400, `"192.0.2.0/33"`},
		{"range", "POST", "/bans", `{"addr": "192.0.2.1-192.0.2.9"}`, 400, "ranges (a-b) are not supported"},
		{"host bits", "POST", "/bans", `{"addr": "10.1.2.3/8"}`, 400, `did you mean "10.0.0.0/8"`},
		{"everything", "POST", "/bans", `{"addr": "::/0"}`, 400, "every client"},
		{"bad ttl", "POST", "/bans", `{"addr": "192.0.2.1", "ttl": "soon"}`, 400, "ttl"},
		{"negative ttl", "POST", "/bans", `{"addr": "192.0.2.1", "ttl": "-1h"}`, 400, "positive duration"},
		{"control character in reason", "POST", "/bans", `{"addr": "192.0.2.1", "reason": "a\nb"}`, 400, "unprintable"},
		{"huge body", "POST", "/bans", `{"addr": "192.0.2.1", "reason": "` + strings.Repeat("x", maxBody) + `"}`, 400, "too large"},
		{"bad prefix to delete", "DELETE", "/bans/nonsense", "", 400, `"nonsense"`},
		{"wrong method", "PUT", "/bans", `{}`, 405, ""},
		{"unknown path", "GET", "/nothing", "", 404, ""},
	}
	for _, tc := range tests {
		a := call(t, s, tc.method, tc.path, tc.body, auth)
		if a.status != tc.status || !strings.Contains(a.err, tc.want) {
			t.Errorf("%s: status %d %q, want %d and %q", tc.name, a.status, a.body, tc.status, tc.want)
		}
	}
	if n := store.Stats().Bans; n != 0 {
		t.Errorf("%d bans after bad requests, want 0", n)
	}
}

// TestNotSaved: a ban that applies but could not be written says so.
func TestNotSaved(t *testing.T) {
	s, store := newAPI(t, filepath.Join(t.TempDir(), "missing-dir", "bans.json"))
	a := call(t, s, "POST", "/bans", `{"addr": "192.0.2.1"}`, "Bearer "+token)
	if a.status != 500 || !strings.Contains(a.body, "will not survive a restart") || !strings.Contains(a.body, `"prefix": "192.0.2.1/32"`) {
		t.Errorf("status %d: %s", a.status, a.body)
	}
	if _, ok := store.Lookup(netip.MustParseAddr("192.0.2.1")); !ok {
		t.Error("the ban does not apply")
	}
}
