// Package runreport writes the report of a measuring run (make bench, make eval) into
// one directory, in the three forms those commands share: results.json (everything
// measured, for tools), report.svg (the chart) and report.md (the tables, which link to
// the chart). The package holds no state.
package runreport

import (
	"encoding/json"
	"os"
	"path/filepath"
)

// Write creates dir if needed and writes results (as indented JSON), the chart and the
// Markdown into it.
func Write(dir string, results any, svg, markdown string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.svg"), []byte(svg), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(markdown), 0o644)
}
