package server

import "bytes"

// normalizePath appends to dst the path of a raw request URI the way nginx normalises it
// for location matching ($uri): the query string cut off, %XX sequences decoded, runs of
// slashes merged (nginx's merge_slashes, on by default), and "." and ".." segments
// resolved. Rate-limit rules match on this form, so /log%69n, //login and /./login all
// count as /login. (nginx itself answers 400 to a ".." above the root; here it stops at
// the root.) The raw URI is unchanged for the WAF, which must see the encodings.
//
// When the path needs no change it is returned as a subslice of raw, without copying.
func normalizePath(dst, raw []byte) []byte {
	if i := bytes.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	if len(raw) == 0 || raw[0] != '/' {
		// An absolute-form or asterisk-form URI; nginx's $uri would hold the path of the
		// former, but nginx rewrites absolute-form before the subrequest is made.
		return raw
	}
	if isClean(raw) {
		return raw
	}
	// Decode first, then resolve segments on the decoded bytes, as nginx's state
	// machine does (%2e%2e is a ".." segment, %2F a slash).
	start := len(dst)
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]) {
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return resolveSegments(dst, start)
}

// isClean reports whether p (starting with '/') has nothing to decode, merge or resolve.
func isClean(p []byte) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '%':
			return false
		case '/':
			if i+1 < len(p) && (p[i+1] == '/' || p[i+1] == '.') {
				return false
			}
		}
	}
	return true
}

// resolveSegments rewrites b[start:] (a decoded path starting with '/') in place: empty
// and "." segments dropped, ".." removing the segment before it. It keeps a trailing slash
// where the input had one (or ended in "." or "..").
func resolveSegments(b []byte, start int) []byte {
	p := b[start:]
	out := p[:1] // the leading slash; writing never overtakes reading
	for i := 1; i <= len(p); {
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		seg := p[i:j]
		last := j >= len(p)
		switch {
		case len(seg) == 0 || (len(seg) == 1 && seg[0] == '.'):
			// dropped
		case len(seg) == 2 && seg[0] == '.' && seg[1] == '.':
			// drop the last segment written, and its slash, but never the leading one
			if len(out) > 1 {
				out = out[:len(out)-1] // trailing slash of the previous segment
				k := bytes.LastIndexByte(out, '/')
				out = out[:k+1]
			}
		default:
			out = append(out, seg...)
			if !last {
				out = append(out, '/')
			}
		}
		i = j + 1
	}
	return b[:start+len(out)]
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}
