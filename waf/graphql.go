package waf

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// GraphQL documents are a language of their own, and the CRS reads one as text: a query's
// selection sets ("{ node { id } }") look like shell brace groups to 932235, its
// variables ("$first", "$filter") like MongoDB operators to 942290. In a document, though,
// only string literals can carry what an attacker writes for another interpreter: names
// are [_A-Za-z][_0-9A-Za-z]*, and nothing else in the grammar holds a quote, a '<', a ';'
// or a space inside a token. So a value that parses as a GraphQL executable document is
// inspected as its string literals (graphqlStrings), each an argument of its own, and not
// as text. A value that does not parse, however close, is inspected as it is.
//
// A flat selection set of bare names is not taken for GraphQL: "{,ip,a}" is a valid one
// (commas are white space to GraphQL) and a shell's brace expansion, which runs "ip a".
// graphqlStrings asks for what real documents have and brace expansions cannot: a nested
// selection set, or arguments, or variables.
//
// The parser follows the GraphQL specification (October 2021) for executable documents:
// operations, fragments, selection sets, arguments, variables, directives and values.
// Type system definitions (schema SDL) are not accepted: clients do not send them.

// errNotGraphQL is returned for a value that is not a GraphQL executable document.
var errNotGraphQL = errors.New("not a GraphQL document")

// maxGraphQLDepth bounds the nesting the parser follows (selection sets, lists, objects):
// deeper than any real query, and it keeps the recursion short.
const maxGraphQLDepth = 64

// looksLikeGraphQL is a cheap test before parsing: a document begins with a selection set
// or an operation or fragment keyword (after ignored tokens, which a value rarely
// starts with).
func looksLikeGraphQL(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n,\ufeff")
	if s == "" {
		return false
	}
	if s[0] == '{' || s[0] == '#' {
		return true
	}
	for _, kw := range [...]string{"query", "mutation", "subscription", "fragment"} {
		if strings.HasPrefix(s, kw) {
			return true
		}
	}
	return false
}

// graphqlStrings parses s as a GraphQL executable document and returns the values of its
// string literals (block strings included), or errNotGraphQL.
func graphqlStrings(s string) ([]string, error) {
	p := gqlParser{lex: gqlLexer{src: s}}
	p.next()
	if p.tok.kind == gqlEOF {
		return nil, errNotGraphQL
	}
	for p.tok.kind != gqlEOF {
		if !p.definition() {
			return nil, errNotGraphQL
		}
	}
	if p.lex.err || !p.structured {
		return nil, errNotGraphQL
	}
	return p.strings, nil
}

type gqlKind uint8

const (
	gqlEOF gqlKind = iota
	gqlPunct
	gqlName
	gqlNumber
	gqlString
	gqlBad
)

type gqlToken struct {
	kind gqlKind
	text string // the punctuator, the name, the number, or the string's value
}

type gqlLexer struct {
	src string
	pos int
	err bool // a token the grammar has no room for: the value is not GraphQL
}

// next returns the next token, skipping ignored tokens: white space, commas, line
// terminators, comments and a byte order mark.
func (l *gqlLexer) next() gqlToken {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case strings.HasPrefix(l.src[l.pos:], "\ufeff"):
			l.pos += len("\ufeff")
		default:
			return l.token()
		}
	}
	return gqlToken{kind: gqlEOF}
}

func (l *gqlLexer) token() gqlToken {
	start := l.pos
	c := l.src[l.pos]
	switch {
	case strings.IndexByte("!$&():=@[]{}|", c) >= 0:
		l.pos++
		return gqlToken{kind: gqlPunct, text: l.src[start:l.pos]}
	case strings.HasPrefix(l.src[l.pos:], "..."):
		l.pos += 3
		return gqlToken{kind: gqlPunct, text: "..."}
	case c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z':
		for l.pos < len(l.src) && isNameByte(l.src[l.pos]) {
			l.pos++
		}
		return gqlToken{kind: gqlName, text: l.src[start:l.pos]}
	case c == '-' || '0' <= c && c <= '9':
		return l.number()
	case strings.HasPrefix(l.src[l.pos:], `"""`):
		return l.blockString()
	case c == '"':
		return l.string()
	}
	l.err = true
	return gqlToken{kind: gqlBad}
}

