package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// FuzzParse checks that Parse never panics; that anything it accepts passes
// Validate; that every error names the file and a line inside it and is in
// line order; and that the line scanner finds every key the TOML library
// finds.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.toml")
	for _, name := range append(seeds, configFile) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	// Shapes the files above lack, for the scanner.
	for _, s := range []string{
		"ratelimit = { rules = [ { name = \"a\", limit = 1, window = \"1s\" },\n { name = \"a\" } ] }",
		"[\"server\"]\n'listen' = \"\"\"\n[[x]]\n\\\"\"\"\"\"\nserver.\"k\\u00e9\" = 1",
		"[[ratelimit.rules]]\n[[ratelimit.rules]]\n[ratelimit.rules.sub]\nx = [[1], [{a = 1}]]",
		"blocklist.entries = [\n  '1.2.3.4', # ]\n  \"\"\"::1\"\"\",\n]\r\n[log]\r\nlevel = 'x'",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.toml"
		cfg, err := Parse(name, data)
		if err == nil {
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Parse accepted a config that does not validate:\n%v", verr)
			}
		} else {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error is %T, not Errors: %v", err, err)
			}
			lines := 1 + strings.Count(string(data), "\n")
			for _, e := range errs {
				if e.File != name || e.Line < 1 || e.Line > lines || e.Msg == "" {
					t.Errorf("bad error %q (file %q, line %d of %d)", e, e.File, e.Line, lines)
				}
			}
			if !slices.IsSortedFunc(errs, func(a, b *Error) int { return a.Line - b.Line }) {
				t.Errorf("errors not in line order:\n%v", errs)
			}
		}

		var tree map[string]any
		if _, err := toml.Decode(string(data), &tree); err != nil {
			return
		}
		index := indexLines(data)
		var walk func(p keyPath, v any)
		walk = func(p keyPath, v any) {
			if len(p) > 0 {
				if _, ok := index[p.String()]; !ok {
					t.Errorf("scanner did not find %s", p)
				}
			}
			switch v := v.(type) {
			case map[string]any:
				for k, e := range v {
					walk(p.key(k), e)
				}
			case []map[string]any:
				for i, e := range v {
					walk(p.index(i), e)
				}
			case []any:
				for i, e := range v {
					walk(p.index(i), e)
				}
			}
		}
		walk(nil, tree)
	})
}
