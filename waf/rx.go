package waf

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"rsc.io/binaryregexp"

	"github.com/sidewall/sidewall/waf/internal/re2"
)

// This file replaces Coraza's @rx operator with one that matches with RE2 where the
// build has it (cgo; see package re2), and otherwise behaves exactly as Coraza v3.8.1's
// own: the same (?sm) wrapping of the pattern, the same binary-pattern special case,
// the same TX.0-TX.8 captures. @rx is where the CRS spends most of its time (over a
// third of a GET, two thirds of a form POST under Go's regexp), and RE2's DFA is
// several times faster on its large alternations.
//
// Go's regexp stays compiled beside every RE2 pattern and takes over for input that is
// not valid UTF-8 (RE2 assumes UTF-8; Go's regexp reads a stray byte as U+FFFD, and
// attacks are full of stray bytes after urlDecodeUni) and for any pattern RE2 refuses.
// Verdicts are therefore those of stock Coraza; TestCRS and the differential tests in
// rx_test.go hold the two to that.
//
// SecRxPreFilter has no effect while this operator is registered: Coraza's prefilter
// lives in its own @rx, and let an attack through the CRS regression suite (942220) in
// v3.8.1. This operator has its own, simpler one (prefilter.go), run before either
// engine.

// registerPlugins (plugins.go) registers this @rx with Coraza, in every build: with RE2
// where the build has it, and with Go's regexp alone otherwise, but always with the
// prefilter and the MayMatch our Coraza's value filter asks (without them a pure-Go
// build spent 2.6 times the CPU of a cgo one on a GET and 7 times on a form POST).

// RegexEngine names the regular expression engine behind @rx in this build: "re2"
// (cgo, libre2) or "go" (Go's regexp, as stock Coraza). For a start-up log line.
func RegexEngine() string {
	if re2.Available {
		return "re2"
	}
	return "go"
}

// re2MaxMem bounds each pattern's RE2 program and DFA caches. RE2's default is 8 MiB;
// some 220 CRS patterns go to RE2, and DFA caches grow with the variety of the traffic,
// so the default would let a flood of odd requests claim well over a gigabyte. After
// three passes of the CRS suite's attacks a process at 1 MiB was no bigger than with
// Go's regexp (125 MB against 133 MB resident; 175 MB at 8 MiB), and the benchmarks ran
// no slower than at 8 MiB. A pattern whose DFA outgrows its budget is matched with
// RE2's slower NFA, not wrongly.
const re2MaxMem = 1 << 20

// rxCompiled is what one pattern compiles to, shared through Coraza's memoizer by every
// rule and every WAF that uses the pattern.
type rxCompiled struct {
	re   *regexp.Regexp // Go's, exactly as Coraza's @rx compiles it
	fast *re2.Regexp    // RE2's; nil if RE2 refused the pattern
	pre  *prefilter     // literals every match contains; nil if there are none to use
	ncap int            // captures @rx sets: the match and up to 8 groups
}

type rx struct{ c *rxCompiled }

// rx is what our Coraza's value filter looks for (interfaces it declares unexported).
var (
	_ interface{ MayMatch(string) bool } = (*rx)(nil)
	_ interface {
		WithStopBytes([4]uint64) interface{ MayMatch(string) bool }
	} = (*rx)(nil)
)