func isNameByte(c byte) bool {
	return c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

func (l *gqlLexer) digits() int {
	start := l.pos
	for l.pos < len(l.src) && '0' <= l.src[l.pos] && l.src[l.pos] <= '9' {
		l.pos++
	}
	return l.pos - start
}

func (l *gqlLexer) number() gqlToken {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
	}
	if n := l.digits(); n == 0 || n > 1 && l.src[l.pos-n] == '0' {
		l.err = true // no digits, or a leading zero
		return gqlToken{kind: gqlBad}
	}
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		if l.digits() == 0 {
			l.err = true
			return gqlToken{kind: gqlBad}
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
			l.pos++
		}
		if l.digits() == 0 {
			l.err = true
			return gqlToken{kind: gqlBad}
		}
	}
	// A number may not run into a name or a dot ("1x", "1.2.3").
	if l.pos < len(l.src) && (isNameByte(l.src[l.pos]) || l.src[l.pos] == '.') {
		l.err = true
		return gqlToken{kind: gqlBad}
	}
	return gqlToken{kind: gqlNumber, text: l.src[start:l.pos]}
}

// string reads a "quoted" string with its escapes; it may not span lines.
func (l *gqlLexer) string() gqlToken {
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == '"':
			l.pos++
			return gqlToken{kind: gqlString, text: b.String()}
		case c == '\n' || c == '\r':
			l.err = true
			return gqlToken{kind: gqlBad}
		case c == '\\':
			if !l.escape(&b) {
				l.err = true
				return gqlToken{kind: gqlBad}
			}
		default:
			b.WriteByte(c)
			l.pos++
		}
	}
	l.err = true
	return gqlToken{kind: gqlBad}
}

// escape reads one escape sequence at l.pos into b.
func (l *gqlLexer) escape(b *strings.Builder) bool {
	if l.pos+1 >= len(l.src) {
		return false
	}
	e := l.src[l.pos+1]
	l.pos += 2
	switch e {
	case '"', '\\', '/':
		b.WriteByte(e)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		var hex string
		if strings.HasPrefix(l.src[l.pos:], "{") { // \u{1F600}
			end := strings.IndexByte(l.src[l.pos:], '}')
			if end < 2 || end > 7 {
				return false
			}
			hex, l.pos = l.src[l.pos+1:l.pos+end], l.pos+end+1
		} else {
			if l.pos+4 > len(l.src) {
				return false
			}
			hex, l.pos = l.src[l.pos:l.pos+4], l.pos+4
		}
		r, err := strconv.ParseUint(hex, 16, 32)
		if err != nil || r > utf8.MaxRune {
			return false
		}
		b.WriteRune(rune(r))
	default:
		return false
	}
	return true
}

// blockString reads a """block string""", whose only escape is \""". Its value is taken
// as written (the spec's indentation stripping changes only white space, which no rule
// relies on).
func (l *gqlLexer) blockString() gqlToken {
	l.pos += 3
	var b strings.Builder
	for l.pos < len(l.src) {
		switch {
		case strings.HasPrefix(l.src[l.pos:], `\"""`):
			b.WriteString(`"""`)
			l.pos += 4
		case strings.HasPrefix(l.src[l.pos:], `"""`):
			l.pos += 3
			return gqlToken{kind: gqlString, text: b.String()}
		default:
			b.WriteByte(l.src[l.pos])
			l.pos++
		}
	}
	l.err = true
	return gqlToken{kind: gqlBad}
}

// gqlParser is a recursive-descent parser of executable documents that keeps only what
// the WAF needs: whether the value is one, and its string literals.
type gqlParser struct {
	lex     gqlLexer
	tok     gqlToken
	depth   int
	strings []string
	// structured is set by a nested selection set, arguments or variable definitions.
	sets       int // selection sets open now
	structured bool
}

func (p *gqlParser) next() { p.tok = p.lex.next() }

func (p *gqlParser) is(punct string) bool { return p.tok.kind == gqlPunct && p.tok.text == punct }

func (p *gqlParser) accept(punct string) bool {
	if p.is(punct) {
		p.next()
		return true
	}
	return false
}

