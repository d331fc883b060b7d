package server

import (
	"bytes"
	"errors"
	"net/netip"
	"unsafe"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/waf"
)

// The request headers of the nginx contract (see the package documentation). nginx sets
// each of them with proxy_set_header, which replaces any header of the same name that the
// client sent; they are therefore trusted, and hidden from the WAF, which must see the
// client's request as the client sent it.
const (
	HeaderMethod = "X-Sidewall-Method"
	HeaderURI    = "X-Sidewall-URI"
	HeaderHost   = "X-Sidewall-Host"
	// HeaderClientHost is the client's own Host header ($http_host), absent when the client
	// sent none. The Host of the request sidewall receives is nginx's (the upstream's
	// name): an HTTP/1.1 request must carry one, and a client's HTTP/1.0 request may not.
	HeaderClientHost    = "X-Sidewall-Client-Host"
	HeaderAddr          = "X-Sidewall-Addr"
	HeaderProtocol      = "X-Sidewall-Protocol"
	HeaderRequestID     = "X-Sidewall-Request-ID"
	HeaderContentLength = "X-Sidewall-Content-Length"
	// HeaderTransferEncoding is the client's Transfer-Encoding, which nginx consumes: it
	// de-chunks the body and sends sidewall a Content-Length.
	HeaderTransferEncoding = "X-Sidewall-Transfer-Encoding"
	// HeaderContinue names the nginx named location (e.g. "@app") where an allowed
	// request continues on the body path.
	HeaderContinue = "X-Sidewall-Continue"
	// HeaderProfile names the WAF profile ([[waf.profiles]]) for the request; empty for
	// [waf] itself.
	HeaderProfile = "X-Sidewall-Profile"
	// HeaderForged carries the values of the client's own headers of the names above,
	// which nginx replaced on the way here but still passes to the application. It is no
	// contract header: the WAF inspects it as one of the client's (see
	// nginx/sidewall-http.conf).
	HeaderForged = "X-Sidewall-Forged"
)

// The answer headers.
const (
	HeaderAction = "X-Sidewall-Action"
	HeaderReason = "X-Sidewall-Reason"
	HeaderRules  = "X-Sidewall-Rules"
)

// request is the client request that nginx asks about, read from the subrequest. Its byte
// slices point into fasthttp's buffers and are valid only until the handler returns.
//
// It holds no reference to the RequestCtx: escape analysis is not field-sensitive, and the
// context's methods leak it, so holding it would move the request (and the stack buffer
// its path may live in) to the heap. Lookups that need the context take it as a parameter.
type request struct {
	method []byte // original method
	uri    []byte // raw request URI with query string
	// The path of uri, normalised as nginx's $uri (see normalizePath): either a slice of
	// uri or of a fresh allocation (rawPath), or the first pathLen bytes of pathBuf. It
	// cannot simply be a slice of pathBuf: a request pointing into itself escapes to the
	// heap. Read it with path().
	rawPath   []byte
	pathLen   int
	pathInBuf bool
	pathBuf   [128]byte
	host      []byte // host without port
	proto     []byte
	id        []byte
	addr      netip.Addr
	body      bool   // the body path: the request carries the client's body
	cont      []byte // the named location to continue at (body path)
}

var (
	errNoAddr  = errors.New("missing " + HeaderAddr)
	errBadAddr = errors.New("malformed " + HeaderAddr)
	errNoURI   = errors.New("missing " + HeaderURI)
	errNoCont  = errors.New("missing or malformed " + HeaderContinue + " (a named location such as @app)")
)

// parse reads the contract headers. It fails only when the request cannot be judged at
// all: without a client address no blocklist or limit can apply, and without the URI the
// WAF would inspect nothing; such requests never come from a correctly included nginx.
func (r *request) parse(ctx *fasthttp.RequestCtx) error {
	h := &ctx.Request.Header
	r.id = h.Peek(HeaderRequestID)
	r.uri = h.Peek(HeaderURI)
	if len(r.uri) == 0 {
		return errNoURI
	}
	r.method = h.Peek(HeaderMethod)
	if len(r.method) == 0 {
		r.method = h.Method()
	}
	r.proto = h.Peek(HeaderProtocol)
	r.setPath()
	r.host = h.Peek(HeaderHost)
	if len(r.host) == 0 {
		r.host = stripPort(h.Peek(HeaderClientHost))
	}
	a := h.Peek(HeaderAddr)
	if len(a) == 0 {
		return errNoAddr
	}
	addr, err := parseAddr(a)
	if err != nil {
		return errBadAddr
	}
	r.addr = addr
	if r.body {
		r.cont = h.Peek(HeaderContinue)
		if len(r.cont) < 2 || r.cont[0] != '@' {
			return errNoCont
		}
	}
	return nil
}

