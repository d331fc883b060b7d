package waf

import (
	"math/bits"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file decides, before any regular expression runs, that an @rx pattern cannot
// match a value: the pattern is read once, at rule load, for a set of literal strings
// of which every match must contain one, and a value that contains none of them is not
// a match. For benign traffic that is nearly every value: a header or a form field of
// ordinary text holds none of "union", "select", "<script" and the like, and the call
// into RE2 (a cgo call, a tenth of a GET's CPU time on its own) is never made.
//
// It is a necessary condition only, so a mistake in it can cost a missed attack:
// Coraza's own SecRxPreFilter, which does the same with more cleverness, let CRS test
// 942220-2 through in v3.8.1. This one is kept small enough to check by reading, and
// refuses whenever in doubt:
//
//   - Literals are compared ASCII case-insensitively, always: for a case-sensitive
//     literal that only makes the filter say "maybe" more often.
//   - A pattern literal with a rune outside ASCII gives no literal: under (?i) the
//     Kelvin sign matches "k" and the long s matches "s", so it could match ASCII.
//   - A byte outside ASCII in a value is never part of an ASCII literal's match:
//     Go's regexp and RE2 decode ASCII bytes as themselves whatever surrounds them,
//     and under (?i) only k and s fold to runes outside ASCII (the Kelvin sign, the
//     long s; TestFoldsOutsideASCII checks this against package unicode). So a
//     filter whose literals hold no k or s, or whose pattern never ignores case,
//     ignores such bytes, and any other filter hands a value with one to the regex.
//     (Transformations such as base64Decode make such values from benign input, so
//     this matters.)
//   - Only the regexp/syntax operators listed in analyze give literals; anything else
//     (., classes of more than a few ASCII characters, *, a repeat of minimum 0)
//     gives none, and a pattern gets no filter at all if its set has more than
//     maxNeedles literals or a one-byte literal that ordinary text is full of (a
//     letter, digit, _ or space).
//
//   - A pattern without such literals may get them back for values that lack its
//     junk (withoutJunk): the ASCII punctuation it allows between letters to evade
//     detection. The filter then also says "maybe" to any value holding a junk byte.
//     The reduced pattern keeps every match that avoids the junk (reduce cuts only
//     what needs a junk byte), and case folding never maps a letter to punctuation.
//
// TestRxAgreesWithGo runs every CRS pattern, filter included, against Go's regexp on
// the CRS regression inputs; TestPrefilterSound and FuzzPrefilterSound go after the
// filter's edges; TestCRS holds the verdicts.

const (
	// maxNeedles bounds the literals a filter looks for: they are indexed by the bits
	// of a uint64, less the top one (stopBit).
	maxNeedles = 63

	// stopBit, set in first[c] for a byte c that ends the scan and in every entry of
	// second, makes one table lookup a byte answer both whether the byte stops the
	// scan and whether a needle may start there.
	stopBit = uint64(1) << 63

	// maxClass is the largest character class taken as a set of one-byte literals:
	// a class such as [\"'`;] narrows a cross product usefully, [a-z] does not.
	maxClass = 6
)

// prefilter reports whether a value might match one pattern. It is immutable after
// newPrefilter and safe for concurrent use.
type prefilter struct {
	needles []string // lower-case ASCII, at least two bytes each
	// singles are the needles of one byte, none of them a letter, digit or space:
	// punctuation such as ( or $ that ordinary text rarely holds.
	singles []string
	// exactASCII is set when a literal has a k or an s and the pattern ignores case
	// somewhere: (?i) also matches them in runes outside ASCII, so then a value that
	// is not all ASCII may match without containing a literal.
	exactASCII bool
	// first[c] and second[c] have bit j set when needle j begins with c, or has c as
	// its second byte, in either case: a position where both bits are set is where
	// needle j may start. first[c] has stopBit set for the bytes that end the scan at
	// once: the single needles, and the bytes outside ASCII when exactASCII is set.
	// second, which never changes, is shared by the copies withStopBytes makes.
	first  [256]uint64
	second *[256]uint64
}

// newPrefilter returns the filter for an @rx pattern as Coraza compiles it ((?sm)
// included), or nil when the pattern yields no useful set of literals.
func newPrefilter(pattern string) *prefilter {
	re, err := syntax.Parse(pattern, syntax.Perl) // the flags regexp.Compile uses
	if err != nil {
		return nil
	}
	simple := re.Simplify()
	set, ok := analyze(simple).required()
	var absent []byte
	if !usable(set, ok) {
		// No literals: try the pattern as it is for values without its junk.
		if set, absent, ok = withoutJunk(simple); !ok {
			return nil
		}
	}
	p := &prefilter{second: new([256]uint64)}
	for c := range p.second {
		p.second[c] = stopBit
	}
	folds := foldsCase(re)
	for _, s := range set {
		if folds && strings.ContainsAny(s, "ks") {
			p.exactASCII = true
		}
		if len(s) >= 2 {
			bit := uint64(1) << len(p.needles)
			for _, c := range [2]byte{s[0], upper(s[0])} {
				p.first[c] |= bit
			}
			for _, c := range [2]byte{s[1], upper(s[1])} {
				p.second[c] |= bit
			}
			p.needles = append(p.needles, s)
		} else {
			p.first[s[0]] |= stopBit
			p.singles = append(p.singles, s)
		}
	}
	for _, c := range absent {
		if !p.stops(c) {
			p.first[c] |= stopBit
			p.singles = append(p.singles, string(rune(c)))
		}
	}
	if p.exactASCII {
		for c := utf8.RuneSelf; c < len(p.first); c++ {
			p.first[c] |= stopBit
		}
	}
	return p
}

// usable reports whether a required set makes a filter worth having: not too many
// literals, and no one-byte literal that nearly every value holds (a letter, digit,
// _ or space).
func usable(set []string, ok bool) bool {
	if !ok || len(set) == 0 || len(set) > maxNeedles {
		return false
	}
	for _, s := range set {
		if len(s) == 1 && (isWordByte(s[0]) || s[0] == ' ') {
			return false
		}
	}
	return true
}

// withStopBytes returns a copy of p that also stops at the bytes of stop (bit b of
// stop[b>>6]).
func (p *prefilter) withStopBytes(stop [4]uint64) *prefilter {
	q := *p
	for b := range 256 {
		if stop[b>>6]&(1<<(b&63)) != 0 {
			q.first[b] |= stopBit
		}
	}
	return &q
}

// stops reports whether byte c ends the scan.
func (p *prefilter) stops(c byte) bool { return p.first[c]&stopBit != 0 }

// mayMatch is MayMatch, the name the value filter asks for (through an interface,
// so the scan is there, one call deep).
func (p *prefilter) mayMatch(value string) bool { return p.MayMatch(value) }

// MayMatch reports false only if value contains none of the needles, ignoring ASCII
// case (and, for a filter with exactASCII, is all ASCII).
//
// It is one pass of two table lookups a byte: the rules of a phase call it for every
// value they see, and on a form POST it was a seventh of the time.
func (p *prefilter) MayMatch(value string) bool {
	if len(value) == 0 {
		return false
	}
	second := p.second
	for i := 0; i+1 < len(value); i++ {
		m := p.first[value[i]] & second[value[i+1]]
		if m == 0 {
			continue
		}
		if m&stopBit != 0 {
			return true
		}
		for m != 0 {
			j := bits.TrailingZeros64(m)
			m &= m - 1
			if n := p.needles[j]; len(value)-i >= len(n) && hasPrefixFold(value[i:], n) {
				return true
			}
		}
	}
	return p.stops(value[len(value)-1])
}

// foldsCase reports whether some literal of re matches ignoring case: only such a
// literal's k or s also matches a rune outside ASCII. 934100, case-sensitive, turned
// every value that base64Decode had made binary into a run of Go's regexp.
func foldsCase(re *syntax.Regexp) bool {
	if re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase != 0 {
		return true
	}
	return slices.ContainsFunc(re.Sub, foldsCase)
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s starts with needle, which is lower case, ignoring
// ASCII case; len(s) >= len(needle).
func hasPrefixFold(s, needle string) bool {
	for k := 0; k < len(needle); k++ {
		if lower(s[k]) != needle[k] {
			return false
		}
	}
	return true
}

// info is what analyze learns about one node of a parsed pattern. Both sets hold
// lower-case ASCII strings and at most maxNeedles of them.
type info struct {
	// exact, when exactOK, is every string the node can match (case aside), "" for
	// an empty match.
	exact   []string
	exactOK bool
	// req, when reqOK, is a set of which every match of the node contains at least
	// one member.
	req   []string
	reqOK bool
}

// required returns the best set of which every match contains a member.
func (in info) required() ([]string, bool) {
	if in.reqOK {
		return in.req, true
	}
	if in.exactOK && !slices.Contains(in.exact, "") {
		return in.exact, true
	}
	return nil, false
}

// analyze computes re's info. Any operator not named here gives nothing.
func analyze(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return info{exact: []string{""}, exactOK: true}
	case syntax.OpLiteral:
		b := make([]byte, 0, len(re.Rune))
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf || r < 0 {
				return info{}
			}
			b = append(b, lower(byte(r)))
		}
		s := []string{string(b)}
		return info{exact: s, exactOK: true, req: s, reqOK: len(b) > 0}
	case syntax.OpCharClass:
		var set []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi >= utf8.RuneSelf || hi-lo >= maxClass {
				return info{}
			}
			for r := lo; r <= hi; r++ {
				set = append(set, string(rune(lower(byte(r)))))
			}
		}
		slices.Sort(set)
		set = slices.Compact(set)
		if len(set) == 0 || len(set) > maxClass {
			return info{}
		}
		return info{exact: set, exactOK: true}
	case syntax.OpCapture:
		return analyze(re.Sub[0])
	case syntax.OpQuest:
		sub := analyze(re.Sub[0])
		if !sub.exactOK || len(sub.exact) >= maxNeedles {
			return info{}
		}
		return info{exact: union(sub.exact, []string{""}), exactOK: true}
	case syntax.OpPlus:
		sub := analyze(re.Sub[0])
		req, ok := sub.required()
		return info{req: req, reqOK: ok}
	case syntax.OpRepeat:
		// Simplify rewrites counted repeats; this is here in case it ever leaves one.
		if re.Min < 1 {
			return info{}
		}
		sub := analyze(re.Sub[0])
		if re.Min == 1 && re.Max == 1 {
			return sub
		}
		req, ok := sub.required()
		return info{req: req, reqOK: ok}
	case syntax.OpAlternate:
		return alternate(re.Sub)
	case syntax.OpConcat:
		return concat(re.Sub)
	}
	return info{}
}