func (p *gqlParser) name() bool {
	if p.tok.kind != gqlName {
		return false
	}
	p.next()
	return true
}

func (p *gqlParser) keyword(kw string) bool {
	if p.tok.kind == gqlName && p.tok.text == kw {
		p.next()
		return true
	}
	return false
}

func (p *gqlParser) enter() bool {
	p.depth++
	return p.depth <= maxGraphQLDepth
}

func (p *gqlParser) definition() bool {
	switch {
	case p.is("{"):
		return p.selectionSet()
	case p.keyword("fragment"):
		// fragment Name on Type Directives? SelectionSet; the name may not be "on".
		if p.tok.kind != gqlName || p.tok.text == "on" || !p.name() || !p.keyword("on") || !p.name() {
			return false
		}
		return p.directives() && p.selectionSet()
	case p.keyword("query"), p.keyword("mutation"), p.keyword("subscription"):
		if p.tok.kind == gqlName {
			p.next()
		}
		if p.is("(") && !p.variableDefinitions() {
			return false
		}
		return p.directives() && p.selectionSet()
	}
	return false
}

func (p *gqlParser) variableDefinitions() bool {
	p.structured = true
	p.next() // (
	if p.is(")") {
		return false // at least one definition
	}
	for !p.accept(")") {
		if !p.accept("$") || !p.name() || !p.accept(":") || !p.typeRef() {
			return false
		}
		if p.accept("=") && !p.value(true) {
			return false
		}
		if !p.directives() {
			return false
		}
	}
	return true
}

func (p *gqlParser) typeRef() bool {
	if !p.enter() {
		return false
	}
	defer func() { p.depth-- }()
	switch {
	case p.accept("["):
		if !p.typeRef() || !p.accept("]") {
			return false
		}
	case !p.name():
		return false
	}
	p.accept("!")
	return true
}

func (p *gqlParser) directives() bool {
	for p.accept("@") {
		if !p.name() || p.is("(") && !p.arguments() {
			return false
		}
	}
	return true
}

func (p *gqlParser) selectionSet() bool {
	if !p.accept("{") || !p.enter() {
		return false
	}
	p.sets++
	p.structured = p.structured || p.sets > 1
	defer func() { p.depth--; p.sets-- }()
	if p.is("}") {
		return false // at least one selection
	}
	for !p.accept("}") {
		if !p.selection() {
			return false
		}
	}
	return true
}

func (p *gqlParser) selection() bool {
	if p.accept("...") {
		if p.tok.kind == gqlName && p.tok.text != "on" { // a fragment spread
			p.next()
			return p.directives()
		}
		if p.keyword("on") && !p.name() { // an inline fragment with a type condition
			return false
		}
		return p.directives() && p.selectionSet()
	}
	if !p.name() { // a field, or its alias
		return false
	}
	if p.accept(":") && !p.name() {
		return false
	}
	if p.is("(") && !p.arguments() {
		return false
	}
	if !p.directives() {
		return false
	}
	if p.is("{") {
		return p.selectionSet()
	}
	return true
}

func (p *gqlParser) arguments() bool {
	p.structured = true
	p.next() // (
	if p.is(")") {
		return false
	}
	for !p.accept(")") {
		if !p.name() || !p.accept(":") || !p.value(false) {
			return false
		}
	}
	return true
}

// value parses a value; constant values (defaults) may not hold variables.
func (p *gqlParser) value(constant bool) bool {
	if !p.enter() {
		return false
	}
	defer func() { p.depth-- }()
	switch p.tok.kind {
	case gqlString:
		p.strings = append(p.strings, p.tok.text)
		p.next()
		return true
	case gqlNumber, gqlName: // numbers, true, false, null, enum values
		p.next()
		return true
	}
	switch {
	case !constant && p.accept("$"):
		return p.name()
	case p.accept("["):
		for !p.accept("]") {
			if p.tok.kind == gqlEOF || !p.value(constant) {
				return false
			}
		}
		return true
	case p.accept("{"):
		for !p.accept("}") {
			if !p.name() || !p.accept(":") || !p.value(constant) {
				return false
			}
		}
		return true
	}
	return false
}
