package blocklist

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParsePrefix parses one list entry: an address ("192.0.2.1", "2001:db8::1")
// or a CIDR prefix ("192.0.2.0/24", "2001:db8::/32"), with surrounding white
// space ignored. An address becomes a /32 or /128 prefix; IPv4-mapped IPv6
// ("::ffff:192.0.2.1", "::ffff:192.0.2.0/120") becomes IPv4; host bits
// ("192.0.2.1/24") are masked off, as New would do. Zones ("fe80::1%eth0")
// are refused: a list names addresses, not interfaces.
//
// The error says what was wrong with the entry and starts with "blocklist:".
func ParsePrefix(s string) (netip.Prefix, error) {
	p, err := parsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("blocklist: %q: %w", s, err)
	}
	return p, nil
}

// parsePrefix parses a trimmed entry. Its errors are bare reasons, so that
// ParsePrefix and LineError can each put their own context in front.
func parsePrefix(s string) (netip.Prefix, error) {
	// Catch the shapes people actually write by mistake before netip does,
	// so the reason names the mistake rather than the first bad byte.
	switch {
	case s == "":
		return netip.Prefix{}, errors.New("empty entry")
	case isRange(s):
		return netip.Prefix{}, errors.New("address ranges (a-b) are not supported; write CIDR prefixes")
	case strings.ContainsAny(s, " \t\v\f\r\n"):
		return netip.Prefix{}, errors.New("text after the entry (comments start with # or ;)")
	case strings.Contains(s, "%"):
		return netip.Prefix{}, errors.New("zones (%name) are not allowed in a list")
	case strings.HasPrefix(s, "/"):
		return netip.Prefix{}, errors.New("missing address before /")
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, netipError{err}
		}
		p, _ := normalise(netip.PrefixFrom(a, a.BitLen()))
		return p, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, netipError{err}
	}
	p, _ = normalise(p)
	return p, nil
}

// isRange reports whether s looks like "192.0.2.1-192.0.2.9" or
// "192.0.2.1 - 192.0.2.9", a form some lists use and this package does not
// read.
func isRange(s string) bool {
	before, _, ok := strings.Cut(s, "-")
	if !ok || strings.Contains(s, "/") {
		return false
	}
	_, err := netip.ParseAddr(strings.TrimSpace(before))
	return err == nil
}

// netipError is a net/netip parse error with the calls it names removed from
// its text: netip writes `netip.ParsePrefix("x/99"): ParseAddr("x"): reason`,
// and our messages already quote the entry once. Unwrap returns the original.
type netipError struct{ err error }

func (e netipError) Unwrap() error { return e.err }

func (e netipError) Error() string {
	msg := e.err.Error()
	for _, call := range []string{"netip.ParsePrefix(", "ParseAddr("} {
		rest, ok := strings.CutPrefix(msg, call)
		if !ok {
			continue
		}
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			break
		}
		if rest, ok = strings.CutPrefix(rest[len(q):], "): "); ok {
			msg = rest
		}
	}
	return msg
}

// LineError is a list line that could not be parsed. Parse reports every bad
// line and goes on, so a single typo in a feed does not drop the whole list.
type LineError struct {
	File string // the name given to Parse
	Line int    // 1-based line number
	Text string // the entry as written, without comment; cut to 128 bytes
	Err  error  // why it was refused
}

func (e *LineError) Error() string {
	return fmt.Sprintf("blocklist: %s:%d: %q: %v", e.File, e.Line, e.Text, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// maxLine bounds the memory Parse holds for one line. Real entries are a few
// dozen bytes; a longer line can only be a comment (which is skipped whatever
// its length) or garbage (which is reported).
const maxLine = 4096

// maxText bounds LineError.Text, so a garbage file cannot fill the logs.
const maxText = 128

var errLongLine = fmt.Errorf("line longer than %d bytes", maxLine)

// Parse reads a list with one address or CIDR prefix per line, in the forms
// ParsePrefix accepts. '#' and ';' start a comment, on a line of its own or
// after an entry; blank lines, surrounding white space, CRLF line ends and a
// leading UTF-8 byte order mark are ignored. FireHOL .netset files and
// Spamhaus DROP/EDROP/DROPv6 text files ("192.0.2.0/24 ; SBL123") read as
// they are.
//
// A bad line does not stop parsing: it is reported as a *LineError in errs,
// in line order, and the next line is read. err is set only when reading r
// fails (it is then wrapped with name); the prefixes and errs read until then
// are still returned. name is used in errors, typically the file name.
func Parse(r io.Reader, name string) (prefixes []netip.Prefix, errs []*LineError, err error) {
	br := bufio.NewReaderSize(r, maxLine)
	for n := 1; ; n++ {
		line, rerr := br.ReadSlice('\n')
		long := rerr == bufio.ErrBufferFull
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		// Only the first maxLine bytes are kept; the entry must be in them.
		text := line
		if i := bytes.IndexAny(text, "#;"); i >= 0 {
			text, long = text[:i], false
		}
		text = bytes.TrimSpace(text)
		switch {
		case long:
			errs = append(errs, &LineError{File: name, Line: n, Text: cut(text), Err: errLongLine})
		case len(text) > 0:
			p, perr := parsePrefix(string(text))
			if perr != nil {
				errs = append(errs, &LineError{File: name, Line: n, Text: cut(text), Err: perr})
			} else {
				prefixes = append(prefixes, p)
			}
		}
		// Skip the rest of an overlong line; line is not used after this.
		for rerr == bufio.ErrBufferFull {
			_, rerr = br.ReadSlice('\n')
		}
		switch {
		case rerr == io.EOF:
			return prefixes, errs, nil
		case rerr != nil:
			return prefixes, errs, fmt.Errorf("blocklist: reading %s: %w", name, rerr)
		}
	}
}

// cut shortens b to maxText bytes without splitting a UTF-8 sequence.
func cut(b []byte) string {
	if len(b) <= maxText {
		return string(b)
	}
	i := maxText
	for i > maxText-utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return string(b[:i]) + "..."
}
