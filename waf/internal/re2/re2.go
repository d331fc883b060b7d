//go:build cgo

// Package re2 binds the RE2 C++ library for the WAF's @rx operator: compile a pattern,
// match a string, report submatch offsets. It links Debian's libre2-dev (the shared
// libre2, C++), so it is built only with cgo; without cgo, Available is false and
// Compile fails, and the caller keeps Go's regexp.
//
// RE2's syntax is the one Go's regexp implements, with the same leftmost-first
// semantics and the same submatch rules, but RE2 matches with a lazily built DFA where
// Go's regexp backtracks or runs an NFA: for the large alternations of the OWASP CRS
// it is several times faster, and more so for input that does not match, which is
// nearly all input. Two differences matter to a caller: RE2 assumes the text is valid
// UTF-8 (Go's regexp reads an invalid byte as U+FFFD), and memory is bounded per
// pattern by the max_mem given to Compile, beyond which RE2 falls back to slower
// algorithms instead of failing.
package re2

/*
#cgo CXXFLAGS: -std=c++17 -O2
#cgo LDFLAGS: -lre2 -pthread
#cgo noescape sw_re2_match
#cgo nocallback sw_re2_match
#cgo noescape sw_re2_match_index
#cgo nocallback sw_re2_match_index
#include "re2.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// Available reports whether this build has RE2 (it was built with cgo).
const Available = true

// MaxSubmatch is the most submatches SubmatchIndex reports: the whole match and nine
// groups, as many as SecLang's TX.0-TX.9.
const MaxSubmatch = C.SW_RE2_MAX_SUBMATCH

// Regexp is a compiled RE2 pattern. It is immutable and safe for concurrent use; the
// C++ object is freed when the Regexp becomes unreachable.
type Regexp struct {
	re     unsafe.Pointer
	groups int
}

// Compile compiles pattern with RE2's default (Perl-like, UTF-8) options. maxMem
// bounds the memory of the compiled program and of its DFA caches, in bytes.
func Compile(pattern string, maxMem int64) (*Regexp, error) {
	var msg [256]C.char
	p := C.sw_re2_new(cstr(pattern), C.size_t(len(pattern)), C.int64_t(maxMem), &msg[0], C.size_t(len(msg)))
	if p == nil {
		return nil, errors.New("re2: " + C.GoString(&msg[0]))
	}
	r := &Regexp{re: p, groups: int(C.sw_re2_groups(p))}
	runtime.AddCleanup(r, func(p unsafe.Pointer) { C.sw_re2_delete(p) }, p)
	return r, nil
}

// NumSubexp returns the number of parenthesized groups, as regexp.Regexp's does.
func (r *Regexp) NumSubexp() int { return r.groups }

// ProgramSize returns RE2's measure of the compiled program's size.
func (r *Regexp) ProgramSize() int {
	n := int(C.sw_re2_program_size(r.re))
	runtime.KeepAlive(r)
	return n
}

// MatchString reports whether s contains a match.
func (r *Regexp) MatchString(s string) bool {
	ok := C.sw_re2_match(r.re, cstr(s), C.size_t(len(s))) != 0
	runtime.KeepAlive(r) // the cleanup must not free r.re during the call
	return ok
}

// SubmatchIndex reports whether s contains a match and, if so, fills idx with the byte
// offsets of the leftmost match and its groups as regexp's FindStringSubmatchIndex
// orders them (start, end; -1, -1 for a group that took no part). len(idx)/2
// submatches are reported, at most MaxSubmatch; idx is clobbered when there is no
// match. s must be shorter than 2 GiB.
func (r *Regexp) SubmatchIndex(s string, idx []int32) bool {
	n := min(len(idx)/2, MaxSubmatch)
	if n == 0 {
		return r.MatchString(s)
	}
	ok := C.sw_re2_match_index(r.re, cstr(s), C.size_t(len(s)), (*C.int32_t)(unsafe.Pointer(&idx[0])), C.int(n)) != 0
	runtime.KeepAlive(r)
	return ok
}

// nonEmpty gives the empty string an address: RE2 reports an empty submatch of a text
// whose data pointer is NULL as no submatch at all.
var nonEmpty = [1]byte{}

func cstr(s string) *C.char {
	if len(s) == 0 {
		return (*C.char)(unsafe.Pointer(&nonEmpty[0]))
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s)))
}
