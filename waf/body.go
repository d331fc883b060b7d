package waf

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	brrr "github.com/molecule-man/go-brrr"
)

// A request body is read for what it is, not only for what its Content-Type says.
//
// The CRS has Coraza parse a body of any type it does not know as a urlencoded form, and
// denies most such types outright (920420): a JSON beacon sent as text/plain by
// navigator.sendBeacon became one argument whose name was the whole document (CR/LF in
// argument names: 921150), a protobuf or gzip body became names of random bytes (920270),
// a Content-Encoding header was itself denied (920450). So before Coraza sees a body,
// Inspect
//
//   - decodes its Content-Encoding (gzip, deflate, br, zstd, snappy; several in turn), bounded by
//     the body limit and Limits.DecompressionRatio, so that a decompression bomb is
//     refused after a few milliseconds and a few hundred kilobytes; an encoding it cannot
//     decode is refused, since the application would read what the WAF did not;
//   - for a body whose type names no parser (text/plain, application/octet-stream, an
//     unknown type or none), looks at the bytes: JSON is parsed as JSON, newline-delimited
//     JSON as a JSON array of its lines, lines of name=value pairs as a form, other text
//     as one argument (body:text), and binary data (protobuf, images) not at all beyond
//     REQUEST_BODY, which a few rules read (Java serialisation, the strictest byte
//     ranges);
//   - leaves a body whose type names a parser (forms, multipart, JSON and +json, XML) to
//     that parser, as the application will.
//
// The choice reaches Coraza as TX:sidewall_body_processor, which a rule of the head turns
// into ctl:requestBodyProcessor before the CRS looks (bodyProcessorSecLang).

// Body processors a plan may choose. "" leaves the choice to the Content-Type, as Coraza
// makes it.
const (
	procJSON       = "JSON"
	procURLEncoded = "URLENCODED"
	procText       = "TEXT" // sidewall's: the body as one argument (textprocessor.go)
	procRaw        = "RAW"  // Coraza's: REQUEST_BODY only
)

// bodyPlan is how the engine reads a request body.
type bodyPlan struct {
	body      []byte // what Coraza inspects: decoded, ndjson as a JSON array
	processor string
	truncated bool // a decoded body was cut to the body limit (partial inspection)

	// A body that cannot be inspected: the status to answer (400, 413, 415), the limit
	// it went beyond (Verdict.Limit; "" if none) and why, for the log.
	status int
	limit  string
	reason string
}

// maxEncodings bounds the codings a body may be wrapped in; real clients use one.
const maxEncodings = 3

// ratioFloor is the decoded size below which the ratio limit does not apply: small
// bodies cannot be bombs, and a few repeated JSON keys compress far.
const ratioFloor = 64 << 10

// planBody decides how to read req's body. bodyLimit is the most the engine inspects
// (SecRequestBodyLimit); a decoded body beyond it is cut to it when partial, and refused
// with 413 otherwise, as Coraza does with a plain body.
func planBody(req *Request, lim Limits, bodyLimit int, partial bool) bodyPlan {
	p := bodyPlan{body: req.Body}
	if len(req.Body) == 0 {
		return p
	}
	codings := contentCodings(req.Headers)
	if len(codings) > maxEncodings {
		return refuse(415, "", fmt.Sprintf("more than %d content codings: %s", maxEncodings, strings.Join(codings, ", ")))
	}
	for i := len(codings) - 1; i >= 0; i-- {
		decoded, plan := decode(codings[i], p.body, lim.DecompressionRatio, bodyLimit, partial)
		if plan.status != 0 {
			return plan
		}
		p.body = decoded
		p.truncated = p.truncated || plan.truncated
	}
	p.processor, p.body = chooseProcessor(mediaType(req.Headers), p.body)
	return p
}

func refuse(status int, limit, reason string) bodyPlan {
	return bodyPlan{status: status, limit: limit, reason: reason}
}

// contentCodings lists the codings of every Content-Encoding field in the order they
// were applied, lower-cased, without identity.
func contentCodings(hs []Header) []string {
	var out []string
	for _, h := range hs {
		if !strings.EqualFold(h.Name, "Content-Encoding") {
			continue
		}
		for _, c := range strings.Split(h.Value, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

// decode undoes one content coding of body, reading at most bodyLimit decoded bytes
// (and refusing more unless partial) and giving up as soon as the decoded size passes
// ratio times the encoded size (above ratioFloor).
func decode(coding string, body []byte, ratio, bodyLimit int, partial bool) ([]byte, bodyPlan) {
	var r io.Reader
	var err error
	src := bytes.NewReader(body)
	switch coding {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(src)
	case "deflate":
		// RFC 9110's deflate is zlib-wrapped; some clients send raw deflate.
		if r, err = zlib.NewReader(src); err != nil {
			src.Reset(body)
			r, err = flate.NewReader(src), nil
		}
	case "br":
		br := brrr.NewReader(src)
		defer br.Close()
		r = br
	case "zstd":
		var d *zstd.Decoder
		if d, err = zstd.NewReader(src, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(bodyLimit)+1)); err == nil {
			defer d.Close()
			r = d
		}
	case "snappy":
		return decodeSnappy(body, ratio, bodyLimit)
	default:
		return nil, refuse(415, "", fmt.Sprintf("Content-Encoding %q is not one sidewall decodes (gzip, deflate, br, zstd, snappy)", coding))
	}
	if err != nil {
		return nil, refuse(400, "", fmt.Sprintf("body does not decode as %s: %v", coding, err))
	}
	var out bytes.Buffer
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		out.Write(buf[:n])
		if out.Len() > ratioFloor && out.Len() > ratio*len(body) {
			return nil, refuse(413, LimitDecompressionRatio,
				fmt.Sprintf("%s body decodes to more than %d times its %d bytes", coding, ratio, len(body)))
		}
		if out.Len() > bodyLimit {
			if partial {
				return out.Bytes()[:bodyLimit], bodyPlan{truncated: true}
			}
			return nil, refuse(413, LimitBody, fmt.Sprintf("%s body decodes to more than %d bytes", coding, bodyLimit))
		}
		if errors.Is(err, io.EOF) {
			return out.Bytes(), bodyPlan{}
		}
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrFrameSizeExceeded) {
			// A zstd frame says how large it is and how much memory its window needs:
			// the decoder refuses one over the body limit before decoding it.
			return nil, refuse(413, LimitBody, fmt.Sprintf("%s body declares more than %d bytes: %v", coding, bodyLimit, err))
		}
		if err != nil {
			return nil, refuse(400, "", fmt.Sprintf("body does not decode as %s: %v", coding, err))
		}
	}
}