// alternate: a match of one branch is a match of the whole.
func alternate(subs []*syntax.Regexp) info {
	out := info{exactOK: true, reqOK: true}
	for _, s := range subs {
		in := analyze(s)
		if out.exactOK = out.exactOK && in.exactOK; out.exactOK {
			out.exact = union(out.exact, in.exact)
			out.exactOK = len(out.exact) <= maxNeedles
		}
		if out.reqOK {
			req, ok := in.required()
			out.req = union(out.req, req)
			out.reqOK = ok && len(out.req) <= maxNeedles
		}
	}
	if !out.exactOK {
		out.exact = nil
	}
	if !out.reqOK {
		out.req = nil
	}
	return out
}

// concat: every part matches, one after the other. Each part's required set is a
// candidate, and so is the set of concatenations of each run of consecutive parts
// with exact sets (the run matches one of them, and its match is part of the whole
// match); the best candidate is kept.
func concat(subs []*syntax.Regexp) info {
	var out info
	consider := func(set []string) {
		if len(set) == 0 || slices.Contains(set, "") {
			return
		}
		if !out.reqOK || better(set, out.req) {
			out.req, out.reqOK = set, true
		}
	}
	run := []string{""}
	all := true // every part so far has an exact set, and run is their product
	for _, s := range subs {
		in := analyze(s)
		if req, ok := in.required(); ok {
			consider(req)
		}
		switch {
		case in.exactOK && len(run)*len(in.exact) <= maxNeedles:
			run = product(run, in.exact)
		case in.exactOK:
			consider(run)
			run, all = in.exact, false
		default:
			consider(run)
			run, all = []string{""}, false
		}
	}
	consider(run)
	if all {
		out.exact, out.exactOK = run, true
	}
	return out
}

