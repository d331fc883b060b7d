package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is one problem in a configuration file. Errors are values, created
// by Parse and Validate and never changed after.
type Error struct {
	File string // the name given to Parse; "" from Validate
	Line int    // 1-based line of the key; 0 when unknown
	// Key is the key path as a user writes it: "ratelimit.rules[0].limit".
	// It is "" only for a syntax error the TOML library could not tie to a
	// key (a broken [table] header).
	Key string
	Msg string // why the value is wrong
}

// Error formats e as "file:line: key: why", leaving out the parts that are
// unknown, the way compilers do so that editors can jump to the line.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one file, sorted by line. Parse and
// Validate return it as their error; errors.As(err, &errs) recovers it.
type Errors []*Error

// Error lists the problems one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find an individual *Error.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sort orders es by line, keeping the order in which problems were found
// within a line. Problems without a line go last: they are the least precise.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Compare(lineOrder(a.Line), lineOrder(b.Line))
	})
}

func lineOrder(line int) int {
	if line <= 0 {
		return int(^uint(0) >> 1)
	}
	return line
}

// syntaxError turns the TOML library's error into an *Error. The library
// stops at the first syntax error, so there is only ever one.
func syntaxError(file string, data []byte, err error) *Error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{File: file, Msg: err.Error()}
	}
	// The line is counted from the byte offset: v1.6.0's Position.Line is
	// one too far when the offending byte is a newline ("[x" at the end of
	// line 1 is reported at line 2), and its deprecated Line field holds the
	// token length on some paths.
	line := pe.Position.Line
	if pe.Position.Start >= 0 && pe.Position.Start <= len(data) {
		line = 1 + bytes.Count(data[:pe.Position.Start], []byte("\n"))
	}
	return &Error{File: file, Line: line, Key: indexedKey(data, line, pe.LastKey), Msg: "invalid TOML: " + pe.Message}
}

// indexedKey names the key of a syntax error the way the other errors do.
// The library's key lacks array indexes ("ratelimit.rules.limit"), and is
// the enclosing table when the error follows a complete key (`limit = 5x`
// gives "ratelimit.rules"). So it takes the shortest key on the error's line
// that lies under the library's key, found by the line scanner: the file is
// TOML up to the error, which is as far as the scanner needs it to be.
func indexedKey(data []byte, line int, key string) string {
	best := ""
	for k, l := range indexLines(data) {
		plain := withoutIndexes(k)
		under := key == "" || plain == key || strings.HasPrefix(plain, key+".") || strings.HasPrefix(plain, key+"[")
		if l == line && under && (best == "" || len(k) < len(best) || len(k) == len(best) && k < best) {
			best = k
		}
	}
	if best == "" {
		return key
	}
	return best
}

// withoutIndexes removes the "[i]" segments of a keyPath's String.
func withoutIndexes(k string) string {
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] == '[' {
			if j := strings.IndexByte(k[i:], ']'); j > 0 && strings.Trim(k[i+1:i+j], "0123456789") == "" {
				i += j
				continue
			}
		}
		b.WriteByte(k[i])
	}
	return b.String()
}
