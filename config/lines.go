package config

import (
	"strconv"
	"strings"
)

// A keyPath names a value the way a user writes it: key segments, quoted
// only where TOML needs quotes, and "[i]" segments for array elements and
// for each [[table]] block ("ratelimit.rules[1].limit"). The decoder, the
// validator and the line scanner all build paths with key and index, so a
// path's String is the same wherever it was made and can be looked up.
type keyPath []string

func (p keyPath) key(name string) keyPath {
	return append(p[:len(p):len(p)], quoteKey(name))
}

func (p keyPath) index(i int) keyPath {
	return append(p[:len(p):len(p)], "["+strconv.Itoa(i)+"]")
}

func (p keyPath) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 && s[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// quoteKey quotes a key segment unless it is a TOML bare key.
func quoteKey(k string) string {
	if k == "" {
		return `""`
	}
	for _, c := range []byte(k) {
		if !isBareKeyChar(c) {
			return strconv.Quote(k)
		}
	}
	return k
}

func isBareKeyChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// lineIndex maps the String of a keyPath to the line where the file defines
// it: the line of the `key =` for a value, of the element itself for an array
// element, and of the header for a table or a [[table]] block.
type lineIndex map[string]int

// line returns the line of p, or of its nearest ancestor the file mentions:
// a key a rule leaves out (a missing name) is reported at the rule's
// [[ratelimit.rules]] header. It returns 0 when nothing is known.
func (li lineIndex) line(p keyPath) int {
	for ; len(p) > 0; p = p[:len(p)-1] {
		if n, ok := li[p.String()]; ok {
			return n
		}
	}
	return 0
}

// indexLines scans a TOML document for the lines of its keys.
//
// The TOML library keeps no positions for the values it returns, so this is
// a second, much smaller lexer. It tracks the current table from [table] and
// [[array]] headers, numbering each [[array]] block per array (and per parent
// block, for nested arrays of tables); it reads bare, quoted and dotted keys;
// and it steps over values structurally — strings of all four kinds,
// including multi-line ones that contain '#', '=', '[' or newlines, arrays
// spanning lines with comments between elements, and inline tables — so a
// line inside a value is never taken for a key.
//
// Parse runs it only on input the TOML library accepted, so it need not
// diagnose anything; on any other input it still terminates without
// panicking, and merely knows fewer lines.
func indexLines(src []byte) lineIndex {
	s := lineScanner{src: src, line: 1, index: make(lineIndex), blocks: make(map[string]int)}
	var table keyPath
	for {
		s.skipBlank(true)
		if s.eof() {
			return s.index
		}
		start := s.pos
		if s.peek(0) == '[' {
			table = s.header()
		} else {
			s.keyValue(table)
		}
		if s.pos == start { // not TOML; skip a byte rather than loop
			s.next()
		}
	}
}

type lineScanner struct {
	src    []byte
	pos    int
	line   int
	index  lineIndex
	blocks map[string]int // [[array]] path -> number of blocks seen so far
}

func (s *lineScanner) eof() bool { return s.pos >= len(s.src) }

func (s *lineScanner) peek(off int) byte {
	if s.pos+off < len(s.src) {
		return s.src[s.pos+off]
	}
	return 0
}

func (s *lineScanner) next() {
	if s.eof() {
		return
	}
	if s.src[s.pos] == '\n' {
		s.line++
	}
	s.pos++
}

func (s *lineScanner) hasPrefix(p string) bool {
	// Comparing a converted slice does not copy it; HasPrefix on
	// string(s.src[s.pos:]) would, making long strings quadratic.
	return len(s.src)-s.pos >= len(p) && string(s.src[s.pos:s.pos+len(p)]) == p
}

// mark records the line of p unless an earlier line already defines it: a
// table is reported where it first appears, implicitly or not.
func (s *lineScanner) mark(p keyPath, line int) {
	k := p.String()
	if _, ok := s.index[k]; !ok {
		s.index[k] = line
	}
}

// skipBlank skips spaces, tabs, carriage returns and comments, and newlines
// too when newlines is set.
func (s *lineScanner) skipBlank(newlines bool) {
	for !s.eof() {
		switch s.peek(0) {
		case ' ', '\t', '\r':
			s.next()
		case '\n':
			if !newlines {
				return
			}
			s.next()
		case '#':
			for !s.eof() && s.peek(0) != '\n' {
				s.next()
			}
		default:
			return
		}
	}
}

// header reads a [table] or [[array]] header and returns the path of the
// table it opens. A segment naming an array of tables stands for that
// array's latest block, as in TOML itself.
func (s *lineScanner) header() keyPath {
	line := s.line
	s.next()
	array := s.peek(0) == '['
	if array {
		s.next()
	}
	keys := s.key()
	for range 2 {
		s.skipBlank(false)
		if s.peek(0) == ']' {
			s.next()
		}
	}

	var p keyPath
	for i, k := range keys {
		p = p.key(k)
		s.mark(p, line)
		n := s.blocks[p.String()]
		switch {
		case array && i == len(keys)-1:
			s.blocks[p.String()] = n + 1
			p = p.index(n)
			s.mark(p, line)
		case n > 0:
			p = p.index(n - 1)
		}
	}
	return p
}

// keyValue reads `key = value` and records the key, any table its dotted
// form implies, and everything inside the value.
func (s *lineScanner) keyValue(table keyPath) {
	line := s.line
	keys := s.key()
	if len(keys) == 0 {
		return
	}
	p := table
	for _, k := range keys {
		p = p.key(k)
		s.mark(p, line)
	}
	s.skipBlank(false)
	if s.peek(0) != '=' {
		return
	}
	s.next()
	s.skipBlank(false)
	s.value(p)
}

// key reads a possibly dotted key and returns its segments, unquoted.
func (s *lineScanner) key() []string {
	var keys []string
	for {
		s.skipBlank(false)
		start := s.pos
		var k string
		switch s.peek(0) {
		case '"':
			k = s.basicString()
		case '\'':
			k = s.literalString()
		default:
			for !s.eof() && isKeyByte(s.peek(0)) {
				s.next()
			}
			k = string(s.src[start:s.pos])
		}
		if s.pos == start {
			return keys
		}
		keys = append(keys, k)
		s.skipBlank(false)
		if s.peek(0) != '.' {
			return keys
		}
		s.next()
	}
}

// isKeyByte accepts more than TOML's bare keys (any byte that cannot end a
// key), so that a key the TOML library accepts is never cut short.
func isKeyByte(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '.', '=', '[', ']', '{', '}', ',', '#', '"', '\'':
		return false
	}
	return true
}

