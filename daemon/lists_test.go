package daemon

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/server"
)

// listTest is a configuration with one list file, built and served, and a watcher on it.
type listTest struct {
	t     *testing.T
	file  string
	cfg   *config.Config
	b     builder
	srv   *server.Server
	watch *listWatch
	logs  bytes.Buffer
	log   *slog.Logger
	mtime time.Time
}

func newListTest(t *testing.T, onBadLine, list string) *listTest {
	t.Helper()
	lt := &listTest{t: t, mtime: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	lt.log = slog.New(slog.NewTextHandler(&lt.logs, nil))
	dir := t.TempDir()
	lt.file = filepath.Join(dir, "drop.txt")
	lt.write(list)
	cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(`
[waf]
enabled = false
[blocklist]
entries = ["198.51.100.0/24"]
files = ["drop.txt"]
allow = ["203.0.113.200"]
on_bad_line = "`+onBadLine+`"
watch_interval = "1s"
[[ratelimit.rules]]
name = "all"
limit = 1000
window = "1m"
`))
	if err != nil {
		t.Fatal(err)
	}
	lt.cfg = cfg
	lt.b.log = lt.log
	p, err := lt.b.build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lt.srv = server.New(p, server.Options{Logger: lt.log})
	lt.watch = newListWatch(cfg.Blocklist, lt.b.stamps)
	t.Cleanup(lt.watch.stop)
	return lt
}

// write replaces the list file, each time with a later modification time (fixed
// instants: the test must not depend on the file system's clock resolution).
func (lt *listTest) write(text string) {
	lt.t.Helper()
	lt.mtime = lt.mtime.Add(time.Second)
	if err := os.WriteFile(lt.file, []byte(text), 0o644); err != nil {
		lt.t.Fatal(err)
	}
	if err := os.Chtimes(lt.file, lt.mtime, lt.mtime); err != nil {
		lt.t.Fatal(err)
	}
}

// polls runs the two polls a change needs (seen, then stable) and reports whether the
// second published a policy; the first must not.
func (lt *listTest) polls() bool {
	lt.t.Helper()
	if lt.watch.poll(lt.srv, lt.log) {
		lt.t.Fatal("the first poll after a change reloaded: the change had no time to settle")
	}
	return lt.watch.poll(lt.srv, lt.log)
}

func (lt *listTest) blocked(addr string) bool {
	p := lt.srv.Policy()
	a := netip.MustParseAddr(addr)
	return !p.Allow.Contains(a) && p.Block.Contains(a)
}

func (lt *listTest) wantBlocked(when string, blocked map[string]bool) {
	lt.t.Helper()
	for addr, want := range blocked {
		if got := lt.blocked(addr); got != want {
			lt.t.Errorf("%s: %s blocked = %v, want %v", when, addr, got, want)
		}
	}
}

