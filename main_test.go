package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/internal/stack"
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
	port, err := stack.FreePort() // where no Redis listens
	if err != nil {
		t.Fatal(err)
	}
	redisDown := write("redisdown.toml", fmt.Sprintf("[waf]\nenabled = false\n[ratelimit]\nbackend = \"redis\"\n"+
		"[ratelimit.redis]\naddress = \"127.0.0.1:%d\"\n[[ratelimit.rules]]\nname = \"login\"\nlimit = 5\nwindow = \"1m\"\n", port))
	shapesDown := write("shapesdown.toml", fmt.Sprintf("[waf]\nenabled = false\n[ratelimit]\nbackend = \"redis\"\n"+
		"[ratelimit.redis]\ncluster = [\"127.0.0.1:%d\"]\n[[ratelimit.rules]]\nname = \"login\"\nlimit = 5\nwindow = \"1m\"\n", port))
	sentinelsDown := write("sentinelsdown.toml", fmt.Sprintf("[waf]\nenabled = false\n[ratelimit]\nbackend = \"redis\"\n"+
		"[ratelimit.redis]\nsentinels = [\"127.0.0.1:%d\"]\nmaster_set = \"m\"\n", port))
	noCA := write("noca.toml", "[waf]\nenabled = false\n[ratelimit]\nbackend = \"redis\"\n"+
		"[ratelimit.redis.tls]\nenabled = true\nca_file = \"missing-ca.pem\"\n")
	write("broken.json", "{")
	brokenBans := write("brokenbans.toml", "[bans]\nfile = \"broken.json\"\n")
	noToken := write("notoken.toml", "[admin]\nlisten = \"127.0.0.1:9091\"\ntoken_file = \"missing.token\"\n")

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
		{"redis cluster down", []string{"-t", "-config", shapesDown}, 0, []string{"shapesdown.toml is ok", "redis unreachable", "cluster 127.0.0.1:"}},
		{"sentinels down, bans shared", []string{"-t", "-config", sentinelsDown}, 0, []string{"sentinelsdown.toml is ok"}},
		{"redis CA file missing", []string{"-t", "-config", noCA}, 1, []string{"ratelimit.redis.tls.ca_file", "missing-ca.pem"}},
		{"broken ban file", []string{"-t", "-config", brokenBans}, 1, []string{"broken.json"}},
		{"missing token file", []string{"-t", "-config", noToken}, 1, []string{"admin.token_file"}},
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

// TestSystemdUnitVerifies runs `systemd-analyze verify` on nginx/sidewall.service, with
// the binary paths pointed at one that exists here, so that a typo in a directive or a
// hardening option systemd does not know fails the build rather than an operator's start.
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		const msg = "systemd-analyze not installed; `make deps` installs Debian's systemd package, which has it"
		if !stack.E2E {
			t.Skip(msg) // go test ./... on a machine without it
		}
		t.Fatal(msg) // make test promises this check
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

// TestTune: `sidewall tune` reads a decision log and writes exclusions that `sidewall -t`
// accepts once added to the configuration.
func TestTune(t *testing.T) {
	dir := t.TempDir()
	line := func(uri string) string {
		return `{"level":"INFO","msg":"would deny (detection only)","action":"detect","method":"POST","uri":"` + uri +
			`","matches":[{"id":942190,"msg":"Detects MSSQL code execution","data":"'select a","vars":["ARGS:review[body]"]},` +
			`{"id":949110,"msg":"Inbound Anomaly Score Exceeded","data":"","vars":["TX:blocking_inbound_anomaly_score"]}]}` + "\n"
	}
	logPath := filepath.Join(dir, "decisions.log")
	if err := os.WriteFile(logPath, []byte(line("/products/17/reviews")+line("/products/23/reviews")+"not json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"tune", logPath}, &out, &errOut); code != 0 {
		t.Fatalf("tune exited %d: %s", code, errOut.String())
	}
	for _, want := range []string{"[[waf.exclusions]]", "rules = [942190]", `target = "ARGS:review[body]"`, `path_prefix = "/products/"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tune's output lacks %q:\n%s", want, out.String())
		}
	}
	cfg := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfg, append(append([]byte{}, defaultConfig...), "\n"+out.String()...), 0o644); err != nil {
		t.Fatal(err)
	}
	var checkOut, checkErr bytes.Buffer
	if code := run([]string{"-t", "-config", cfg}, &checkOut, &checkErr); code != 0 {
		t.Errorf("sidewall -t with tune's proposals exited %d: %s", code, checkErr.String())
	}
	if code := run([]string{"tune", filepath.Join(dir, "missing.log")}, &out, &errOut); code != 1 {
		t.Errorf("tune of a missing file exited %d, want 1", code)
	}
}
