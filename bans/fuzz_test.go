package bans

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary ban files to load: it must not panic, and what it accepts
// must save and load back the same.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"bans":[{"prefix":"203.0.113.9/32","reason":"x","source":"admin","created":"2026-11-29T12:00:00Z","expires":"2026-11-29T13:00:00Z"}]}`))
	f.Add([]byte(`{"version":1,"bans":[{"prefix":"::ffff:192.0.2.0/120","source":"autoban","created":"2026-11-29T12:00:00Z","evidence":["a","b"]}]}`))
	f.Add([]byte(`{"version":1,"bans":[]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := filepath.Join(dir, "bans.json")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		list, err := load(file)
		if err != nil {
			return
		}
		if err := save(file, list); err != nil {
			t.Fatal(err)
		}
		again, err := load(file)
		if err != nil {
			t.Fatalf("a file load accepted does not load back after saving: %v", err)
		}
		if len(again) != len(list) {
			t.Fatalf("%d bans loaded back, want %d", len(again), len(list))
		}
		for i := range list {
			if !sameBan(list[i], again[i]) {
				t.Fatalf("ban %d: %+v loaded back as %+v", i, list[i], again[i])
			}
		}
	})
}
