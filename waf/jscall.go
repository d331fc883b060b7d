package waf

import (
	"encoding/base64"
	"iter"
	"strconv"
	"strings"
)

// The operator @detectJSCall (a finderOp of findJSCall and jsCallMayMatch) finds
// JavaScript that calls a dialog or code sink (alert, confirm, prompt, eval, Function,
// setTimeout, setInterval, execScript) without the plain "alert(1)" the CRS's 941390
// looks for: a value a JSON API or JSONP callback reflects into a script needs no tag,
// and a payload written to pass keyword rules calls the sink indirectly. It matches
//
//   - a call through Function.prototype: alert.call(null,1), confirm.apply(...),
//     prompt.bind(...)(), alert.call`1`;
//   - an optional call or a tagged template: alert?.(1), alert`1`;
//   - the sink passed as a callback: [1].find(alert), x.then(confirm),
//     Reflect.apply(alert,null,[1]);
//   - the sink named by a string the payload builds: top['al'+'ert'](1),
//     self[atob('YWxlcnQ=')](1), window["\x61lert"]`1`;
//   - the Function constructor reached through any object: constructor.constructor(...);
//   - a plain call right after a string breakout: "-alert(1)-", ';confirm(1)//.
//
// It captures the call as TX.0. Identifiers are compared as JavaScript does, with
// case (Alert is not alert); the rule decodes JavaScript escapes first (t:jsDecode), so
// \u0061lert is alert.

// jsCallMayMatch: every form calls something, with a parenthesis or a backtick.
func jsCallMayMatch(value string) bool {
	return strings.ContainsAny(value, "(`")
}

// jsSinks are the functions whose call runs the attacker's code or shows that it ran.
var jsSinks = []string{"alert", "confirm", "prompt", "eval", "Function", "setTimeout", "setInterval", "execScript"}

// jsHigherOrder are methods that call a function they are given.
var jsHigherOrder = []string{"find", "findIndex", "findLast", "findLastIndex", "map", "flatMap", "forEach", "filter",
	"some", "every", "reduce", "reduceRight", "sort", "then", "catch", "finally", "call", "apply", "construct", "from"}

// jsGlobals are the objects a payload indexes with a built string to reach a sink.
var jsGlobals = []string{"window", "top", "self", "parent", "frames", "globalThis", "this", "content", "opener"}

// findJSCall returns the first indirect call of a JavaScript sink in s.
func findJSCall(s string) (string, bool) {
	for _, sink := range jsSinks {
		for i := range jsIdents(s, sink) {
			if call, ok := sinkUse(s, i, i+len(sink)); ok {
				return call, true
			}
		}
	}
	if i := constructorChain(s); i >= 0 {
		return s[i:min(len(s), i+48)], true
	}
	return computedSink(s)
}

// jsIdents yields the offsets at which name stands in s as a whole identifier: with no
// identifier character right before or after it.
func jsIdents(s, name string) iter.Seq[int] {
	return func(yield func(int) bool) {
		for off := 0; off < len(s); {
			i := strings.Index(s[off:], name)
			if i < 0 {
				return
			}
			i += off
			off = i + len(name)
			if i > 0 && isJSIdentByte(s[i-1]) || off < len(s) && isJSIdentByte(s[off]) {
				continue
			}
			if !yield(i) {
				return
			}
		}
	}
}

func isJSIdentByte(c byte) bool { return c == '_' || c == '$' || isAlnum(c) }

// sinkUse judges the sink named at s[i:j] by what surrounds it.
func sinkUse(s string, i, j int) (string, bool) {
	after := strings.TrimLeft(s[j:], " \t\r\n")
	snippet := func() string { return s[i:min(len(s), j+24)] }
	switch {
	case strings.HasPrefix(after, "?.") && strings.HasPrefix(strings.TrimLeft(after[2:], " \t"), "("):
		return snippet(), true // alert?.(1)
	case strings.HasPrefix(after, "`"):
		return snippet(), true // alert`1`
	case strings.HasPrefix(after, "."):
		m := strings.TrimLeft(after[1:], " \t")
		for _, f := range []string{"call", "apply", "bind"} {
			if strings.HasPrefix(m, f) {
				rest := strings.TrimLeft(m[len(f):], " \t")
				if strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, "`") {
					return snippet(), true // alert.call(null,1)
				}
			}
		}
	case strings.HasPrefix(after, "("):
		if breakoutBefore(s[:i]) {
			return snippet(), true // "-alert(1)-"
		}
	}
	// Passed as a callback or assigned: look at what comes before the name.
	before := strings.TrimRight(s[:i], " \t\r\n")
	if strings.HasPrefix(after, ")") || strings.HasPrefix(after, ",") {
		if callee := calleeOf(before); callee != "" {
			for _, h := range jsHigherOrder {
				if callee == h {
					// [1].find(alert), Reflect.apply(alert,null,[1])
					return s[max(0, strings.LastIndex(before, h)):min(len(s), j+8)], true
				}
			}
		}
	}
	return "", false
}

