package bans

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Fixed instants: the store takes the time as a parameter everywhere.
var (
	t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	t1 = t0.Add(30 * time.Minute)
	t2 = t0.Add(time.Hour)
	t3 = t0.Add(2 * time.Hour)
)

func mustPrefix(t *testing.T, s string) netip.Prefix {
	t.Helper()
	if !strings.Contains(s, "/") {
		a := netip.MustParseAddr(s)
		return netip.PrefixFrom(a, a.BitLen())
	}
	return netip.MustParsePrefix(s)
}

func open(t *testing.T, file string, now time.Time) *Store {
	t.Helper()
	s, err := Open(Options{File: file}, now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ban(t *testing.T, s *Store, prefix, reason string, expires, now time.Time) Ban {
	t.Helper()
	b, err := s.Ban(Ban{Prefix: mustPrefix(t, prefix), Reason: reason, Source: SourceAdmin, Expires: expires}, now)
	if err != nil {
		t.Fatalf("Ban(%s): %v", prefix, err)
	}
	return b
}

// banned reports whether addr is denied at now, as the server asks.
func banned(s *Store, addr string, now time.Time) (string, bool) {
	m, ok := s.Lookup(netip.MustParseAddr(addr))
	if !ok || !m.Active(now) {
		return "", false
	}
	return m.Reason, true
}

func TestBanLookupUnban(t *testing.T) {
	s := open(t, "", t0)
	ban(t, s, "203.0.113.9", "scraping", time.Time{}, t0)
	ban(t, s, "2001:db8:bad::/48", "", time.Time{}, t0)
	ban(t, s, "::ffff:198.51.100.0/120", "mapped", time.Time{}, t0) // stored as 198.51.100.0/24

	tests := []struct {
		addr, reason string
		banned       bool
	}{
		{"203.0.113.9", "ban: scraping", true},
		{"203.0.113.10", "", false},
		{"2001:db8:bad:1::1", "ban", true},
		{"198.51.100.77", "ban: mapped", true},
		{"::ffff:203.0.113.9", "ban: scraping", true},
	}
	for _, tc := range tests {
		reason, ok := banned(s, tc.addr, t0)
		if ok != tc.banned || reason != tc.reason {
			t.Errorf("%s: banned %v %q, want %v %q", tc.addr, ok, reason, tc.banned, tc.reason)
		}
	}

	got, err := s.Unban(mustPrefix(t, "::ffff:198.51.100.0/120"))
	if err != nil || got.Reason != "mapped" || got.Prefix != mustPrefix(t, "198.51.100.0/24") {
		t.Fatalf("Unban = %+v, %v", got, err)
	}
	if _, ok := banned(s, "198.51.100.77", t0); ok {
		t.Error("still banned after Unban")
	}
	if _, err := s.Unban(mustPrefix(t, "198.51.100.0/24")); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Unban: %v, want ErrNotFound", err)
	}
	if _, err := s.Unban(mustPrefix(t, "203.0.113.0/24")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Unban of a prefix that only covers a ban: %v, want ErrNotFound", err)
	}
}

func TestBanReplaces(t *testing.T) {
	s := open(t, "", t0)
	ban(t, s, "192.0.2.1", "first", t2, t0)
	ban(t, s, "192.0.2.1/32", "second", time.Time{}, t1)
	list := s.List(t3)
	if len(list) != 1 || list[0].Reason != "second" || !list[0].Created.Equal(t1) || !list[0].Expires.IsZero() {
		t.Fatalf("List = %+v, want the second ban only, permanent, created at t1", list)
	}
}

func TestBanRefuses(t *testing.T) {
	s := open(t, "", t0)
	tests := []struct {
		name string
		ban  Ban
		want string
	}{
		{"no prefix", Ban{Source: SourceAdmin}, "missing or invalid"},
		{"expired already", Ban{Prefix: mustPrefix(t, "192.0.2.1"), Expires: t0}, "not after now"},
		{"long reason", Ban{Prefix: mustPrefix(t, "192.0.2.1"), Reason: strings.Repeat("x", MaxReason+1)}, "more than 256"},
		{"control character", Ban{Prefix: mustPrefix(t, "192.0.2.1"), Reason: "a\r\nX-Injected: 1"}, "unprintable"},
		{"invalid UTF-8", Ban{Prefix: mustPrefix(t, "192.0.2.1"), Reason: "\xff"}, "UTF-8"},
	}
	for _, tc := range tests {
		_, err := s.Ban(tc.ban, t0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if n := s.Stats().Bans; n != 0 {
		t.Errorf("%d bans held after refusals, want 0", n)
	}
}

func TestTTL(t *testing.T) {
	s := open(t, "", t0)
	ban(t, s, "192.0.2.1", "one hour", t2, t0)
	ban(t, s, "192.0.2.2", "forever", time.Time{}, t0)

	if _, ok := banned(s, "192.0.2.1", t1); !ok {
		t.Error("a one-hour ban does not apply after 30 minutes")
	}
	// At the expiry instant the ban stops applying, even before it is swept.
	if _, ok := banned(s, "192.0.2.1", t2); ok {
		t.Error("a ban still applies at its expiry")
	}
	if got := s.List(t2); len(got) != 1 || got[0].Reason != "forever" {
		t.Errorf("List at expiry = %+v, want the permanent ban only", got)
	}
	if d := s.nextWake(t1); d != 30*time.Minute {
		t.Errorf("Run would sleep %v, want 30m (until the expiry)", d)
	}
	gone, err := s.Expire(t1)
	if err != nil || len(gone) != 0 {
		t.Fatalf("Expire before the expiry = %v, %v", gone, err)
	}
	gone, err = s.Expire(t2)
	if err != nil || len(gone) != 1 || gone[0].Reason != "one hour" {
		t.Fatalf("Expire at the expiry = %+v, %v", gone, err)
	}
	if n := s.Stats().Bans; n != 1 {
		t.Errorf("%d bans after expiry, want 1", n)
	}
	if _, ok := s.Lookup(netip.MustParseAddr("192.0.2.1")); ok {
		t.Error("an expired ban is still in the published set after Expire")
	}
}

func TestPersistence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bans.json")
	s := open(t, file, t0)
	ban(t, s, "203.0.113.9", "scraping", t2, t0)
	ban(t, s, "2001:db8:bad::/48", "forever", time.Time{}, t0)
	ban(t, s, "198.51.100.1", "short", t1, t0)
	auto, err := s.Ban(Ban{Prefix: mustPrefix(t, "192.0.2.7"), Reason: "autoban: 10 waf denials in 1m0s",
		Source: SourceAutoBan, Expires: t3, Evidence: []string{"waf 942100,949110", "waf 941100"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unban(mustPrefix(t, "198.51.100.1")); err != nil {
		t.Fatal(err)
	}

	// A restart at t1: everything but the unbanned address comes back.
	r := open(t, file, t1)
	want := s.List(t1)
	got := r.List(t1)
	if len(got) != 3 || len(got) != len(want) {
		t.Fatalf("after restart: %+v, want %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Prefix != w.Prefix || g.Reason != w.Reason || g.Source != w.Source ||
			!g.Created.Equal(w.Created) || !g.Expires.Equal(w.Expires) || len(g.Evidence) != len(w.Evidence) {
			t.Errorf("after restart: %+v, want %+v", g, w)
		}
	}
	if reason, ok := banned(r, "192.0.2.7", t1); !ok || reason != "ban: "+auto.Reason {
		t.Errorf("auto-ban after restart: %q %v", reason, ok)
	}

	// A restart after a ban expired, while sidewall was down, drops it.
	r = open(t, file, t2)
	if _, ok := banned(r, "203.0.113.9", t2); ok {
		t.Error("a ban that expired during the downtime came back")
	}
	if n := r.Stats().Bans; n != 2 {
		t.Errorf("%d bans after a restart at t2, want 2", n)
	}
}

func TestOpenRefusesABrokenFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, text, want string }{
		{"not JSON", "{", "unexpected EOF"},
		{"unknown field", `{"version":1,"bans":[],"extra":1}`, "unknown field"},
		{"other version", `{"version":2,"bans":[]}`, "version 2"},
		{"bad prefix", `{"version":1,"bans":[{"prefix":"192.0.2.300/32","source":"admin"}]}`, "192.0.2.300"},
		{"bad reason", `{"version":1,"bans":[{"prefix":"192.0.2.1/32","reason":"\u0000"}]}`, "bans[0]"},
		{"twice", `{"version":1,"bans":[{"prefix":"192.0.2.1/32"},{"prefix":"192.0.2.1/32"}]}`, "banned twice"},
	}
	for _, tc := range tests {
		file := filepath.Join(dir, tc.name+".json")
		if err := os.WriteFile(file, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(Options{File: file}, t0)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: error %v, want one naming the file and containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := Open(Options{File: filepath.Join(dir, "missing.json")}, t0); err != nil {
		t.Errorf("a missing file: %v, want an empty store", err)
	}
}

// TestAtomicWrite: a write that fails half way (as a crash would leave it) keeps the old
// file whole and readable, and leaves no temporary file behind.
func TestAtomicWrite(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bans.json")
	s := open(t, file, t0)
	ban(t, s, "203.0.113.9", "kept", time.Time{}, t0)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	crash := errors.New("crash")
	err = writeAtomic(file, func(w io.Writer) error {
		w.Write(before[:len(before)/2])
		return crash
	})
	if !errors.Is(err, crash) {
		t.Fatalf("writeAtomic = %v, want the write's error", err)
	}
	after, err := os.ReadFile(file)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the file changed after a failed write:\n%s", after)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left in the directory: %v", entries)
	}

	// A process killed mid-write leaves its temporary file: the next start ignores it and
	// reads the old file, and its first write removes it.
	stale := filepath.Join(dir, ".bans.json.tmp-123")
	if err := os.WriteFile(stale, before[:len(before)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	r := open(t, file, t0)
	if _, ok := banned(r, "203.0.113.9", t0); !ok {
		t.Error("the ban was lost")
	}
	ban(t, r, "192.0.2.1", "", time.Time{}, t0)
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file not removed: %v", err)
	}
}

// TestSaveFailure: when the file cannot be written the change still applies, the error
// says so, and a later write catches up.
func TestSaveFailure(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "sub", "bans.json") // the directory does not exist yet
	s := open(t, file, t0)
	_, err := s.Ban(Ban{Prefix: mustPrefix(t, "192.0.2.1"), Source: SourceAdmin}, t0)
	if !errors.Is(err, ErrNotSaved) {
		t.Fatalf("Ban with an unwritable file: %v, want ErrNotSaved", err)
	}
	if _, ok := banned(s, "192.0.2.1", t0); !ok {
		t.Error("the ban does not apply")
	}
	if st := s.Stats(); !st.Unsaved || st.SaveFails != 1 {
		t.Errorf("Stats = %+v, want Unsaved and one failure", st)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Unsaved {
		t.Error("still unsaved after a successful Save")
	}
	if r := open(t, file, t0); r.Stats().Bans != 1 {
		t.Error("the ban was not saved")
	}
}

func TestApplyQueued(t *testing.T) {
	s := open(t, "", t0)
	ban(t, s, "192.0.2.1", "admin, forever", time.Time{}, t0)
	batch := []Ban{
		{Prefix: mustPrefix(t, "192.0.2.1"), Source: SourceAutoBan, Expires: t2},        // covered by a longer ban
		{Prefix: mustPrefix(t, "192.0.2.2"), Source: SourceAutoBan, Expires: t2},        // new
		{Prefix: mustPrefix(t, "192.0.2.2"), Source: SourceAutoBan, Expires: t2},        // queued twice
		{Prefix: mustPrefix(t, "192.0.2.3"), Source: SourceAutoBan, Reason: "\x00"},     // invalid
		{Prefix: mustPrefix(t, "192.0.2.4"), Source: SourceAutoBan, Expires: t2.Add(1)}, // new
	}
	applied, err := s.apply(batch, t0)
	if len(applied) != 2 || applied[0].Prefix != mustPrefix(t, "192.0.2.2") || applied[1].Prefix != mustPrefix(t, "192.0.2.4") {
		t.Errorf("applied %+v, want 192.0.2.2 and 192.0.2.4", applied)
	}
	if err == nil || !strings.Contains(err.Error(), "unprintable") {
		t.Errorf("error %v, want the invalid ban's", err)
	}
	if reason, _ := banned(s, "192.0.2.1", t3); reason != "ban: admin, forever" {
		t.Errorf("the admin ban was replaced by an auto-ban: %q", reason)
	}
}

// TestRun: Run applies submitted bans and sweeps expired ones, reporting both.
func TestRun(t *testing.T) {
	s := open(t, "", t0)
	now := time.Now()
	ban(t, s, "192.0.2.9", "expiring", now.Add(time.Millisecond), now)
	events := make(chan Event, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx, time.Now, func(e Event) { events <- e }); close(done) }()
	defer func() { cancel(); <-done }()

	if !s.Submit(Ban{Prefix: mustPrefix(t, "192.0.2.1"), Source: SourceAutoBan, Reason: "autoban"}) {
		t.Fatal("Submit refused")
	}
	seen := map[EventKind]bool{}
	timeout := time.After(10 * time.Second)
	for !seen[EventBanned] || !seen[EventExpired] {
		select {
		case e := <-events:
			if e.Kind == EventError {
				t.Fatal(e.Err)
			}
			seen[e.Kind] = true
		case <-timeout:
			t.Fatalf("events seen: %v; want a ban and an expiry", seen)
		}
	}
	if _, ok := banned(s, "192.0.2.1", time.Now()); !ok {
		t.Error("the submitted ban does not apply")
	}
	if s.Stats().Bans != 1 {
		t.Errorf("Stats = %+v, want one ban", s.Stats())
	}
}

func TestSubmitDropsWhenFull(t *testing.T) {
	s := open(t, "", t0)
	for range queueSize {
		s.Submit(Ban{Prefix: mustPrefix(t, "192.0.2.1")})
	}
	if s.Submit(Ban{Prefix: mustPrefix(t, "192.0.2.2")}) {
		t.Error("Submit accepted a ban into a full queue")
	}
	if st := s.Stats(); st.Dropped != 1 || st.Queued != queueSize {
		t.Errorf("Stats = %+v", st)
	}
}

func TestNilStore(t *testing.T) {
	var s *Store
	if _, ok := s.Lookup(netip.MustParseAddr("192.0.2.1")); ok {
		t.Error("a nil store found a ban")
	}
}
