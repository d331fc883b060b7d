package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/stack"
	"github.com/sidewall/sidewall/server"
)

func TestCheckFlag(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	misspelled := write("misspelled.toml", "[waf]\nparanoia_levle = 2\n")
	wrongType := write("wrongtype.toml", "[ratelimit]\nmax_keys = \"many\"\n")
	badList := write("badlist.toml", "[blocklist]\nfiles = [\"list.txt\"]\n")
	write("list.txt", "192.0.2.1\n192.0.2.300\n")
	badSecLang := write("badseclang.toml", "[waf]\ndirectives = \"SecRule ARGS \\\"@rx (\\\" \\\"id:1,deny\\\"\"\n")
	redisDown := write("redisdown.toml", "[waf]\nenabled = false\n"+sharedRules(t, deadAddr(t), "local", "5"))

	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"embedded default", []string{"-t"}, 0, []string{"config.toml (embedded) is ok"}},
		{"project config.toml", []string{"-t", "-config", "config.toml"}, 0, []string{"config.toml is ok"}},
		{"misspelled key", []string{"-t", "-config", misspelled}, 1, []string{"misspelled.toml:2: waf.paranoia_levle: unknown key", `did you mean "paranoia_level"`}},
		{"wrong type", []string{"-t", "-config", wrongType}, 1, []string{"wrongtype.toml:2: ratelimit.max_keys: must be an integer"}},
		{"bad line in a list file", []string{"-t", "-config", badList}, 1, []string{"list.txt:2", "192.0.2.300"}},
		{"bad SecLang", []string{"-t", "-config", badSecLang}, 1, []string{"waf:"}},
		{"redis down", []string{"-t", "-config", redisDown}, 0, []string{"redisdown.toml is ok", "redis unreachable"}},
		{"missing file", []string{"-t", "-config", filepath.Join(dir, "nope.toml")}, 1, []string{"nope.toml"}},
		{"unknown flag", []string{"-x"}, 2, []string{"flag provided but not defined"}},
		{"version", []string{"-version"}, 0, []string{"sidewall dev"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestReloadKeepsUnchangedLimiters checks that a rebuild hands an unchanged rule its old
// window (its counters survive a reload) and a changed rule a new one.
func TestReloadKeepsUnchangedLimiters(t *testing.T) {
	parse := func(text string) *config.Config {
		t.Helper()
		cfg, err := config.Parse("test.toml", []byte("[waf]\nenabled = false\n"+text))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	rules := func(loginLimit string) string {
		return "[[ratelimit.rules]]\nname = \"login\"\nlimit = " + loginLimit + "\nwindow = \"1m\"\n" +
			"[[ratelimit.rules]]\nname = \"api\"\nlimit = 100\nwindow = \"1s\"\n"
	}
	var b builder
	first, err := b.build(parse(rules("5")))
	if err != nil {
		t.Fatal(err)
	}
	same, err := b.build(parse(rules("5")))
	if err != nil {
		t.Fatal(err)
	}
	if same.Limits[0].Window != first.Limits[0].Window || same.Limits[1].Window != first.Limits[1].Window {
		t.Error("an identical rebuild replaced the limiter windows")
	}
	changed, err := b.build(parse(rules("6")))
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
	if _, err := b.build(parse(rules("7") + "[blocklist]\nentries = []\nfiles = [\"/nonexistent\"]\n")); err == nil {
		t.Fatal("build with a missing list file succeeded")
	}
	again, err := b.build(parse(rules("6")))
	if err != nil {
		t.Fatal(err)
	}
	if again.Limits[0].Window != changed.Limits[0].Window {
		t.Error("a failed build discarded the running windows")
	}
}

// TestSystemdUnitVerifies runs `systemd-analyze verify` on nginx/sidewall.service, with
// the binary paths pointed at one that exists here, so that a typo in a directive or a
// hardening option systemd does not know fails the build rather than an operator's start.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		// No skip: the README promises this check. make test installs it.
		t.Fatal("systemd-analyze not installed; `make deps` installs Debian's systemd package, which has it")
	}
	unit, err := os.ReadFile("nginx/sidewall.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(unit), "/usr/local/bin/sidewall", self)
	path := filepath.Join(t.TempDir(), "sidewall.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
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
	parse := func(text string) *config.Config {
		t.Helper()
		cfg, err := config.Parse("test.toml", []byte("[waf]\nenabled = false\n"+text))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	addr := deadAddr(t)
	var b builder
	defer b.close()
	build := func(text string) *server.Policy {
		t.Helper()
		p, err := b.build(parse(text))
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