// calleeOf returns the name of the method whose argument list before ends in: for
// "[1].find(" it is "find", for "x.reduce(f, " it is "reduce"; "" when before does not
// end inside the argument list of a method.
func calleeOf(before string) string {
	k := strings.LastIndexByte(before, '(')
	if k < 0 || strings.IndexAny(before[k+1:], "()") >= 0 {
		return ""
	}
	if args := strings.TrimSpace(before[k+1:]); args != "" && !strings.HasSuffix(args, ",") {
		return ""
	}
	head := strings.TrimRight(before[:k], " \t")
	start := len(head)
	for start > 0 && isJSIdentByte(head[start-1]) {
		start--
	}
	if start == len(head) || start == 0 || head[start-1] != '.' {
		return ""
	}
	return head[start:]
}

// breakoutBefore reports whether the text before a call ends a string and begins an
// expression: a quote followed by an operator, as an injected value that closes the
// string it lands in does ("-, ';, '+, ");).
func breakoutBefore(before string) bool {
	b := strings.TrimRight(before, " \t")
	ops := 0
	for len(b) > 0 && strings.IndexByte("-+*/%;,|&^)=(!~<>?:", b[len(b)-1]) >= 0 {
		b = b[:len(b)-1]
		b = strings.TrimRight(b, " \t")
		ops++
	}
	return ops > 0 && len(b) > 0 && strings.IndexByte("'\"`", b[len(b)-1]) >= 0
}

// constructorChain returns the offset of the Function constructor reached through an
// object's constructor's constructor (constructor.constructor, ['constructor']
// ['constructor']), or -1.
func constructorChain(s string) int {
	for _, p := range []string{"constructor.constructor(", "constructor.constructor`", "['constructor']['constructor'](", `["constructor"]["constructor"](`, "constructor['constructor'](", `constructor["constructor"](`} {
		if i := strings.Index(s, p); i >= 0 {
			return i
		}
	}
	return -1
}

// computedSink finds a global object indexed with a string the payload builds, whose
// value is a sink, and which is then called: top['al'+'ert'](1).
func computedSink(s string) (string, bool) {
	for _, g := range jsGlobals {
		for i := range jsIdents(s, g) {
			rest := strings.TrimLeft(s[i+len(g):], " \t")
			if !strings.HasPrefix(rest, "[") {
				continue
			}
			name, n, ok := stringExpr(rest[1:])
			if !ok {
				continue
			}
			after := strings.TrimLeft(rest[1+n:], " \t")
			if !strings.HasPrefix(after, "]") {
				continue
			}
			after = strings.TrimLeft(after[1:], " \t")
			called := strings.HasPrefix(after, "(") || strings.HasPrefix(after, "`") ||
				strings.HasPrefix(after, ".call") || strings.HasPrefix(after, ".apply") || strings.HasPrefix(after, ".bind")
			for _, sink := range jsSinks {
				if name == sink && called {
					return s[i:min(len(s), i+len(g)+1+n+8)], true
				}
			}
		}
	}
	return "", false
}

// stringExpr evaluates a JavaScript expression of string literals joined by '+',
// each perhaps wrapped in atob(), at the start of s; it returns the string, the length
// read, and whether s started with such an expression.
func stringExpr(s string) (string, int, bool) {
	var out strings.Builder
	i := 0
	for {
		i = skipJSSpace(s, i)
		decode := false
		if strings.HasPrefix(s[i:], "atob(") {
			decode = true
			i = skipJSSpace(s, i+5)
		}
		lit, n, ok := jsStringLiteral(s[i:])
		if !ok {
			return "", 0, false
		}
		i += n
		if decode {
			i = skipJSSpace(s, i)
			if !strings.HasPrefix(s[i:], ")") {
				return "", 0, false
			}
			i++
			b, err := base64.StdEncoding.DecodeString(lit)
			if err != nil {
				if b, err = base64.RawStdEncoding.DecodeString(lit); err != nil {
					return "", 0, false
				}
			}
			lit = string(b)
		}
		out.WriteString(lit)
		j := skipJSSpace(s, i)
		switch {
		case strings.HasPrefix(s[j:], "+"):
			i = j + 1
		case j > i && j < len(s) && (strings.IndexByte("'\"`", s[j]) >= 0 || strings.HasPrefix(s[j:], "atob(")):
			// Literals apart by a blank only: a '+' the rule's URL decoding took for
			// a space (t:urlDecodeUni), since JavaScript has no other reading of it.
			i = j
		default:
			return out.String(), j, true
		}
		if out.Len() > 64 {
			return "", 0, false
		}
	}
}

// jsStringLiteral reads a quoted JavaScript string at the start of s ('...', "...",
// or `...` without substitutions), decoding its escapes.
func jsStringLiteral(s string) (string, int, bool) {
	if s == "" || strings.IndexByte("'\"`", s[0]) < 0 {
		return "", 0, false
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s) && i < 256; i++ {
		switch c := s[i]; {
		case c == q:
			return b.String(), i + 1, true
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'x':
				if v, err := strconv.ParseUint(s[i+1:min(len(s), i+3)], 16, 8); err == nil && i+3 <= len(s) {
					b.WriteByte(byte(v))
					i += 2
					continue
				}
			case 'u':
				if v, err := strconv.ParseUint(s[i+1:min(len(s), i+5)], 16, 16); err == nil && i+5 <= len(s) {
					b.WriteRune(rune(v))
					i += 4
					continue
				}
			}
			b.WriteByte(s[i])
		case c == '$' && q == '`' && i+1 < len(s) && s[i+1] == '{':
			return "", 0, false
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

func skipJSSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}
