package waf

import (
	"strings"
	"unicode/utf8"
)

// The operator @detectTraversal (a finderOp of findTraversal and traversalMayMatch)
// reads a value for a path that climbs out of its directory once every encoding a
// server or framework undoes is undone:
// percent-encoding however often it was applied (%252e, and %%32%65, which decodes to
// %2e and then to "."), IIS's %u002e, overlong UTF-8 (C0 AE for ".", C0 AF for "/", in
// bytes or percent-encoded), the fullwidth forms IIS maps to ASCII (U+FF0E, U+FF0F,
// U+2215), backslashes for slashes, and the doubled sequences a filter that strips
// "../" once turns back into it (....//, ..././). It captures the path as it reads
// after the decoding as TX.0.
//
// A plain "../" is the CRS's 930110; this operator matches a traversal only when it
// took decoding to see, where 930110 reads the value as it is. A relative path in an
// ordinary value ("../img/a.png" in a code sample) is left to the CRS as it was.
//
// The operator @detectOSFile (a finderOp of findOSFile and osFileMayMatch) matches a
// path, after the same decoding, that names a file of an operating system or a Java
// web application: /etc/passwd, C:\Windows\win.ini, WEB-INF/web.xml, whether reached
// by a traversal, an absolute path or a file: URL. The CRS's 930120 reads arguments
// and cookies for those names; the rule that runs this operator reads the path, the
// headers and upload file names.

// traversalMayMatch: a traversal needs dots, or an encoding of them, or a byte of an
// overlong or fullwidth form.
func traversalMayMatch(v string) bool {
	return strings.Contains(v, "..") || strings.IndexByte(v, '%') >= 0 || hasHighByte(v)
}

// osFileMayMatch: a file's path has a slash or an encoding of one, and one of the
// names of traversalFiles.
func osFileMayMatch(v string) bool {
	if strings.IndexByte(v, '%') >= 0 || hasHighByte(v) {
		return true
	}
	return strings.IndexAny(v, `/\`) >= 0 && osFileWords.in(v)
}

// osFileWords are words every path of traversalFiles has.
var osFileWords = newWordSet("etc", "proc", "ssh", "bash_history", "htpasswd", "win", "boot.ini", "inetpub", "-inf")

func hasHighByte(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			return true
		}
	}
	return false
}

// wordSet finds words in a value, ASCII case aside. Its table of the words' first bytes
// passes over most bytes at one lookup: osFileMayMatch asks it of nearly every value
// of a request, and comparing each byte with each word was 1% of a benign GET.
type wordSet struct {
	first [256]bool
	words []string // lower case
}

func newWordSet(words ...string) *wordSet {
	ws := &wordSet{}
	for _, w := range words {
		w = strings.ToLower(w)
		ws.words = append(ws.words, w)
		ws.first[w[0]] = true
		ws.first[upper(w[0])] = true
	}
	return ws
}

// in reports whether s contains one of the words, ASCII case aside.
func (ws *wordSet) in(s string) bool {
	for i := 0; i < len(s); i++ {
		if !ws.first[s[i]] {
			continue
		}
		for _, w := range ws.words {
			if i+len(w) <= len(s) && hasPrefixFold(s[i:], w) {
				return true
			}
		}
	}
	return false
}

// traversalFiles are files of an operating system or a Java web application that a
// traversal or an absolute path reaches for, as they read after decoding, lower-cased,
// with slashes.
var traversalFiles = []string{
	"/etc/passwd", "/etc/shadow", "/etc/hosts", "/etc/group", "/etc/issue", "/etc/hostname",
	"/proc/self/", "/proc/version", "/root/.ssh/", "/.ssh/id_", "/.bash_history", "/.htpasswd",
	"/windows/win.ini", "/winnt/win.ini", "/boot.ini", "/windows/system32/", "/inetpub/",
	"/web-inf/web.xml", "/meta-inf/manifest.mf",
}

// findTraversal returns the value as decoded when it holds a traversal that only the
// decoding shows.
func findTraversal(v string) (string, bool) {
	if hasTraversal(strings.ReplaceAll(v, `\`, "/")) {
		return "", false // 930110's: a traversal in plain sight
	}
	d := decodePath(v)
	if hasTraversal(d) || hasTraversal(stripOnce(d)) {
		return clip(d), true
	}
	return "", false
}

// findOSFile returns the value as decoded when it names one of traversalFiles.
func findOSFile(v string) (string, bool) {
	d := decodePath(v)
	lower := strings.ToLower(d)
	for _, f := range traversalFiles {
		if strings.Contains(lower, f) {
			return clip(d), true
		}
	}
	return "", false
}

func clip(s string) string { return s[:min(len(s), 128)] }

// hasTraversal reports whether the path s (slashes only) has a ".." segment that
// leads somewhere: followed by a slash or a Tomcat path parameter (..;/).
func hasTraversal(s string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], "..")
		if i < 0 {
			return false
		}
		i += off
		off = i + 2
		if i > 0 && s[i-1] != '/' {
			continue
		}
		if off == len(s) && i > 0 || off < len(s) && (s[off] == '/' || s[off] == ';') {
			return true
		}
	}
}

// stripOnce removes every "../" once, as a naive filter does: "....//" becomes "../".
func stripOnce(s string) string { return strings.ReplaceAll(s, "../", "") }

// decodePath undoes the encodings of a path, up to four rounds of percent-decoding,
// and maps backslashes and the overlong and fullwidth forms of '.', '/' and '\' to
// ASCII; the result has slashes only.
func decodePath(s string) string {
	for range 4 {
		d := percentDecode(s)
		if d == s {
			break
		}
		s = d
	}
	s = asciiForms(s)
	return strings.ReplaceAll(s, `\`, "/")
}

// percentDecode decodes %XX and IIS's %uXXXX once, leaving a '%' that begins neither.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
				i += 2
				continue
			}
			if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') && isHex(s[i+2]) && isHex(s[i+3]) && isHex(s[i+4]) && isHex(s[i+5]) {
				r := rune(unhex(s[i+2]))<<12 | rune(unhex(s[i+3]))<<8 | rune(unhex(s[i+4]))<<4 | rune(unhex(s[i+5]))
				b.WriteRune(r)
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// asciiForms maps the overlong UTF-8 encodings of ASCII (two, three and four bytes)
// and the fullwidth and look-alike forms of '.', '/' and '\' to their ASCII bytes.
func asciiForms(s string) string {
	if !hasHighByte(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := overlongLen(s, i); n > 0 {
			b.WriteByte(overlongASCII(s[i : i+n]))
			i += n
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\uFF0E', '\u2024', '\uFE52':
			b.WriteByte('.')
		case '\uFF0F', '\u2215', '\u2044':
			b.WriteByte('/')
		case '\uFF3C', '\u2216', '\uFE68':
			b.WriteByte('\\')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// overlongASCII is the byte an overlong sequence hides, for the forms of ASCII (larger
// code points become '?').
func overlongASCII(seq string) byte {
	if r := overlongRune(seq); r < 0x80 {
		return byte(r)
	}
	return '?'
}