func newRx(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	// As Coraza's @rx: dot matches newline, ^ and $ match at line breaks (the default
	// unless Coraza is built with coraza.rule.no_regex_multiline).
	data := "(?sm)" + opts.Arguments
	if matchesArbitraryBytes(data) {
		return newBinaryRx(opts)
	}
	// The key differs from Coraza's own ("rx:...") so the two never share an entry.
	v, err := memoize(opts.Memoizer, "sidewall/rx:"+data, func() (any, error) {
		re, err := regexp.Compile(data)
		if err != nil {
			return nil, err
		}
		c := &rxCompiled{re: re, ncap: min(1+re.NumSubexp(), 9), pre: newPrefilter(data)}
		// A pattern that begins with a literal stays with Go's regexp, which looks for
		// the literal with strings.Index before it runs any automaton: for input that
		// lacks it (nearly all) that beats the fixed cost of a call into RE2.
		if prefix, _ := re.LiteralPrefix(); prefix == "" {
			if fast, err := re2.Compile(data, re2MaxMem); err == nil && fast.NumSubexp() == re.NumSubexp() {
				c.fast = fast
			}
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return &rx{c: v.(*rxCompiled)}, nil
}

// MayMatch reports false only when the pattern cannot match value, nor any value
// that, with ASCII letters folded to one case, is a substring of it. Our Coraza
// (third_party/coraza, valuefilter.go) asks it before it transforms a value: when the
// value holds none of the bytes that could make the rule's transformations do more
// than change case or trim, the raw value stands for the transformed one.
func (o *rx) MayMatch(value string) bool {
	return o.c.pre == nil || o.c.pre.mayMatch(value)
}

// WithStopBytes returns MayMatch that also reports true for a value holding a byte
// of stop (bit b of stop[b>>6]): our Coraza's value filter passes the trigger bytes
// of the rule's transformations, so that one scan of the value looks for them and
// for the pattern's literals.
func (o *rx) WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool } {
	if o.c.pre == nil {
		return o
	}
	return o.c.pre.withStopBytes(stop)
}

func (o *rx) Evaluate(tx plugintypes.TransactionState, value string) bool {
	c := o.c
	if c.pre != nil && !c.pre.mayMatch(value) {
		return false
	}
	if c.fast == nil || !utf8.ValidString(value) {
		return evaluateGo(c.re, tx, value)
	}
	if !tx.Capturing() {
		return c.fast.MatchString(value)
	}
	var idx [2 * re2.MaxSubmatch]int32
	if !c.fast.SubmatchIndex(value, idx[:2*c.ncap]) {
		return false
	}
	for i := range c.ncap {
		if idx[2*i] >= 0 {
			tx.CaptureField(i, value[idx[2*i]:idx[2*i+1]])
		} else {
			tx.CaptureField(i, "")
		}
	}
	return true
}

// evaluateGo is Coraza v3.8.1's @rx evaluation with Go's regexp.
func evaluateGo(re *regexp.Regexp, tx plugintypes.TransactionState, value string) bool {
	if !tx.Capturing() {
		return re.MatchString(value)
	}
	match := re.FindStringSubmatchIndex(value)
	if match == nil {
		return false
	}
	for i := 0; i < len(match)/2 && i < 9; i++ {
		if match[2*i] >= 0 {
			tx.CaptureField(i, value[match[2*i]:match[2*i+1]])
		} else {
			tx.CaptureField(i, "")
		}
	}
	return true
}

// binaryRx is Coraza's @rx for a pattern that matches bytes that are not UTF-8: the
// pattern as written (without (?sm)), matched byte by byte with binaryregexp.
// Its filter (binaryfilter.go), when the pattern has one, rules values out as the
// prefilter does for the others.
type binaryRx struct {
	re     *binaryregexp.Regexp
	filter *byteFilter // nil: no small set of bytes is in every match
}

func newBinaryRx(opts plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	v, err := memoize(opts.Memoizer, "sidewall/binrx:"+opts.Arguments, func() (any, error) {
		return binaryregexp.Compile(opts.Arguments)
	})
	if err != nil {
		return nil, err
	}
	return &binaryRx{re: v.(*binaryregexp.Regexp), filter: newByteFilter(opts.Arguments)}, nil
}

// MayMatch reports false only when the pattern cannot match value, nor a substring of
// it with ASCII letters in either case, for our Coraza's value filter.
func (o *binaryRx) MayMatch(value string) bool {
	return o.filter == nil || o.filter.MayMatch(value)
}

// WithStopBytes is MayMatch that also reports true for a value holding a byte of stop.
func (o *binaryRx) WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool } {
	if o.filter == nil {
		return o
	}
	return o.filter.WithStopBytes(stop)
}

func (o *binaryRx) Evaluate(tx plugintypes.TransactionState, value string) bool {
	if !o.MayMatch(value) {
		return false
	}
	if !tx.Capturing() {
		return o.re.MatchString(value)
	}
	match := o.re.FindStringSubmatch(value)
	if len(match) == 0 {
		return false
	}
	for i, c := range match {
		if i == 9 {
			return true
		}
		tx.CaptureField(i, c)
	}
	return true
}

func memoize(m plugintypes.Memoizer, key string, fn func() (any, error)) (any, error) {
	if m == nil {
		return fn()
	}
	return m.Do(key, fn)
}

// matchesArbitraryBytes reports whether expr has \xNN escapes that, decoded, are not
// UTF-8: Coraza's test (internal/operators/rx.go, Apache-2.0) for handing a pattern to
// binaryregexp, copied because it is unexported.
func matchesArbitraryBytes(expr string) bool {
	decoded := make([]byte, 0, len(expr))
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		if c != '\\' {
			decoded = append(decoded, c)
			continue
		}
		if i+3 >= len(expr) {
			decoded = append(decoded, expr[i:]...)
			break
		}
		if expr[i+1] != 'x' {
			decoded = append(decoded, expr[i])
			continue
		}
		// \x{bc} is read as \xbc.
		sub := expr[i:]
		advance := 3
		if len(sub) >= 6 && sub[2] == '{' {
			if end := strings.IndexByte(sub, '}'); end != -1 {
				sub = `\x` + sub[3:end]
				advance = end
			}
		}
		v, mb, _, err := strconv.UnquoteChar(sub, 0)
		if err != nil || mb {
			decoded = append(decoded, expr[i])
			continue
		}
		decoded = append(decoded, byte(v))
		i += advance
	}
	return !utf8.Valid(decoded)
}
