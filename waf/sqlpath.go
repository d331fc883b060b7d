package waf

import (
	"strings"

	libinjection "github.com/corazawaf/libinjection-go"
)

// The operator @detectSQLiPath (a finderOp of findSQLiSegment and sqliPathMayMatch)
// runs libinjection's SQL check on each segment of a path. Routers hand path segments
// to applications as parameters (/users/{id}, /products/:slug), and an injection there
// reaches the same query a parameter would; but the CRS runs libinjection (942100) on
// arguments, cookies and two headers only, and libinjection on a whole path would read
// its slashes and the segments before the injected one into the statement. It captures
// the segment as TX.0.

// sqliPathMayMatch: libinjection reports nothing for a segment of letters, digits,
// hyphens, dots and underscores (a slug, an id, a file name); SQL needs a quote, a
// blank, a parenthesis, an operator or a comment.
func sqliPathMayMatch(path string) bool {
	return strings.ContainsAny(path, "'\"`() \t\r\n#;*=<>|&+")
}

// findSQLiSegment returns the first segment of path that libinjection reads as SQL.
func findSQLiSegment(path string) (string, bool) {
	for seg := range strings.SplitSeq(path, "/") {
		if !sqliPathMayMatch(seg) {
			continue
		}
		if ok, _ := libinjection.IsSQLi(seg); ok {
			return seg, true
		}
	}
	return "", false
}
