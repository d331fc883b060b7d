//go:build !cgo

package re2

import "errors"

// Available reports whether this build has RE2: it does not, for it was built without
// cgo.
const Available = false

// MaxSubmatch is the most submatches SubmatchIndex reports.
const MaxSubmatch = 10

// Regexp is never made in a build without cgo.
type Regexp struct{}

// Compile fails: this build has no RE2.
func Compile(string, int64) (*Regexp, error) {
	return nil, errors.New("re2: not available (built without cgo)")
}

func (*Regexp) NumSubexp() int                     { return 0 }
func (*Regexp) ProgramSize() int                   { return 0 }
func (*Regexp) MatchString(string) bool            { return false }
func (*Regexp) SubmatchIndex(string, []int32) bool { return false }