// decodeSnappy undoes snappy's block format, the Content-Encoding of Prometheus' remote
// write and Loki's push (protobuf bodies; not the framed stream format). A block states
// its decoded length first, so both limits are checked before anything is decoded or
// allocated. A block cannot be decoded in part: one over the body limit is refused even
// where a longer body would be inspected in part.
func decodeSnappy(body []byte, ratio, bodyLimit int) ([]byte, bodyPlan) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return nil, refuse(400, "", fmt.Sprintf("body does not decode as snappy: %v", err))
	}
	if n > ratioFloor && n > ratio*len(body) {
		return nil, refuse(413, LimitDecompressionRatio,
			fmt.Sprintf("snappy body declares more than %d times its %d bytes", ratio, len(body)))
	}
	if n > bodyLimit {
		return nil, refuse(413, LimitBody, fmt.Sprintf("snappy body declares %d bytes, more than %d", n, bodyLimit))
	}
	out, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, refuse(400, "", fmt.Sprintf("body does not decode as snappy: %v", err))
	}
	return out, bodyPlan{}
}

// mediaType is the first Content-Type's media type, lower-cased, without parameters:
// the one Coraza and a typical application read.
func mediaType(hs []Header) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Content-Type") {
			t, _, _ := strings.Cut(h.Value, ";")
			return strings.ToLower(strings.TrimSpace(t))
		}
	}
	return ""
}

// parsedAsDeclared reports whether Coraza (with coraza.conf-recommended) parses a body of
// media type t by its declared type: a form, multipart form data, JSON, XML.
func parsedAsDeclared(t string) bool {
	switch {
	case t == "application/x-www-form-urlencoded", t == "multipart/form-data",
		t == "application/json", t == "text/xml", t == "application/xml", t == "application/soap+xml":
		return true
	case strings.HasPrefix(t, "application/") && strings.HasSuffix(t, "+json"):
		return true
	}
	return false
}

// ndjsonTypes declare a body of one JSON document per line.
var ndjsonTypes = map[string]bool{
	"application/x-ndjson": true, "application/ndjson": true, "application/jsonl": true,
	"application/x-jsonlines": true, "application/jsonlines": true,
}

// chooseProcessor returns the body processor for a body of media type t, and the body to
// give it (newline-delimited JSON becomes a JSON array, form lines one form).
func chooseProcessor(t string, body []byte) (string, []byte) {
	if parsedAsDeclared(t) {
		return "", body
	}
	if isBinary(body) {
		return procRaw, body
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && json.Valid(trimmed) {
		return procJSON, trimmed
	}
	if arr, ok := ndjsonArray(trimmed); ok && (ndjsonTypes[t] || bytes.Count(trimmed, []byte{'\n'}) > 0) {
		return procJSON, arr
	}
	if form, ok := formLines(trimmed); ok {
		return procURLEncoded, form
	}
	return procText, body
}

// isBinary reports whether b is not text: invalid UTF-8, or a control character other
// than tab, CR and LF (a NUL, a protobuf tag).
func isBinary(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return true
		}
		i += n
	}
	return false
}

// ndjsonArray turns lines that are each a JSON object or array into one JSON array of
// them, so that Coraza's JSON processor names their values json.0.x, json.1.x...
// Blank lines are skipped; any other line makes it not ndjson.
func ndjsonArray(b []byte) ([]byte, bool) {
	var out bytes.Buffer
	out.WriteByte('[')
	n := 0
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' && line[0] != '[' || !json.Valid(line) {
			return nil, false
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(line)
		n++
	}
	out.WriteByte(']')
	return out.Bytes(), n > 0
}

// formLines reports whether b is lines of name=value pairs joined with '&' (a
// urlencoded form, or several, one per line, as analytics batch their hits), and returns
// them as one form.
func formLines(b []byte) ([]byte, bool) {
	if len(b) == 0 || bytes.IndexByte(b, '=') < 0 {
		return nil, false
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			continue
		}
		for pair := range bytes.SplitSeq(line, []byte{'&'}) {
			name, _, ok := bytes.Cut(pair, []byte{'='})
			if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") {
				return nil, false
			}
		}
	}
	form := bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte{'\n'}), []byte{'\n'}, []byte{'&'})
	return bytes.Trim(form, "&"), true
}
