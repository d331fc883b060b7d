//go:build e2e

package e2e

import (
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// reloadStack is a sidewall of a test's own (no nginx) with the admin API, whose
// configuration the test rewrites key by key and reloads.
type reloadStack struct {
	*ownStack
	t    *testing.T
	text string // the configuration file's text as started
}

func startReloadStack(t *testing.T) *reloadStack {
	t.Helper()
	st := startOwnStack(t, ownOptions{admin: true, noNginx: true})
	text, err := os.ReadFile(st.cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &reloadStack{ownStack: st, t: t, text: string(text)}
}

// with returns text with each of the given [section] key = value set.
func (s *reloadStack) with(text string, sets ...[3]string) string {
	s.t.Helper()
	for _, kv := range sets {
		var err error
		if text, err = setTOMLKey(text, kv[0], kv[1], kv[2]); err != nil {
			s.t.Fatal(err)
		}
	}
	return text
}

// write replaces the configuration file with text.
func (s *reloadStack) write(text string) {
	s.t.Helper()
	if err := os.WriteFile(s.cfg, []byte(text), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// reload writes text and asks for a reload through the admin API.
func (s *reloadStack) reload(text string) response {
	s.t.Helper()
	s.write(text)
	return do(s.t, http.MethodPost, s.admin+"/reload", "", "Authorization: Bearer "+demoToken)
}

// auth asks sidewall directly, as nginx would, about a GET / from client, with request
// id rid.
func (s *reloadStack) auth(client, rid string) response {
	s.t.Helper()
	return do(s.t, http.MethodGet, "http://"+s.sw.Addr+"/auth", "", "X-Sidewall-Method: GET",
		"X-Sidewall-URI: /", "X-Sidewall-Client-Host: www.example.com", "X-Sidewall-Addr: "+client,
		"X-Sidewall-Request-ID: "+rid)
}

// waitLog waits up to two seconds for n log lines holding every one of subs.
func (s *reloadStack) waitLog(n int, subs ...string) {
	s.t.Helper()
	if _, ok := waitFor(2*time.Second, func() bool { return len(s.sw.LogLines(subs...)) >= n }); !ok {
		s.t.Fatalf("fewer than %d log lines with %q:\n%s", n, subs, s.sw.Logs())
	}
}

// TestReloadAppliesLiveKeys: log.level and server.trusted_peers matter while running, so
// a reload applies them at once.
func TestReloadAppliesLiveKeys(t *testing.T) {
	s := startReloadStack(t)
	const listed = "203.0.113.9" // in config.toml's blocklist

	// log.level: a denial is logged at info; after a reload to "warn" it is not, while a
	// warning (an invalid request, written after it) still is.
	if r := s.auth(listed, "level-info"); r.status != http.StatusForbidden {
		t.Fatalf("blocklisted client: status %d", r.status)
	}
	s.waitLog(1, `"msg":"denied"`, `"request_id":"level-info"`)
	warn := s.with(s.text, [3]string{"log", "level", `"warn"`})
	if r := s.reload(warn); r.status != http.StatusOK {
		t.Fatalf("reload to log.level warn: status %d %s", r.status, r.body)
	}
	s.auth(listed, "level-warn")
	s.auth("", "level-warn-invalid") // no client address: a warning
	s.waitLog(1, `"msg":"invalid request"`, `"request_id":"level-warn-invalid"`)
	if lines := s.sw.LogLines(`"request_id":"level-warn"`, `"msg":"denied"`); len(lines) > 0 {
		t.Errorf("log.level warn still logs denials at info: %s", lines)
	}

	// server.trusted_peers: loopback is trusted as started; after a reload that trusts
	// only 10.0.0.0/8, a request from loopback is invalid.
	if r := s.auth("192.0.2.10", "peers-before"); r.status != http.StatusNoContent {
		t.Fatalf("trusted peer: status %d, want 204", r.status)
	}
	untrusting := s.with(warn, [3]string{"server", "trusted_peers", `["10.0.0.0/8"]`})
	if r := s.reload(untrusting); r.status != http.StatusOK {
		t.Fatalf("reload to trusted_peers [10.0.0.0/8]: status %d %s", r.status, r.body)
	}
	r := s.auth("192.0.2.10", "peers-after")
	if r.status != http.StatusForbidden || r.header.Get("X-Sidewall-Action") != "invalid" {
		t.Errorf("a peer no longer trusted: status %d action %q, want 403 invalid", r.status, r.header.Get("X-Sidewall-Action"))
	}
	if r := s.reload(warn); r.status != http.StatusOK {
		t.Fatalf("reload back to the default trusted_peers: status %d %s", r.status, r.body)
	}
	if r := s.auth("192.0.2.10", "peers-again"); r.status != http.StatusNoContent {
		t.Errorf("trusted again: status %d, want 204", r.status)
	}
}

// TestReloadRefusesRestartOnlyKeys: a reload that changes a key only a restart can apply
// answers 422 naming the key, one key class after another, and the running configuration
// stays; SIGHUP logs the same refusal.
func TestReloadRefusesRestartOnlyKeys(t *testing.T) {
	s := startReloadStack(t)
	tests := []struct {
		class string
		set   [3]string // section, key, value
	}{
		{"listener", [3]string{"server", "listen", `"127.0.0.1:1"`}},
		{"listener", [3]string{"server", "socket_mode", `"0600"`}},
		{"connection limit", [3]string{"server", "max_header_bytes", "32768"}},
		{"connection limit", [3]string{"server", "max_body_bytes", "1048576"}},
		{"timeout", [3]string{"server", "read_timeout", `"6s"`}},
		{"timeout", [3]string{"server", "write_timeout", `"6s"`}},
		{"timeout", [3]string{"server", "idle_timeout", `"80s"`}},
		{"log format", [3]string{"log", "format", `"text"`}},
		{"admin listener", [3]string{"admin", "socket_mode", `"0660"`}},
		{"bans store", [3]string{"bans", "file", `"bans.json"`}},
		{"bans sharing", [3]string{"ratelimit", "backend", `"redis"`}},
	}
	for _, tc := range tests {
		key := tc.set[0] + "." + tc.set[1]
		r := s.reload(s.with(s.text, tc.set))
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, key) {
			t.Errorf("%s: changing %s: status %d %s, want 422 naming the key", tc.class, key, r.status, r.body)
		}
	}
	// The log reaches the test through a pipe: the last line may come after the answer.
	const refused = `"msg":"reload refused; the running configuration stays"`
	waitFor(2*time.Second, func() bool { return len(s.sw.LogLines(refused)) >= len(tests) })
	if n := len(s.sw.LogLines(refused)); n != len(tests) {
		t.Errorf("%d refusals logged, want %d:\n%s", n, len(tests), s.sw.Logs())
	}

	// SIGHUP: the same refusal, in the log.
	s.write(s.with(s.text, [3]string{"log", "format", `"text"`}))
	if err := s.sw.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitLog(2, refused, "log.format")

	// The running configuration stayed, and reloads as it is.
	if r := s.auth("203.0.113.9", "after-refusals"); r.status != http.StatusForbidden {
		t.Errorf("after the refusals a blocklisted client gets %d", r.status)
	}
	if r := s.reload(s.text); r.status != http.StatusOK {
		t.Errorf("reloading the running configuration: status %d %s", r.status, r.body)
	}
}
