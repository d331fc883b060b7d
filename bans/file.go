package bans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// fileVersion is the format of the ban file; a file of another version is refused
// rather than misread.
const fileVersion = 1

// file is the ban file's JSON:
//
//	{"version": 1, "bans": [{"prefix": "203.0.113.9/32", "reason": "scraping",
//	  "source": "admin", "created": "2026-11-29T12:00:00Z", "expires": "2026-11-29T13:00:00Z"}]}
type file struct {
	Version int   `json:"version"`
	Bans    []Ban `json:"bans"`
}

// load reads the ban file at path; a missing file holds no bans.
func load(path string) ([]Ban, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bans: %w", err)
	}
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("bans: %s: %w (fix the file or move it away; sidewall does not start without the bans it holds)", path, err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("bans: %s: version %d, want %d", path, f.Version, fileVersion)
	}
	seen := make(map[string]bool, len(f.Bans))
	for i := range f.Bans {
		b := &f.Bans[i]
		// Expiry is judged by Open, which drops expired bans rather than refusing them.
		if err := b.checkStored(); err != nil {
			return nil, fmt.Errorf("bans: %s: bans[%d]: %w", path, i, err)
		}
		if seen[b.Prefix.String()] {
			return nil, fmt.Errorf("bans: %s: bans[%d]: %s is banned twice", path, i, b.Prefix)
		}
		seen[b.Prefix.String()] = true
	}
	return f.Bans, nil
}

// save writes bans to path atomically.
func save(path string, bans []Ban) error {
	return writeAtomic(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(file{Version: fileVersion, Bans: bans})
	})
}

// writeAtomic replaces the file at path with what write writes, so that a crash at any
// point leaves either the old file or the new one: it writes a temporary file in the same
// directory (a rename is atomic only within a file system), flushes it to disk, renames
// it over path and flushes the directory, so that the rename itself survives a power
// cut. On any failure the temporary file is removed and path is untouched.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("bans: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("bans: write %s: %w", path, err)
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Best effort: some file systems cannot sync a directory; the data is safe.
		d.Sync()
		d.Close()
	}
	return nil
}

// removeStale removes temporary files a crashed write left beside path.
func removeStale(path string) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	names, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), "."+base+".tmp-") {
			os.Remove(n)
		}
	}
}