// better reports whether a is a better filter than b: its shortest literal is longer
// (a longer literal is rarer in ordinary text), or as long and there are fewer.
func better(a, b []string) bool {
	la, lb := shortest(a), shortest(b)
	if la != lb {
		return la > lb
	}
	return len(a) < len(b)
}

func shortest(set []string) int {
	n := -1
	for _, s := range set {
		if n < 0 || len(s) < n {
			n = len(s)
		}
	}
	return n
}

func product(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// String lists the needles, for tests and debugging.
func (p *prefilter) String() string {
	return strings.Join(slices.Sorted(slices.Values(append(slices.Clone(p.needles), p.singles...))), "|")
}

// Patterns written against evasion, such as the CRS's command lists (932230 and its
// kin: "b.u.s.y.b.o.x" with quotes, backslashes or "$@" allowed between the letters),
// have no literal a match must contain, so the analysis above gives them no filter and
// every value went to the regex. But the evasions need bytes of their own (', ", \,
// $ ...): a value without any of them can only match the pattern with the evasions left
// out, and that pattern has literals again, the command words. Such a filter says
// "maybe" for a value that holds one of those junk bytes, and otherwise looks for the
// literals of the reduced pattern.

// givenBack lists the junk bytes withoutJunk tries to do without, most common in
// benign values first: a filter whose junk includes the space says "maybe" to most
// free text.
const givenBack = " .-_/,:+%@=&;"

// withoutJunk looks for a set of ASCII punctuation bytes (the junk) without which re
// has a usable required set, starting from every such byte the pattern names and
// giving back what it can (givenBack). It returns the set and the junk.
func withoutJunk(re *syntax.Regexp) (set []string, junk []byte, ok bool) {
	var absent [utf8.RuneSelf]bool
	named(re, &absent)
	try := func() ([]string, bool) {
		r := reduce(re, &absent)
		if r == nil {
			// No match without a junk byte: the junk alone is the filter.
			return nil, true
		}
		set, ok := analyze(r.Simplify()).required()
		return set, usable(set, ok)
	}
	found, ok := try()
	if !ok {
		return nil, nil, false
	}
	for i := 0; i < len(givenBack); i++ {
		c := givenBack[i]
		if !absent[c] {
			continue
		}
		absent[c] = false
		if s, ok := try(); ok {
			found = s
		} else {
			absent[c] = true
		}
	}
	for c, a := range absent {
		if a {
			junk = append(junk, byte(c))
		}
	}
	return found, junk, true
}

// named marks the ASCII bytes other than letters and digits that re names in a literal
// or in a class of ASCII alone: the candidates for junk.
func named(re *syntax.Regexp, out *[utf8.RuneSelf]bool) {
	mark := func(r rune) {
		if c := byte(r); r < utf8.RuneSelf && (c == '_' || !isWordByte(c)) {
			out[r] = true
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0 && r < utf8.RuneSelf {
				mark(r)
			}
		}
	case syntax.OpCharClass:
		if n := len(re.Rune); n > 0 && re.Rune[n-1] < utf8.RuneSelf {
			for i := 0; i+1 < n; i += 2 {
				for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
					mark(r)
				}
			}
		}
	}
	for _, sub := range re.Sub {
		named(sub, out)
	}
}

