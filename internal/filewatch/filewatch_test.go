package filewatch

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func write(t *testing.T, path, text string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	// Fixed modification times: the test must not depend on the clock's resolution.
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func TestPoller(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	write(t, a, "192.0.2.1\n", t0)
	write(t, b, "192.0.2.2\n", t0)
	p := New([]string{a, b}, Stat([]string{a, b}))

	steps := []struct {
		name   string
		change func()
		want   bool
	}{
		{"nothing changed", func() {}, false},
		{"in-place write: seen, not yet stable", func() { write(t, a, "192.0.2.1\n192.0.2.3\n", t0.Add(time.Second)) }, false},
		{"stable for a poll: reported", func() {}, true},
		{"reported once only", func() {}, false},
		{"write, then write again before the next poll", func() { write(t, b, "192.0.2.4\n", t0.Add(2*time.Second)) }, false},
		{"still changing: wait", func() { write(t, b, "192.0.2.4\n192.0.2.5\n", t0.Add(3*time.Second)) }, false},
		{"settled", func() {}, true},
		{"rename over (new inode, same size and time)", func() {
			tmp := filepath.Join(dir, "a.tmp")
			write(t, tmp, "192.0.2.1\n192.0.2.9\n", t0.Add(time.Second))
			if err := os.Rename(tmp, a); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"rename settled", func() {}, true},
		{"removed", func() { os.Remove(b) }, false},
		{"removal settled", func() {}, true},
		{"back again", func() { write(t, b, "192.0.2.2\n", t0) }, false},
		{"back settled", func() {}, true},
	}
	for _, s := range steps {
		s.change()
		if got := p.Poll(); got != s.want {
			t.Fatalf("%s: Poll() = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestPollerSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	v1, v2, link := filepath.Join(dir, "v1"), filepath.Join(dir, "v2"), filepath.Join(dir, "list")
	write(t, v1, "192.0.2.1\n", t0)
	write(t, v2, "192.0.2.2\n", t0) // same size and time: only the inode differs
	if err := os.Symlink(v1, link); err != nil {
		t.Fatal(err)
	}
	p := New([]string{link}, Stat([]string{link}))
	tmp := filepath.Join(dir, "list.tmp")
	if err := os.Symlink(v2, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
	if p.Poll() || !p.Poll() {
		t.Fatal("a symlink swap was not reported after two polls")
	}
}

func TestPollerUnknownLoadedVersion(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.txt")
	write(t, a, "x\n", t0)
	p := New([]string{a}, nil)
	if p.Poll() || !p.Poll() {
		t.Fatal("with no loaded version, the second poll must report the file")
	}
}

// BenchmarkStat measures what one poll costs per file.
func BenchmarkStat(b *testing.B) {
	path := filepath.Join(b.TempDir(), "list.txt")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o644); err != nil {
		b.Fatal(err)
	}
	paths := []string{path}
	b.ReportAllocs()
	for b.Loop() {
		Stat(paths)
	}
}
