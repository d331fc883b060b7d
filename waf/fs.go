package waf

import (
	"crypto/rand"
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// sidewallRules are sidewall's own rules, rules/*.conf, included as @sidewall/*.conf
// (after the CRS's detection rules and before its blocking evaluation: see Options).
// A Go module's file names cannot begin with "@".
//
//go:embed rules/*.conf
var sidewallRules embed.FS

// RuleFiles returns sidewall's own rule files (the @sidewall/*.conf New loads), for tools
// that want to read them, such as the eval's report of which rules fired.
func RuleFiles() fs.FS {
	sub, _ := fs.Sub(sidewallRules, "rules") // "rules" is a valid path: no error
	return sub
}

// builtin is the embedded rules: sidewall's own under "@sidewall/", the CRS's (and
// coraza.conf-recommended) from the coraza-coreruleset module under every other "@" name.
type builtin struct{}

func (builtin) Open(name string) (fs.File, error) {
	if rest, ok := strings.CutPrefix(name, "@sidewall"); ok && (rest == "" || rest[0] == '/') {
		return sidewallRules.Open("rules" + rest)
	}
	return coreruleset.FS.Open(name)
}

// rulesFS is the root filesystem Coraza's SecLang parser reads from while New builds one
// Engine. It serves the embedded rules (builtin) for names that begin with "@" (the way
// the CRS and coraza.conf-recommended are included), and the operating system's
// filesystem for Options.RuleFiles and everything they include.
//
// Coraza takes one root for everything; with coreruleset.FS alone an operator's
// /etc/sidewall/rules.conf could not be read, and with the OS filesystem alone the CRS
// would have to be installed on disk.
//
// The parser joins an included name onto the including file's directory, so a rule file
// /etc/sidewall/x.conf that includes @owasp_crs/y.conf asks for
// /etc/sidewall/@owasp_crs/y.conf. Such names are tried in the CRS first and on disk
// second, in case a real directory's name begins with "@".
//
// # Why rule files are loaded under a prefix
//
// Coraza caches compiled patterns in a process-wide table so that WAFs built from the
// same rules share them. Regular expressions are cached by their text, but the matcher
// of @pmFromFile is cached by the data file's path. Left alone, an operator who edits
// /etc/sidewall/bad-agents.data and reloads would get the old list, and keep getting
// it for as long as the process lives: the reload builds the new Engine while the old
// one still holds the cached entry. So each New gives its rule files a path under a
// fresh, made-up directory (prefix), which rulesFS strips before touching the disk.
// The CRS's own names are left as they are: its data is embedded, so sharing it across
// Engines is both safe and the point of the cache.
type rulesFS struct {
	prefix string // "/sidewall-load-XXXX", different for every New
}

var (
	_ fs.ReadFileFS = rulesFS{}
	_ fs.GlobFS     = rulesFS{}
)

func newRulesFS() rulesFS {
	return rulesFS{prefix: "/sidewall-load-" + rand.Text()}
}

// path returns the name under which the parser is to load the rule file at the absolute
// path p.
func (r rulesFS) path(p string) string { return r.prefix + p }

// osName returns the real path behind a name the parser asks for.
func (r rulesFS) osName(name string) string {
	if rest, ok := strings.CutPrefix(name, r.prefix); ok && strings.HasPrefix(rest, "/") {
		return rest
	}
	return name
}

// crsName returns the name inside the embedded CRS that name refers to, if any.
func crsName(name string) (string, bool) {
	if strings.HasPrefix(name, "@") {
		return name, true
	}
	if i := strings.Index(name, "/@"); i >= 0 {
		return name[i+1:], true
	}
	return "", false
}

func (r rulesFS) Open(name string) (fs.File, error) {
	if n, ok := crsName(name); ok {
		f, err := builtin{}.Open(n)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return os.Open(r.osName(name))
}

func (r rulesFS) ReadFile(name string) ([]byte, error) {
	if n, ok := crsName(name); ok {
		b, err := fs.ReadFile(builtin{}, n)
		if !errors.Is(err, fs.ErrNotExist) {
			return b, err
		}
	}
	return os.ReadFile(r.osName(name))
}

func (r rulesFS) Glob(pattern string) ([]string, error) {
	if n, ok := crsName(pattern); ok {
		m, err := fs.Glob(builtin{}, n)
		if err != nil || len(m) > 0 {
			return m, err
		}
	}
	osPattern := r.osName(pattern)
	m, err := filepath.Glob(osPattern)
	if osPattern != pattern {
		// The matches are read through this filesystem again, and the files they
		// include and the data they name must stay under the prefix.
		for i := range m {
			m[i] = r.path(m[i])
		}
	}
	return m, err
}