// reduce returns a pattern that matches every string re matches that holds none of the
// absent bytes (and perhaps more), or nil if re matches no such string: what needs an
// absent byte is cut out. Since only ASCII punctuation is ever absent, case folding
// cannot bring an absent byte back.
func reduce(re *syntax.Regexp, absent *[utf8.RuneSelf]bool) *syntax.Regexp {
	with := func(sub ...*syntax.Regexp) *syntax.Regexp {
		c := *re
		c.Sub = sub
		c.Sub0 = [1]*syntax.Regexp{}
		return &c
	}
	empty := &syntax.Regexp{Op: syntax.OpEmptyMatch}
	switch re.Op {
	case syntax.OpNoMatch:
		return nil
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if r >= 0 && r < utf8.RuneSelf && absent[r] {
				return nil
			}
		}
		return re
	case syntax.OpCharClass:
		var ranges []rune
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for r := lo; r <= hi && r < utf8.RuneSelf; r++ {
				if absent[r] {
					if r > lo {
						ranges = append(ranges, lo, r-1)
					}
					lo = r + 1
				}
			}
			if lo <= hi {
				ranges = append(ranges, lo, hi)
			}
		}
		if len(ranges) == 0 {
			return nil
		}
		c := *re
		c.Rune = ranges
		return &c
	case syntax.OpCapture:
		sub := reduce(re.Sub[0], absent)
		if sub == nil {
			return nil
		}
		return with(sub)
	case syntax.OpStar, syntax.OpQuest:
		sub := reduce(re.Sub[0], absent)
		if sub == nil {
			return empty
		}
		return with(sub)
	case syntax.OpPlus:
		sub := reduce(re.Sub[0], absent)
		if sub == nil {
			return nil
		}
		return with(sub)
	case syntax.OpRepeat:
		sub := reduce(re.Sub[0], absent)
		switch {
		case sub != nil:
			return with(sub)
		case re.Min == 0:
			return empty
		}
		return nil
	case syntax.OpConcat:
		subs := make([]*syntax.Regexp, 0, len(re.Sub))
		for _, s := range re.Sub {
			r := reduce(s, absent)
			if r == nil {
				return nil
			}
			subs = append(subs, r)
		}
		return with(subs...)
	case syntax.OpAlternate:
		var subs []*syntax.Regexp
		for _, s := range re.Sub {
			if r := reduce(s, absent); r != nil {
				subs = append(subs, r)
			}
		}
		switch len(subs) {
		case 0:
			return nil
		case 1:
			return subs[0]
		}
		return with(subs...)
	}
	// Empty-width assertions and any-character: nothing to cut.
	return re
}
