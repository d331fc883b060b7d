package waf

import (
	"slices"
	"strings"
	"testing"
)

func TestGraphQLStrings(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // nil: not a document
	}{
		{"query with variables", `query Search($q: String!, $first: Int = 10) { search(query: $q, first: $first) { nodes { id title } } }`, []string{}},
		{"literals in arguments", `{ product(handle: "red-shoes", lang: "de") { title } }`, []string{"red-shoes", "de"}},
		{"escapes", `{ a(s: "line\nnext \"q\" \u00e9 \u{1F600}") { b } }`, []string{"line\nnext \"q\" é 😀"}},
		{"block string", "mutation { post(body: \"\"\"a \\\"\"\" b\nc\"\"\") { id } }", []string{"a \"\"\" b\nc"}},
		{"fragments and directives", `query Q { viewer { ...F @include(if: true) ... on User { name } } } fragment F on User { id avatar(size: 64) }`, []string{}},
		{"lists and objects", `mutation { add(input: {tags: ["a", "b"], n: -1.5e3, e: RED, z: null}) { ok } }`, []string{"a", "b"}},
		{"comments and commas", "# get\n{ a, b { c, d } }", []string{}},
		{"SQL inside a literal is kept", `{ search(q: "1' OR '1'='1") { id } }`, []string{"1' OR '1'='1"}},
		{"shell brace expansion", "{,ip,a}", nil},
		{"flat selection only", "{ id name }", nil},
		{"single quotes", `{ a(b: 'x') { c } }`, nil},
		{"unterminated string", `{ a(b: "x) { c } }`, nil},
		{"unbalanced", `{ a { b }`, nil},
		{"text that starts like a query", "query the database for users", nil},
		{"SQL", "query { union select password from users }", nil},
		{"number run into a name", `{ a(b: 1x) { c } }`, nil},
		{"empty selection", `{ a { } }`, nil},
		{"empty", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := graphqlStrings(tc.doc)
			if tc.want == nil {
				if err == nil {
					t.Errorf("parsed as GraphQL (%q); want not a document", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("not parsed: %v", err)
			}
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("strings %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzGraphQLStrings: the parser never panics, and a document it accepts holds, outside
// its string literals and comments, nothing but what GraphQL's grammar allows: names,
// numbers, punctuators and white space. No quote of another language, no '<', ';' or '`'
// can hide in what sidewall stops inspecting.
func FuzzGraphQLStrings(f *testing.F) {
	for _, s := range []string{`query Q($a: Int) { b(c: $a) { d } }`, `{ a(b: "x") { c } }`, "{,ip,a}", "mutation { x(y: \"\"\"z\"\"\") { w } }"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, err := graphqlStrings(s); err != nil {
			return
		}
		l := gqlLexer{src: s}
		for {
			start := l.pos
			tok := l.next()
			if tok.kind == gqlEOF {
				break
			}
			if tok.kind == gqlString {
				continue
			}
			text := s[start:l.pos]
			if i := strings.IndexAny(text, "'`;<>\\%&|*?~^"); i >= 0 && !strings.HasPrefix(strings.TrimLeft(text, " \t\r\n,\ufeff"), "#") {
				// '&' and '|' are GraphQL punctuators but not in executable documents.
				if tok.kind != gqlPunct {
					t.Fatalf("accepted %q with %q outside a literal", s, text)
				}
			}
		}
	})
}
