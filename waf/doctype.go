package waf

import (
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// An XML document's document type declaration is where XXE lives: external entities
// (<!ENTITY x SYSTEM "file:///etc/passwd">), parameter entities that fetch a remote DTD
// and send a file out with it, an external DTD subset, entities that expand each other a
// billion times. Coraza's XML body processor reads element text and attribute values
// into XML:/* and XML://@* and drops the declaration, so no rule can see it; and a
// multipart upload's file parts (an SVG image, an Office document's XML) reach no rule
// at all.
//
// The action sidewalldoctype, run by a SecAction in phase 2 (SIDEWALL-488-XML.conf),
// reads the raw body of a request whose body processor is XML or MULTIPART, finds each
// "<!DOCTYPE" declaration and puts its text, internal subset and all, into
// TX:sidewall_xml_doctype (one value each, at most maxDoctypes of at most
// maxDoctypeBytes), for the rules to judge. It also notes in TX:sidewall_xml_xinclude an
// XInclude namespace in the body, which a multipart file's XML hides from XML://@*. A
// body in UTF-16, which XML allows and which hides every ASCII pattern, is read as the
// text it encodes.
//
// The body is scanned as Coraza holds it, in memory in one piece (up to 128 KB) or from
// its temporary file in chunks; a declaration split across chunks is found all the same.
const (
	doctypeAction = "sidewalldoctype"
	txDoctype     = "sidewall_xml_doctype"
	txXInclude    = "sidewall_xml_xinclude"

	maxDoctypes     = 8
	maxDoctypeBytes = 16 << 10
)

var (
	doctypeOpen = []byte("<!DOCTYPE")
	xincludeNS  = []byte("http://www.w3.org/2001/XInclude")
)

type doctyper struct{ argless }

func newDoctyper() plugintypes.Action { return doctyper{argless{doctypeAction}} }

// bodyReader is implemented by Coraza's transaction: the request body as buffered.
type bodyReader interface {
	RequestBodyReader() (io.Reader, error)
}

func (doctyper) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	switch tx.Variables().RequestBodyProcessor().Get() {
	case "XML", "MULTIPART":
	default:
		return
	}
	br, ok := tx.(bodyReader)
	if !ok {
		return
	}
	r, err := br.RequestBodyReader()
	if err != nil {
		return
	}
	var s doctypeScanner
	if _, err := io.Copy(&s, r); err != nil {
		return
	}
	s.flush()
	if len(s.decls) > 0 {
		tx.Variables().TX().Set(txDoctype, s.decls)
	}
	if s.xinclude {
		tx.Variables().TX().Set(txXInclude, []string{string(xincludeNS)})
	}
}

// doctypeScanner is an io.Writer that finds document type declarations in what is
// written to it, in as many pieces as it comes.
type doctypeScanner struct {
	started bool   // the first bytes have been seen (for the UTF-16 check)
	utf16   int    // 0: not UTF-16; 1: big-endian; 2: little-endian
	odd     []byte // a byte left over from the last piece: UTF-16's, or the first

	tail []byte // the last bytes of the previous piece, where a marker may begin

	cur      []byte // the declaration being read; nil when none
	quote    byte   // the quote the declaration is inside, or 0
	subset   bool   // inside the internal subset [ ... ]
	decls    []string
	xinclude bool
}

func (s *doctypeScanner) Write(p []byte) (int, error) {
	n := len(p)
	if !s.started {
		// The first two bytes tell UTF-16: wait for them.
		if len(s.odd)+len(p) < 2 {
			s.odd = append(s.odd, p...)
			return n, nil
		}
		p = append(s.odd, p...)
		s.odd = nil
		s.started = true
		s.utf16 = utf16Order(p)
	}
	if s.utf16 != 0 {
		p = s.decodeUTF16(p)
	}
	s.scan(p)
	return n, nil
}