// value steps over one value, recording the lines of array elements and of
// keys in inline tables.
func (s *lineScanner) value(p keyPath) {
	switch {
	case s.hasPrefix(`"""`):
		s.multiLineString('"')
	case s.hasPrefix(`'''`):
		s.multiLineString('\'')
	case s.peek(0) == '"':
		s.basicString()
	case s.peek(0) == '\'':
		s.literalString()
	case s.peek(0) == '[':
		s.array(p)
	case s.peek(0) == '{':
		s.inlineTable(p)
	default:
		// Numbers, booleans and dates, which may contain a space
		// ("1979-05-27 07:32:00Z") but none of these bytes.
		for !s.eof() && strings.IndexByte(",]}#\n", s.peek(0)) < 0 {
			s.next()
		}
	}
}

func (s *lineScanner) array(p keyPath) {
	s.next() // [
	for i := 0; ; i++ {
		s.skipBlank(true)
		if s.eof() {
			return
		}
		if s.peek(0) == ']' {
			s.next()
			return
		}
		start := s.pos
		s.mark(p.index(i), s.line)
		s.value(p.index(i))
		s.skipBlank(true)
		switch {
		case s.peek(0) == ',':
			s.next()
		case s.peek(0) == ']':
			s.next()
			return
		case s.pos == start:
			return
		}
	}
}

func (s *lineScanner) inlineTable(p keyPath) {
	s.next() // {
	for {
		// TOML 1.1, which the library reads, allows newlines here.
		s.skipBlank(true)
		if s.eof() {
			return
		}
		if s.peek(0) == '}' {
			s.next()
			return
		}
		start := s.pos
		s.keyValue(p)
		s.skipBlank(true)
		switch {
		case s.peek(0) == ',':
			s.next()
		case s.peek(0) == '}':
			s.next()
			return
		case s.pos == start:
			return
		}
	}
}

// basicString reads a "..." string and returns its contents unescaped.
func (s *lineScanner) basicString() string {
	s.next() // "
	start := s.pos
	for !s.eof() {
		switch s.peek(0) {
		case '\\':
			s.next()
		case '"':
			k := unescape(s.src[start:s.pos])
			s.next()
			return k
		case '\n':
			return string(s.src[start:s.pos])
		}
		s.next()
	}
	return string(s.src[start:s.pos])
}

// literalString reads a '...' string, which has no escapes.
func (s *lineScanner) literalString() string {
	s.next() // '
	start := s.pos
	for !s.eof() && s.peek(0) != '\'' && s.peek(0) != '\n' {
		s.next()
	}
	k := string(s.src[start:s.pos])
	if s.peek(0) == '\'' {
		s.next()
	}
	return k
}

// multiLineString steps over a multi-line string, basic or literal (q is
// its quote). Up to two quotes may directly precede the closing three, as in
// """a""""" (the string `a""`).
func (s *lineScanner) multiLineString(q byte) {
	delim := strings.Repeat(string(q), 3)
	s.pos += 3
	for !s.eof() {
		if q == '"' && s.peek(0) == '\\' {
			s.next()
			s.next()
			continue
		}
		if s.hasPrefix(delim) {
			s.pos += 3
			for range 2 {
				if s.peek(0) == q {
					s.next()
				}
			}
			return
		}
		s.next()
	}
}

// unescape decodes the escapes of a TOML basic string, so that a quoted key
// ("k\u00e9y") yields the key the TOML library reports. An invalid escape,
// which the library would have rejected, is kept as written.
func unescape(raw []byte) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 == len(raw) {
			b.WriteByte(c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case 'e':
			b.WriteByte(0x1b)
		case '"', '\\':
			b.WriteByte(raw[i])
		case 'x', 'u', 'U': // a code point in 2, 4 or 8 hex digits
			n := 2
			switch raw[i] {
			case 'u':
				n = 4
			case 'U':
				n = 8
			}
			if i+n < len(raw) {
				if r, err := strconv.ParseUint(string(raw[i+1:i+1+n]), 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += n
					continue
				}
			}
			b.WriteByte('\\')
			b.WriteByte(raw[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(raw[i])
		}
	}
	return b.String()
}
