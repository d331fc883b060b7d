package corpus

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
)

// seed is the corpus's seed; each kind and class mixes in its own name.
const seed = 20260601

// spec is one kind's or one class's generator: it makes request number i of n.
type spec struct {
	corpus, name string
	n            int
	make         func(r *rng, i int) Request
}

// specs lists the generators. The benign counts are weighted roughly like the traffic of
// a site that serves pages, assets and an API behind one nginx: assets and navigations
// first, then the API, beacons and forms (testdata/README.md has the shares).
func specs() []spec {
	return []spec{
		{Benign, "nav", 900, genNav},
		{Benign, "asset", 1100, genAsset},
		{Benign, "api-get", 600, genAPIGet},
		{Benign, "api-json", 550, genAPIJSON},
		{Benign, "app", 250, genApp},
		{Benign, "graphql", 250, genGraphQL},
		{Benign, "beacon-text", 300, genBeaconText},
		{Benign, "beacon-ndjson", 120, genBeaconNDJSON},
		{Benign, "beacon-query", 250, genBeaconQuery},
		{Benign, "report", 120, genReport},
		{Benign, "form", 450, genForm},
		{Benign, "form-code", 100, genFormCode},
		{Benign, "upload", 120, genUpload},
		{Benign, "data-url", 60, genDataURL},
		{Benign, "compressed", 150, genCompressed},
		{Benign, "binary", 150, genBinary},
		{Benign, "preflight", 100, genPreflight},
		{Benign, "crawler", 60, genCrawler},
		{Benign, "websocket", 20, genWebSocket},

		{Attack, "sqli", 80, genSQLi},
		{Attack, "xss", 80, genXSS},
		{Attack, "traversal", 70, genTraversal},
		{Attack, "shell", 70, genShell},
		{Attack, "ssti", 60, genSSTI},
		{Attack, "ssi", 50, genSSI},
		{Attack, "ldap", 50, genLDAP},
		{Attack, "mail", 50, genMail},
		{Attack, "nosql", 60, genNoSQL},
		{Attack, "xxe", 50, genXXE},
		{Attack, "soap", 50, genSOAP},
		{Attack, "base64", 70, genBase64},
		{Attack, "header", 60, genHeader},
		{Attack, "jndi", 60, genJNDI},
		{Attack, "method", 50, genMethod},
		{Attack, "php", 60, genPHP},
	}
}

// Generate returns both corpora, the same on every call.
func Generate() ([]File, error) {
	var out []File
	seen := map[string]bool{}
	for _, s := range specs() {
		h := fnv.New64a()
		h.Write([]byte(s.corpus + "/" + s.name))
		r := &rng{rand.New(rand.NewPCG(seed, h.Sum64()))}
		f := File{Corpus: s.corpus, Name: s.name}
		for i := range s.n {
			req := s.make(r, i)
			req.ID = fmt.Sprintf("%s-%04d", s.name, i+1)
			req.Kind = s.name
			if s.corpus == Attack {
				req.Class = s.name
			}
			if err := req.Check(); err != nil {
				return nil, err
			}
			if seen[req.ID] {
				return nil, fmt.Errorf("corpus: duplicate id %s", req.ID)
			}
			seen[req.ID] = true
			f.Requests = append(f.Requests, req)
		}
		out = append(out, f)
	}
	return out, nil
}

// rng is the random source of one generator, with the choices the generators make.
type rng struct{ *rand.Rand }

// pick returns one of xs, uniformly.
func pick[T any](r *rng, xs ...T) T { return xs[r.IntN(len(xs))] }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return r.Float64() < p }

// between returns an int in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// weighted is an item with a weight for pickWeighted.
type weighted[T any] struct {
	w int
	v T
}

func pickWeighted[T any](r *rng, xs []weighted[T]) T {
	total := 0
	for _, x := range xs {
		total += x.w
	}
	n := r.IntN(total)
	for _, x := range xs {
		if n < x.w {
			return x.v
		}
		n -= x.w
	}
	return xs[len(xs)-1].v
}

func (r *rng) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

func (r *rng) hex(n int) string { return hex.EncodeToString(r.bytes((n + 1) / 2))[:n] }

// alnum returns n random letters and digits.
func (r *rng) alnum(n int) string {
	const set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = set[r.IntN(len(set))]
	}
	return string(b)
}

func (r *rng) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func (r *rng) uuid() string {
	b := r.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (r *rng) b64url(n int) string { return base64.RawURLEncoding.EncodeToString(r.bytes(n)) }
func (r *rng) b64(n int) string    { return base64.StdEncoding.EncodeToString(r.bytes(n)) }

// unix returns a Unix time in late 2026, when the corpus pretends to be recorded.
func (r *rng) unix() int64 { return 1795000000 + int64(r.IntN(3000000)) }

// unixMS is unix in milliseconds.
func (r *rng) unixMS() int64 { return r.unix()*1000 + int64(r.IntN(1000)) }

func itoa(i int) string { return strconv.Itoa(i) }

// query renders key-value pairs in order (url.Values would sort them), escaped as
// browsers escape a query: spaces as +.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// jsEscape escapes a query value as JavaScript's encodeURIComponent does (spaces as %20,
// and !'()* left alone), as SDKs that build their own URLs write them.
func jsEscape(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	for _, c := range []string{"!", "'", "(", ")", "*"} {
		e = strings.ReplaceAll(e, url.QueryEscape(c), c)
	}
	return e
}

// jsQuery is query with encodeURIComponent's escaping.
func jsQuery(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(jsEscape(kv[i]) + "=" + jsEscape(kv[i+1]))
	}
	return b.String()
}

// slug turns a title into a URL slug.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
