package blocklist

import (
	"bytes"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// FuzzParsePrefix checks that ParsePrefix never panics, that whatever it
// accepts is in normal form, round-trips through its String form and is
// found by a Set built from it, and that it accepts everything net/netip does
// (except zones, which lists must not carry).
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{
		"192.0.2.1", "192.0.2.0/24", "192.0.2.77/24", "0.0.0.0/0", "2001:db8::1", "2001:db8::/32",
		"::ffff:192.0.2.1", "::ffff:192.0.2.0/120", "::ffff:0:0/95", "::", "::/0", " 192.0.2.1 ",
		"fe80::1%eth0", "192.0.2.1-192.0.2.9", "192.0.2.0/33", "/24", "01.2.3.4", "1.2.3.4/ 24",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "blocklist: ") {
				t.Fatalf("error %q lacks the package name", err)
			}
			trimmed := strings.TrimSpace(s)
			if strings.Contains(trimmed, "%") {
				return
			}
			if _, nerr := netip.ParsePrefix(trimmed); nerr == nil {
				t.Fatalf("netip accepts %q but ParsePrefix says %v", s, err)
			}
			if _, nerr := netip.ParseAddr(trimmed); nerr == nil {
				t.Fatalf("netip accepts %q but ParsePrefix says %v", s, err)
			}
			return
		}
		checkAccepted(t, p)
		if again, err := ParsePrefix(p.String()); err != nil || again != p {
			t.Fatalf("%q -> %v does not round-trip: %v, %v", s, p, again, err)
		}
	})
}

// checkAccepted checks that p is in the form ParsePrefix promises and that a
// Set holding it reports its first and last address as listed, with p as the
// entry.
func checkAccepted(t *testing.T, p netip.Prefix) {
	t.Helper()
	if !p.IsValid() || p != p.Masked() || p.Addr().Zone() != "" {
		t.Fatalf("accepted %v is not a masked, zone-free prefix", p)
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		t.Fatalf("accepted %v is IPv4-mapped, not IPv4", p)
	}
	s := New([]netip.Prefix{p}, Options{})
	for _, a := range probeEnds(p) {
		if got, ok := s.Lookup(a); !ok || got != p {
			t.Fatalf("Set of %v: Lookup(%v) = %v, %v", p, a, got, ok)
		}
	}
}

// probeEnds returns the first and last address of p, leaving out
// IPv4-mapped ones: they are looked up as IPv4, so an IPv6 prefix wider than
// /96 that spans them does not list them (see the package documentation).
func probeEnds(p netip.Prefix) []netip.Addr {
	var out []netip.Addr
	for _, a := range []netip.Addr{p.Addr(), lastAddr(p)} {
		if !a.Is4In6() {
			out = append(out, a)
		}
	}
	return out
}

// FuzzParse checks that Parse never panics or fails on in-memory input,
// that line errors come in order with plausible numbers, and that every
// accepted prefix is found by the Set built from the list.
func FuzzParse(f *testing.F) {
	for _, file := range fixtureFiles(f) {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("192.0.2.1\r\n# c\n;d\n198.51.100.0/24 ; SBL1\nbad\n\xef\xbb\xbf::ffff:1.2.3.4"))
	f.Add([]byte("\xef\xbb\xbf2001:db8::/32#x\n\n\n1.2.3.4/33"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, errs, err := Parse(bytes.NewReader(data), "fuzz")
		if err != nil {
			t.Fatalf("read error from a bytes.Reader: %v", err)
		}
		lines := bytes.Count(data, []byte("\n")) + 1
		last := 0
		for _, e := range errs {
			if e.Line <= last || e.Line > lines || e.File != "fuzz" || e.Err == nil || len(e.Text) > maxText+len("...") {
				t.Fatalf("implausible line error %+v (after line %d of %d)", e, last, lines)
			}
			last = e.Line
		}
		s := New(ps, Options{FalsePositiveRate: 0.5})
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() {
				t.Fatalf("accepted %v is not a masked prefix", p)
			}
			for _, a := range probeEnds(p) {
				got, ok := s.Lookup(a)
				if !ok || !got.Contains(a) || got.Bits() > p.Bits() {
					t.Fatalf("%v from the list: Lookup(%v) = %v, %v", p, a, got, ok)
				}
			}
		}
	})
}