func TestListWatch(t *testing.T) {
	lt := newListTest(t, "fail", "203.0.113.0/25\n")
	lt.wantBlocked("at start", map[string]bool{"203.0.113.7": true, "192.0.2.1": false, "198.51.100.1": true})
	limits := lt.srv.Policy().Limits

	if lt.watch.poll(lt.srv, lt.log) {
		t.Fatal("reloaded with no change")
	}

	// A change applies after it settled; the inline entries stay, the limiters are the
	// same objects (their counts survive).
	lt.write("192.0.2.0/24\n")
	if !lt.polls() {
		t.Fatal("a changed file was not reloaded")
	}
	lt.wantBlocked("after a change", map[string]bool{"203.0.113.7": false, "192.0.2.1": true, "198.51.100.1": true})
	if lt.srv.Policy().Limits[0] != limits[0] {
		t.Error("a list reload replaced the rate limiters")
	}
	if !strings.Contains(lt.logs.String(), "blocklist reloaded") {
		t.Errorf("no reload logged:\n%s", lt.logs.String())
	}

	// A broken file keeps the running set and says why, naming the file and line; it is
	// not retried until the file changes again.
	lt.logs.Reset()
	lt.write("192.0.2.0/24\n192.0.2.300\n")
	if lt.polls() {
		t.Fatal("a broken file was published")
	}
	lt.wantBlocked("after a broken change", map[string]bool{"192.0.2.1": true, "203.0.113.7": false})
	if log := lt.logs.String(); !strings.Contains(log, "blocklist reload refused") || !strings.Contains(log, "drop.txt:2") {
		t.Errorf("the refusal is not logged with file and line:\n%s", log)
	}
	lt.logs.Reset()
	if lt.watch.poll(lt.srv, lt.log) || lt.logs.Len() > 0 {
		t.Errorf("a broken file was retried without a change:\n%s", lt.logs.String())
	}

	// A missing file too.
	os.Remove(lt.file)
	if lt.polls() {
		t.Fatal("a missing file was published")
	}
	lt.wantBlocked("after removal", map[string]bool{"192.0.2.1": true})

	// Fixed: applies.
	lt.write("203.0.113.0/24\n")
	if !lt.polls() {
		t.Fatal("a fixed file was not reloaded")
	}
	lt.wantBlocked("after the fix", map[string]bool{"203.0.113.7": true, "192.0.2.1": false, "203.0.113.200": false})
}

func TestListWatchSkipsBadLines(t *testing.T) {
	lt := newListTest(t, "skip", "203.0.113.0/25\nnot an address\n192.0.2.1\n")
	lt.wantBlocked("at start", map[string]bool{"203.0.113.7": true, "192.0.2.1": true})
	if log := lt.logs.String(); !strings.Contains(log, "bad line skipped") || !strings.Contains(log, "drop.txt:2") {
		t.Errorf("the skipped line is not logged with file and line:\n%s", log)
	}
	lt.logs.Reset()
	lt.write("192.0.2.2\n192.0.2.300\n")
	if !lt.polls() {
		t.Fatal("with skip, a file with a bad line was not reloaded")
	}
	lt.wantBlocked("after a change", map[string]bool{"203.0.113.7": false, "192.0.2.2": true})
	if log := lt.logs.String(); !strings.Contains(log, "drop.txt:2") {
		t.Errorf("the skipped line is not logged:\n%s", log)
	}
}

// TestSkipLogsBoundedLines: a file of garbage logs the first bad lines and a count.
func TestSkipLogsBoundedLines(t *testing.T) {
	lt := newListTest(t, "skip", strings.Repeat("garbage\n", 1000)+"192.0.2.1\n")
	lt.wantBlocked("at start", map[string]bool{"192.0.2.1": true})
	log := lt.logs.String()
	if n := strings.Count(log, "bad line skipped"); n != maxLoggedBadLines {
		t.Errorf("%d bad lines logged, want %d", n, maxLoggedBadLines)
	}
	if !strings.Contains(log, "more bad lines skipped") || !strings.Contains(log, "count=980") {
		t.Errorf("no count of the rest:\n%s", log)
	}
}

// TestListWatchReset: after a SIGHUP reload that changes the files, the watcher follows
// the new ones; with watching off it stops.
func TestListWatchReset(t *testing.T) {
	lt := newListTest(t, "fail", "203.0.113.0/25\n")
	other := filepath.Join(filepath.Dir(lt.file), "other.txt")
	if err := os.WriteFile(other, []byte("192.0.2.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := lt.cfg.Blocklist
	c.Files = []string{other}
	lt.watch.reset(c, nil)
	if !lt.polls() {
		t.Fatal("the new file was not loaded") // nil stamps: unknown version, loaded once
	}
	lt.wantBlocked("after reset", map[string]bool{"192.0.2.1": true, "203.0.113.7": false})
	lt.write("198.18.0.0/15\n") // the old file: no longer watched
	if lt.polls() {
		t.Error("the old file is still watched")
	}
	c.WatchInterval = config.Duration{}
	lt.watch.reset(c, nil)
	if lt.watch.tick() != nil || lt.watch.poll(lt.srv, lt.log) {
		t.Error("watching did not stop")
	}
}