// setPath normalises the path of r.uri. Normalising never lengthens a path, so a raw path
// that fits pathBuf is normalised there without allocating; a longer one that needs work
// (rare: a long path with escapes or dot segments) gets an allocation of its own.
func (r *request) setPath() {
	raw := r.uri
	if i := bytes.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	switch {
	case len(raw) == 0 || raw[0] != '/' || isClean(raw):
		r.rawPath = raw
	case len(raw) <= len(r.pathBuf):
		r.pathLen = len(normalizePath(r.pathBuf[:0], raw))
		r.pathInBuf = true
	default:
		r.rawPath = normalizePath(nil, raw)
	}
}

// path returns the normalised path.
func (r *request) path() []byte {
	if r.pathInBuf {
		return r.pathBuf[:r.pathLen]
	}
	return r.rawPath
}

// parseAddr parses a client address without copying it: netip keeps no reference to its
// input. Zones are refused (nginx never sends one) and IPv4-mapped IPv6 addresses are
// unmapped, so that ::ffff:203.0.113.7 meets the same lists and limits as 203.0.113.7.
func parseAddr(b []byte) (netip.Addr, error) {
	a, err := netip.ParseAddr(unsafe.String(unsafe.SliceData(b), len(b)))
	if err != nil {
		return netip.Addr{}, err
	}
	if a.Zone() != "" {
		return netip.Addr{}, errBadAddr
	}
	return a.Unmap(), nil
}

// stripPort returns the host part of a Host header value.
func stripPort(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if i := bytes.IndexByte(h, ']'); i > 0 {
			return h[1:i]
		}
		return h
	}
	if i := bytes.LastIndexByte(h, ':'); i >= 0 {
		return h[:i]
	}
	return h
}

// wafRequest converts the request for the WAF. It copies what it keeps into strings: the
// WAF's transaction must not hold fasthttp's buffers. The headers are the raw header block
// nginx forwarded, in order and with the client's spelling, less the contract headers, with
// the client's Host first (if it sent one) and its Content-Length and Transfer-Encoding
// put back.
func (r *request) wafRequest(ctx *fasthttp.RequestCtx, dst *waf.Request) {
	h := &ctx.Request.Header
	dst.ID = string(r.id)
	dst.ClientAddr = r.addr
	dst.Method = string(r.method)
	dst.URI = string(r.uri)
	dst.Proto = string(r.proto)
	if dst.Proto == "" {
		dst.Proto = "HTTP/1.1"
	}
	dst.Headers = dst.Headers[:0]
	if host := h.Peek(HeaderClientHost); len(host) > 0 {
		dst.Headers = append(dst.Headers, waf.Header{Name: "Host", Value: string(host)})
	}
	raw := h.RawHeaders()
	for len(raw) > 0 {
		var line []byte
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		name := line[:colon]
		if isContractHeader(name) {
			continue
		}
		value := bytes.TrimLeft(line[colon+1:], " \t")
		value = bytes.TrimRight(value, " \t")
		dst.Headers = append(dst.Headers, waf.Header{Name: string(name), Value: string(value)})
	}
	if cl := h.Peek(HeaderContentLength); len(cl) > 0 {
		dst.Headers = append(dst.Headers, waf.Header{Name: "Content-Length", Value: string(cl)})
	}
	if te := h.Peek(HeaderTransferEncoding); len(te) > 0 {
		dst.Headers = append(dst.Headers, waf.Header{Name: "Transfer-Encoding", Value: string(te)})
	}
	dst.Body = nil
	if r.body {
		// The WAF does not keep the body past Inspect, so fasthttp's buffer is lent.
		dst.Body = ctx.PostBody()
	}
}

// contractHeaders are the header names nginx sets for sidewall (or that its proxy settings
// own), which the WAF must not see as the client's. HeaderForged is not among them.
var contractHeaders = [...]string{
	HeaderMethod, HeaderURI, HeaderHost, HeaderClientHost, HeaderAddr, HeaderProtocol, "Host",
	HeaderRequestID, HeaderContentLength, HeaderTransferEncoding, HeaderContinue, HeaderProfile,
	"Connection", "Content-Length", "Transfer-Encoding",
}

func isContractHeader(name []byte) bool {
	for _, c := range contractHeaders {
		if equalFoldASCII(name, c) {
			return true
		}
	}
	return false
}
