package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sidewall/sidewall/config"
)

func parseConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "test.toml"), []byte("[waf]\nenabled = false\n"+text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestReloadKeepsAutoBan: an unchanged [autoban] keeps its counts across a reload.
func TestReloadKeepsAutoBan(t *testing.T) {
	var b builder
	build := func(text string) *config.Config {
		t.Helper()
		cfg := parseConfig(t, text)
		if _, err := b.build(cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	build("[autoban]\nenabled = true\nthreshold = 5\n")
	first := b.autoBan
	if first == nil {
		t.Fatal("no auto-ban built")
	}
	build("[autoban]\nenabled = true\nthreshold = 5\n")
	if b.autoBan != first {
		t.Error("an identical reload replaced the auto-ban")
	}
	build("[autoban]\nenabled = true\nthreshold = 6\n")
	if b.autoBan == first || b.autoBan.Options().Threshold != 6 {
		t.Error("a changed threshold kept the old auto-ban")
	}
	build("[autoban]\nenabled = false\n")
	if b.autoBan != nil {
		t.Error("auto-ban disabled, still built")
	}
}

func TestAdminToken(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.token")
	short := filepath.Join(dir, "short.token")
	os.WriteFile(good, []byte("  0123456789abcdef-from-file\n"), 0o600)
	os.WriteFile(short, []byte("short\n"), 0o600)
	tests := []struct {
		c    config.Admin
		want string
		err  string
	}{
		{config.Admin{Token: "0123456789abcdef"}, "0123456789abcdef", ""},
		{config.Admin{TokenFile: good}, "0123456789abcdef-from-file", ""},
		{config.Admin{TokenFile: short}, "", "short.token: config: the admin token must be at least 16"},
		{config.Admin{TokenFile: filepath.Join(dir, "missing")}, "", "no such file"},
	}
	for _, tc := range tests {
		got, err := adminToken(tc.c)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("adminToken(%+v) = %q, %v; want %q, %q", tc.c, got, err, tc.want, tc.err)
		}
	}
}
