package daemon

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/stack"
	"github.com/sidewall/sidewall/server"
)

// TestReloadKeepsUnchangedLimiters checks that a rebuild hands an unchanged rule its old
// window (its counters survive a reload) and a changed rule a new one.
func TestReloadKeepsUnchangedLimiters(t *testing.T) {
	rules := func(loginLimit string) string {
		return "[[ratelimit.rules]]\nname = \"login\"\nlimit = " + loginLimit + "\nwindow = \"1m\"\n" +
			"[[ratelimit.rules]]\nname = \"api\"\nlimit = 100\nwindow = \"1s\"\n"
	}
	var b builder
	first, err := b.build(parseConfig(t, rules("5")))
	if err != nil {
		t.Fatal(err)
	}
	same, err := b.build(parseConfig(t, rules("5")))
	if err != nil {
		t.Fatal(err)
	}
	if same.Limits[0].Window != first.Limits[0].Window || same.Limits[1].Window != first.Limits[1].Window {
		t.Error("an identical rebuild replaced the limiter windows")
	}
	changed, err := b.build(parseConfig(t, rules("6")))
	if err != nil {
		t.Fatal(err)
	}
	if changed.Limits[0].Window == first.Limits[0].Window {
		t.Error("a changed login limit kept its old window")
	}
	if changed.Limits[1].Window != first.Limits[1].Window {
		t.Error("an unrelated change replaced the api window")
	}
	// A failed build (here with yet another login limit) leaves the remembered windows
	// alone: the next good build still finds the running ones.
	if _, err := b.build(parseConfig(t, rules("7")+"[blocklist]\nentries = []\nfiles = [\"/nonexistent\"]\n")); err == nil {
		t.Fatal("build with a missing list file succeeded")
	}
	again, err := b.build(parseConfig(t, rules("6")))
	if err != nil {
		t.Fatal(err)
	}
	if again.Limits[0].Window != changed.Limits[0].Window {
		t.Error("a failed build discarded the running windows")
	}
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	port, err := stack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// sharedRules is a [ratelimit] with backend "redis" at addr and two rules.
func sharedRules(t *testing.T, addr, fallback, loginLimit string) string {
	t.Helper()
	return "[ratelimit]\nbackend = \"redis\"\n[ratelimit.redis]\naddress = \"" + addr + "\"\nfallback = \"" + fallback + "\"\n" +
		"[[ratelimit.rules]]\nname = \"login\"\nlimit = " + loginLimit + "\nwindow = \"1m\"\n" +
		"[[ratelimit.rules]]\nname = \"api\"\nlimit = 100\nwindow = \"1s\"\n"
}

// TestReloadKeepsSharedLimiters checks the same for backend "redis": an unchanged rule
// keeps its Redis limiter (and so its fallback state) and its local fallback window, an
// unchanged [ratelimit.redis] keeps its client, and a change replaces only what it must.
// Nothing listens at the address: a Redis that is down fails no build.
func TestReloadKeepsSharedLimiters(t *testing.T) {
	addr := deadAddr(t)
	var b builder
	defer b.close()
	build := func(text string) *server.Policy {
		t.Helper()
		p, err := b.build(parseConfig(t, text))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := build(sharedRules(t, addr, "local", "5"))
	client := b.live.redis
	if client == nil || first.Limits[0].Shared == nil || first.Limits[0].Window != nil {
		t.Fatalf("backend redis built %+v, client %v; want shared limits", first.Limits[0], client)
	}
	if b.live.windows["login"] == nil {
		t.Fatal("fallback local kept no local window")
	}
	same := build(sharedRules(t, addr, "local", "5"))
	if same.Limits[0].Shared != first.Limits[0].Shared || same.Limits[1].Shared != first.Limits[1].Shared || b.live.redis != client {
		t.Error("an identical rebuild replaced the shared limiters or the client")
	}
	fallbackWindow := b.live.windows["api"]
	changed := build(sharedRules(t, addr, "local", "6"))
	if changed.Limits[0].Shared == first.Limits[0].Shared || changed.Limits[1].Shared != first.Limits[1].Shared {
		t.Error("a changed login limit: want a new login limiter and the old api one")
	}
	if b.live.redis != client {
		t.Error("a changed rule replaced the Redis client")
	}
	allow := build(sharedRules(t, addr, "allow", "6"))
	if allow.Limits[1].Shared == changed.Limits[1].Shared || len(b.live.windows) != 0 {
		t.Errorf("fallback allow kept the local limiters (%d windows)", len(b.live.windows))
	}
	other := build(sharedRules(t, deadAddr(t), "allow", "6"))
	if b.live.redis == client || other.Limits[1].Shared == allow.Limits[1].Shared {
		t.Error("a new address kept the old client or limiters")
	}
	// Back to memory: the api rule's window is new (the allow build dropped the old one),
	// and no client is kept.
	mem := build("[[ratelimit.rules]]\nname = \"api\"\nlimit = 100\nwindow = \"1s\"\n")
	if mem.Limits[0].Window == nil || mem.Limits[0].Shared != nil || b.live.redis != nil {
		t.Errorf("backend memory built %+v, client %v", mem.Limits[0], b.live.redis)
	}
	if mem.Limits[0].Window == fallbackWindow {
		t.Error("a window dropped by an earlier build came back")
	}
	// And to redis again: the memory window becomes the fallback, counts and all.
	build(sharedRules(t, addr, "local", "6"))
	if b.live.windows["api"] != mem.Limits[0].Window {
		t.Error("switching to backend redis replaced the api window instead of falling back to it")
	}
}

// TestBuildRedisShapes: backend "redis" builds shared limits whichever shape of Redis it
// names, with nothing listening there (a Redis that is down fails no build), and a TLS
// file that does not load fails the build, naming its key.
func TestBuildRedisShapes(t *testing.T) {
	dead := deadAddr(t)
	rule := "[[ratelimit.rules]]\nname = \"login\"\nlimit = 5\nwindow = \"1m\"\n"
	for _, tt := range []struct {
		name, redis string
		fails       []string // the errors' keys, when the build must fail
	}{
		{"standalone", "address = \"" + dead + "\"", nil},
		{"cluster", "cluster = [\"" + dead + "\"]", nil},
		{"sentinels", "sentinels = [\"" + dead + "\"]\nmaster_set = \"m\"", nil},
		{"a CA file that is missing", "address = \"" + dead + "\"\n[ratelimit.redis.tls]\nenabled = true\nca_file = \"missing.pem\"",
			[]string{"ratelimit.redis.tls.ca_file", "missing.pem"}},
		{"a client key that is missing", "address = \"" + dead + "\"\n[ratelimit.redis.tls]\nenabled = true\ncert_file = \"c.pem\"\nkey_file = \"c.key\"",
			[]string{"ratelimit.redis.tls.cert_file, key_file", "c.pem"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b builder
			defer b.close()
			p, err := b.build(parseConfig(t, "[ratelimit]\nbackend = \"redis\"\n"+rule+"[ratelimit.redis]\n"+tt.redis+"\n"))
			if len(tt.fails) > 0 {
				if err == nil {
					t.Fatal("the build succeeded")
				}
				for _, want := range tt.fails {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Limits[0].Shared == nil {
				t.Fatal("no shared limiter")
			}
			// Nothing answers: the fallback decides.
			if !p.Limits[0].Shared.Allow([]byte("k"), time.Now()).Allowed || !p.Limits[0].Shared.Stats().InFallback {
				t.Errorf("with Redis down: %+v", p.Limits[0].Shared.Stats())
			}
		})
	}
}
