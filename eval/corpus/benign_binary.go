package corpus

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"

	"github.com/klauspost/compress/zstd"
	brrr "github.com/molecule-man/go-brrr"
)

// compress encodes b with a Content-Encoding: gzip and deflate (zlib, as browsers'
// CompressionStream("deflate") writes it) from the standard library, br and zstd from
// the Brotli and Zstandard modules sidewall's dependencies already bring.
func compress(enc string, b []byte) []byte {
	var out bytes.Buffer
	switch enc {
	case "gzip":
		w, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
		w.Write(b)
		w.Close()
	case "deflate":
		w, _ := zlib.NewWriterLevel(&out, flate.DefaultCompression)
		w.Write(b)
		w.Close()
	case "br":
		c, err := brrr.Compress(b, 5)
		if err != nil {
			panic(err)
		}
		return c
	case "zstd":
		w, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(zstd.SpeedDefault))
		if err != nil {
			panic(err)
		}
		defer w.Close()
		return w.EncodeAll(b, nil)
	default:
		panic("corpus: unknown encoding " + enc)
	}
	return out.Bytes()
}

// genCompressed makes requests whose body is compressed with Content-Encoding, as SDKs
// and apps send large payloads: Sentry and Datadog batches (gzip, deflate), a PostHog
// batch compressed in the browser, an app's JSON sync (br, zstd), a gzip-compressed
// form.
func genCompressed(r *rng, i int) Request {
	var inner Request
	var body []byte
	for len(body) == 0 { // a DELETE or a persisted query's GET has no body to compress
		switch r.IntN(4) {
		case 0:
			inner = genBeaconNDJSON(r, i)
		case 1:
			inner = genBeaconText(r, i)
		case 2:
			inner = genAPIJSON(r, i)
		default:
			inner = genApp(r, i)
		}
		body, _ = inner.BodyBytes()
	}
	enc := pickWeighted(r, []weighted[string]{{50, "gzip"}, {15, "deflate"}, {20, "br"}, {15, "zstd"}})
	z := compress(enc, body)
	var h []string
	for _, f := range inner.Header {
		switch name := f[:bytesIndex(f, ':')]; {
		case equalFold(name, "Content-Length"):
			h = append(h, "Content-Length: "+itoa(len(z)))
		case equalFold(name, "Content-Type"):
			h = append(h, f, "Content-Encoding: "+enc)
		default:
			h = append(h, f)
		}
	}
	req := Request{Method: inner.Method, Target: inner.Target, Header: h, Note: inner.Note + ", body " + enc}
	req.setBody(z)
	return req
}

func bytesIndex(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return len(s)
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

// pb is a protocol buffers encoder for the messages the corpus makes up: varints,
// length-delimited strings and nested messages, fixed64 doubles.
type pb struct{ b []byte }

func (p *pb) varint(field int, v uint64) *pb {
	p.b = binary.AppendUvarint(p.b, uint64(field<<3))
	p.b = binary.AppendUvarint(p.b, v)
	return p
}

func (p *pb) bytes(field int, v []byte) *pb {
	p.b = binary.AppendUvarint(p.b, uint64(field<<3|2))
	p.b = binary.AppendUvarint(p.b, uint64(len(v)))
	p.b = append(p.b, v...)
	return p
}

func (p *pb) str(field int, s string) *pb { return p.bytes(field, []byte(s)) }

func (p *pb) double(field int, f float64) *pb {
	p.b = binary.AppendUvarint(p.b, uint64(field<<3|1))
	p.b = binary.LittleEndian.AppendUint64(p.b, uint64(int64(f*1000))) // bits, not a real IEEE value: fine for a corpus
	return p
}

// protoMessage makes a message such as an app's API or OpenTelemetry sends: ids,
// strings, nested messages, repeated fields.
func protoMessage(r *rng) []byte {
	p := &pb{}
	p.str(1, r.uuid()).varint(2, uint64(r.unixMS())).str(3, pick(r, "ListProducts", "GetCart", "UpdateProfile", "SearchItems"))
	for k := 0; k < r.between(1, 6); k++ {
		item := (&pb{}).varint(1, uint64(r.Int64N(1e12))).str(2, pick(r, products...)).varint(3, uint64(r.between(1, 9))).double(4, float64(r.IntN(20000))/100).str(5, pick(r, colors...))
		p.bytes(4, item.b)
	}
	p.bytes(5, r.bytes(r.between(8, 32))) // an opaque token
	p.str(6, r.search("en"))
	return p.b
}

// grpcWebFrame wraps a message in gRPC-Web's frame: a flag byte and a 4-byte length.
func grpcWebFrame(msg []byte) []byte {
	f := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(f[1:], uint32(len(msg)))
	return append(f, msg...)
}

// genBinary makes requests with binary bodies: gRPC-Web from a browser (binary and
// base64 "text" framing), protobuf APIs (application/x-protobuf, OpenTelemetry's OTLP
// export), application/octet-stream uploads, and tus resumable-upload chunks.
func genBinary(r *rng, i int) Request {
	v := newVisitor(r)
	s := pick(r, app, shop)
	var ctype, target, note string
	var body []byte
	var extra []string
	switch r.IntN(6) {
	case 0, 1:
		ctype, note = "application/grpc-web+proto", "gRPC-Web (binary)"
		target = "/" + pick(r, "catalog.v1.CatalogService/ListProducts", "cart.v1.CartService/AddItem", "user.v1.UserService/GetProfile", "search.v2.Search/Query")
		body = grpcWebFrame(protoMessage(r))
		extra = []string{"x-grpc-web: 1", "x-user-agent: grpc-web-javascript/0.1"}
	case 2:
		ctype, note = "application/grpc-web-text", "gRPC-Web (text)"
		target = "/catalog.v1.CatalogService/" + pick(r, "GetProduct", "ListCategories")
		body = []byte(base64.StdEncoding.EncodeToString(grpcWebFrame(protoMessage(r))))
		extra = []string{"x-grpc-web: 1", "x-user-agent: grpc-web-javascript/0.1"}
	case 3:
		ctype = pick(r, "application/x-protobuf", "application/protobuf")
		target, note = pick(r, "/v1/traces", "/v1/metrics", "/api/v2/sync"), "protobuf (OTLP export, sync API)"
		body = protoMessage(r)
	case 4:
		ctype, note = "application/octet-stream", "octet-stream upload"
		img, _ := smallImage(r)
		body = pick(r, img, pdfFile(r), r.bytes(r.between(200, 3000)))
		target = pick(r, "/api/v1/files?name="+jsEscape(pick(r, "photo.jpg", "scan 2026-11-26.pdf", "backup.bin")), "/upload/"+r.uuid())
	default:
		ctype, note = "application/offset+octet-stream", "tus resumable upload chunk"
		body = r.bytes(r.between(500, 4000))
		target = "/files/" + r.hex(32)
		extra = []string{"Tus-Resumable: 1.0.0", "Upload-Offset: " + itoa(r.IntN(50)*4096)}
		req := apiCall(r, v, s, "PATCH", target, ctype, body, "*/*")
		req.Header = append(req.Header, extra...)
		req.Note = v.b.name + ", " + note
		return req
	}
	req := apiCall(r, v, s, "POST", target, ctype, body, pick(r, "*/*", "application/grpc-web-text", "application/x-protobuf"))
	req.Header = append(req.Header, extra...)
	req.Note = v.b.name + ", " + note
	return req
}