// utf16Order tells a UTF-16 document from its first bytes: a byte order mark, or the
// "<" every XML document starts with next to a zero byte.
func utf16Order(p []byte) int {
	switch {
	case len(p) < 2:
		return 0
	case p[0] == 0xFE && p[1] == 0xFF, p[0] == 0 && p[1] == '<':
		return 1
	case p[0] == 0xFF && p[1] == 0xFE, p[0] == '<' && p[1] == 0:
		return 2
	}
	return 0
}

// decodeUTF16 turns a piece of UTF-16 into UTF-8, keeping an odd last byte for the
// next piece. (A surrogate pair split across pieces becomes two replacement
// characters: no marker has one.)
func (s *doctypeScanner) decodeUTF16(p []byte) []byte {
	if len(s.odd) > 0 {
		p = append(s.odd, p...)
		s.odd = nil
	}
	if len(p)%2 == 1 {
		s.odd = []byte{p[len(p)-1]}
		p = p[:len(p)-1]
	}
	units := make([]uint16, len(p)/2)
	for i := range units {
		if s.utf16 == 1 {
			units[i] = uint16(p[2*i])<<8 | uint16(p[2*i+1])
		} else {
			units[i] = uint16(p[2*i+1])<<8 | uint16(p[2*i])
		}
	}
	out := make([]byte, 0, len(units))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out
}

// scan reads one piece: it continues a declaration begun in an earlier piece, then
// looks for the markers, including one that began in the previous piece's tail.
func (s *doctypeScanner) scan(p []byte) {
	for len(p) > 0 {
		if s.cur != nil {
			p = s.capture(p)
			continue
		}
		if t := len(s.tail); t > 0 {
			if len(p) < markerTail {
				// A short piece: read it with the tail, as one.
				p = append(s.tail, p...)
				s.tail = nil
			} else {
				// A marker that straddles the tail and this piece starts in the tail.
				joint := append(s.tail, p[:markerTail]...)
				s.tail = nil
				if i := bytes.Index(joint, xincludeNS); i >= 0 && i < t {
					s.xinclude = true
				}
				if i := bytes.Index(joint, doctypeOpen); i >= 0 && i < t {
					s.cur = bytes.Clone(joint[i:t])
					continue // the declaration goes on in p
				}
			}
		}
		if !s.xinclude && bytes.Contains(p, xincludeNS) {
			s.xinclude = true
		}
		i := bytes.Index(p, doctypeOpen)
		if i < 0 {
			// Keep the end of p that could begin a marker.
			s.tail = append(s.tail[:0], p[max(0, len(p)-markerTail):]...)
			return
		}
		s.cur = []byte{}
		p = p[i:]
	}
}

// markerTail is how much of a piece's end could be the start of a marker.
var markerTail = max(len(doctypeOpen), len(xincludeNS)) - 1

// capture adds p to the declaration being read up to the ">" that ends it (outside
// quotes and the internal subset), and returns what follows. A declaration longer than
// maxDoctypeBytes is kept to that length and read on to its end.
func (s *doctypeScanner) capture(p []byte) []byte {
	for i, c := range p {
		switch {
		case s.quote != 0:
			if c == s.quote {
				s.quote = 0
			}
		case c == '"' || c == '\'':
			s.quote = c
		case c == '[':
			s.subset = true
		case c == ']':
			s.subset = false
		case c == '>' && !s.subset:
			s.add(p[:i+1])
			s.end()
			return p[i+1:]
		}
	}
	s.add(p)
	return nil
}

func (s *doctypeScanner) add(p []byte) {
	if room := maxDoctypeBytes - len(s.cur); room > 0 {
		s.cur = append(s.cur, p[:min(len(p), room)]...)
	}
}

func (s *doctypeScanner) end() {
	if len(s.decls) < maxDoctypes {
		s.decls = append(s.decls, string(s.cur))
	}
	s.cur, s.quote, s.subset = nil, 0, false
}

// flush ends a declaration the body cut off: what there is of it is judged too.
func (s *doctypeScanner) flush() {
	if s.cur != nil {
		s.end()
	}
}
