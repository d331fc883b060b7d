// Package filewatch tells when files have changed, by polling what stat reports about
// them: size, modification time, inode and device. sidewall uses it to reload blocklist
// files off the hot path.
//
// # Why polling
//
// Watching for events (inotify, through github.com/fsnotify/fsnotify) sees a change at
// once, but follows an inode, not a name: an editor's rename-on-save, a feed updater's
// `mv list.new list` and a symlink swap (a Kubernetes ConfigMap's ..data link) each
// replace the watched inode, so a correct watcher must watch the parent directories and
// the targets of links and re-arm itself after every swap, and it still sees nothing on
// NFS. Polling stat follows the name through all of these (os.Stat resolves links) at the
// price of a delay: a stat costs a few microseconds (BenchmarkStat), so a few list files
// polled twice a second cost nothing measurable, and a
// change applies within two polls.
//
// # Debouncing
//
// A file being written in place (a download in progress, an editor that truncates and
// rewrites) changes from poll to poll. [Poller.Poll] reports a change only once the
// files have looked the same on two polls in a row, so a reload never reads a file half
// written by a writer that takes less than one poll interval between writes. Writers
// that stream slowly should write a temporary file and rename it, which is atomic.
//
// A change within the same nanosecond that keeps the size, the inode and the device is
// invisible to stat; no real list updater does that.
package filewatch

import (
	"io/fs"
	"os"
	"slices"
	"syscall"
	"time"
)

// Stamp identifies one version of a file by what stat reports. The zero Stamp stands
// for a file that does not exist (or cannot be stat'ed).
type Stamp struct {
	Size    int64
	ModTime time.Time
	Inode   uint64
	Device  uint64
}

// StampOf returns the Stamp of a file from its FileInfo, for example that of an open
// file (f.Stat), which names exactly the version being read.
func StampOf(fi fs.FileInfo) Stamp {
	s := Stamp{Size: fi.Size(), ModTime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.Inode, s.Device = uint64(st.Ino), uint64(st.Dev)
	}
	return s
}

// Stat returns the Stamp of each path, following symbolic links; a path that cannot be
// stat'ed gets the zero Stamp.
func Stat(paths []string) []Stamp {
	out := make([]Stamp, len(paths))
	for i, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			out[i] = StampOf(fi)
		}
	}
	return out
}

// Poller reports when a set of files has changed since the version a caller last
// loaded. A Poller is not safe for concurrent use: one goroutine polls it (sidewall's
// daemon loop, on a ticker).
type Poller struct {
	paths   []string
	current []Stamp // the version the caller has loaded, or last was told about
	seen    []Stamp // what the previous poll saw, when it differed from current
}

// New returns a Poller for paths whose loaded version is loaded (one Stamp per path, as
// Stat or StampOf gave them when the files were read; nil means unknown, so that the
// first stable poll reports a change).
func New(paths []string, loaded []Stamp) *Poller {
	p := &Poller{paths: slices.Clone(paths), current: slices.Clone(loaded)}
	if len(p.current) != len(p.paths) {
		p.current = make([]Stamp, len(paths))
		for i := range p.current {
			p.current[i].Size = -1 // matches no real file, nor a missing one
		}
	}
	return p
}

// Paths returns the files the Poller watches.
func (p *Poller) Paths() []string { return p.paths }

// Poll stats the files and reports whether they differ from the loaded version and
// have not changed since the previous poll. When it reports true it takes the new
// version as loaded, so a reload that fails (a broken file) is not retried until the
// file changes again.
func (p *Poller) Poll() bool {
	now := Stat(p.paths)
	if slices.Equal(now, p.current) {
		p.seen = nil
		return false
	}
	if !slices.Equal(now, p.seen) {
		p.seen = now // changed since the last poll: wait for it to settle
		return false
	}
	p.current, p.seen = now, nil
	return true
}
