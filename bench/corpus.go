package main

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// kind is a kind of request; each has its corpus in testdata/<kind>.http.
type kind string

const (
	kindGet    kind = "get"    // benign GETs of a shop, as browsers send them
	kindPost   kind = "post"   // benign POSTs of about 1 KB: a form and JSON
	kindAttack kind = "attack" // GETs the CRS denies at paranoia level 1
)

// corpusRequest is one request of a corpus file.
type corpusRequest struct {
	Method, Target string
	Header         []string // "Name: value", in order
	Body           string
}

// parseCorpus reads the .http format of testdata/: requests separated by lines "###",
// each a request line "METHOD TARGET", header lines, and after a blank line an optional
// body. Lines starting with '#' before a request line are comments.
func parseCorpus(name, text string) ([]corpusRequest, error) {
	var out []corpusRequest
	for i, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n###") {
		block = strings.TrimPrefix(block, "\n")
		lines := strings.Split(block, "\n")
		for len(lines) > 0 && (strings.HasPrefix(lines[0], "#") || strings.TrimSpace(lines[0]) == "") {
			lines = lines[1:]
		}
		if len(lines) == 0 {
			continue
		}
		f := strings.Fields(lines[0])
		if len(f) != 2 || !strings.HasPrefix(f[1], "/") {
			return nil, fmt.Errorf("%s: request %d: want \"METHOD /target\", got %q", name, i+1, lines[0])
		}
		r := corpusRequest{Method: f[0], Target: f[1]}
		lines = lines[1:]
		for len(lines) > 0 && lines[0] != "" {
			if !strings.Contains(lines[0], ":") {
				return nil, fmt.Errorf("%s: request %d: bad header line %q", name, i+1, lines[0])
			}
			r.Header = append(r.Header, lines[0])
			lines = lines[1:]
		}
		if len(lines) > 0 {
			r.Body = strings.TrimRight(strings.Join(lines[1:], "\n"), "\n")
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no requests", name)
	}
	return out, nil
}

// loadCorpus reads testdata/<k>.http of the bench directory.
func loadCorpus(benchDir string, k kind) ([]corpusRequest, error) {
	name := filepath.Join(benchDir, "testdata", string(k)+".http")
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	return parseCorpus(name, string(b))
}

// raw renders r as an HTTP/1.1 request sent from the client at addr (X-Forwarded-For).
func (r corpusRequest) raw(addr netip.Addr) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.Target + " HTTP/1.1\r\n")
	for _, h := range r.Header {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("X-Forwarded-For: " + addr.String() + "\r\n")
	if r.Body != "" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(r.Body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return b.String()
}

// clientAddrs returns n client addresses for the bench traffic, from the documentation
// ranges 198.51.100.0/24, 192.0.2.0/24 and 2001:db8:1::/48 (one in seven IPv6): none is on
// the bench blocklist, and enough of them that the limiter and limit_req keep many keys
// rather than one hot one.
func clientAddrs(n int) []netip.Addr {
	out := make([]netip.Addr, 0, n)
	for i := 0; i < n; i++ {
		switch {
		case i%7 == 6:
			out = append(out, netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, byte(i >> 8), byte(i), 14: byte(i >> 8), 15: byte(i)}))
		case i%2 == 0:
			out = append(out, netip.AddrFrom4([4]byte{198, 51, 100, byte(i/2%254 + 1)}))
		default:
			out = append(out, netip.AddrFrom4([4]byte{192, 0, 2, byte(i/2%254 + 1)}))
		}
	}
	return out
}

// writeLuaData writes the Lua data file that testdata/wrk.lua loads: a list of raw
// requests, each corpus request from each of the addresses in turn, so that consecutive
// requests differ both in what they ask and in who asks.
func writeLuaData(path string, reqs []corpusRequest, addrs []netip.Addr) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString("return {\n")
	for i, a := range addrs {
		w.WriteString(luaQuote(reqs[i%len(reqs)].raw(a)))
		w.WriteString(",\n")
	}
	w.WriteString("}\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// luaQuote quotes s as a Lua string literal that LuaJIT (wrk's Lua) reads back byte for
// byte: only the decimal escape \ddd, which every Lua has, for anything unprintable.
func luaQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
