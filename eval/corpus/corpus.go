// Package corpus holds the requests that `make eval` replays through nginx and sidewall to
// measure the WAF's precision and recall: a benign corpus that imitates the traffic a
// site behind sidewall sees (browser navigations and assets, fetch and XHR APIs,
// analytics beacons, reports, forms, uploads, compressed and binary bodies), and an
// attack corpus by class (SQL injection, XSS, path traversal, ...), each sample placed
// where attackers put it.
//
// # Where the requests come from
//
// Generate writes both corpora from code, deterministically: every kind and every class
// has a generator of its own with a random source seeded by its name, so changing one
// generator leaves the others' output as it was. The generators imitate public formats
// from knowledge of them (a browser's header set, an analytics SDK's beacon, the
// Reporting API's JSON, the grammar of an attack); nothing is copied from another
// project's test cases or payload lists. testdata/README.md says what each kind and
// class imitates. `go run ./eval/gen` writes the files of eval/testdata, and a test
// checks that they equal Generate's output.
//
// # Format
//
// One JSON Lines file per kind (testdata/benign/KIND.jsonl) and per class
// (testdata/attack/CLASS.jsonl), one Request per line. A Request keeps the exact bytes
// of a request: the request line, the header fields in order as the client sends them
// (Content-Length among them), and the body, as text when it is valid UTF-8 and in
// base64 otherwise (compressed bodies, protobuf, file uploads). Raw renders the bytes.
//
// The package holds no state; Generate and Load return new values on each call.
package corpus

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The two corpora, the names of testdata's subdirectories.
const (
	Benign = "benign"
	Attack = "attack"
)

// Request is one request of a corpus.
type Request struct {
	// ID is unique across both corpora: the kind or class and a number, "nav-0042".
	ID string `json:"id"`
	// Kind is the kind of request, for false positives per kind ("nav", "beacon-text"
	// ...); an attack's kind is its class.
	Kind string `json:"kind"`
	// Class is an attack's class ("sqli", "xss", ...); empty for a benign request.
	Class string `json:"class,omitempty"`
	// Place says where an attack's payload is: query, path, form, json, xml,
	// multipart, header, cookie, method.
	Place string `json:"place,omitempty"`
	// Note says what the request imitates (the browser, the SDK) or, for an attack,
	// the technique and evasion.
	Note string `json:"note,omitempty"`

	Method string `json:"method"`
	Target string `json:"target"` // the request target as sent: path and query
	// Header holds the header fields in order, each "Name: value".
	Header []string `json:"header"`
	// Body is the body when it is valid UTF-8; BodyBase64 holds any other body.
	Body       string `json:"body,omitempty"`
	BodyBase64 string `json:"body_base64,omitempty"`
}

// BodyBytes returns the body.
func (r *Request) BodyBytes() ([]byte, error) {
	if r.BodyBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("corpus: %s: body_base64: %w", r.ID, err)
		}
		return b, nil
	}
	return []byte(r.Body), nil
}

// setBody stores b in Body or BodyBase64, whichever keeps it exactly.
func (r *Request) setBody(b []byte) {
	r.Body, r.BodyBase64 = "", ""
	if utf8.Valid(b) && !bytes.ContainsRune(b, 0) {
		r.Body = string(b)
		return
	}
	r.BodyBase64 = base64.StdEncoding.EncodeToString(b)
}

// HeaderValue returns the value of the first header field named name (any case).
func (r *Request) HeaderValue(name string) (string, bool) {
	for _, h := range r.Header {
		n, v, _ := strings.Cut(h, ":")
		if strings.EqualFold(n, name) {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// Raw renders the request as HTTP/1.1 bytes, with extra header fields (such as the
// X-Forwarded-For a load balancer adds) after the request's own.
func (r *Request) Raw(extra ...string) ([]byte, error) {
	body, err := r.BodyBytes()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(r.Method + " " + r.Target + " HTTP/1.1\r\n")
	for _, h := range slices.Concat(r.Header, extra) {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes(), nil
}

// Check reports what is wrong with r: a missing field, a header line that is not
// "Name: value", a body whose length is not its Content-Length.
func (r *Request) Check() error {
	var errs []error
	if r.ID == "" || r.Kind == "" || r.Method == "" || !strings.HasPrefix(r.Target, "/") {
		errs = append(errs, errors.New("id, kind, method and a target starting with / are required"))
	}
	for _, c := range []byte(r.Method + r.Target) {
		if c <= ' ' || c >= 0x7f {
			errs = append(errs, errors.New("method or target holds white space, a control or a non-ASCII byte"))
			break
		}
	}
	seen := map[string]int{}
	for _, h := range r.Header {
		name, _, ok := strings.Cut(h, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") || strings.ContainsAny(h, "\r\n") {
			errs = append(errs, fmt.Errorf("bad header line %q", h))
		}
		seen[strings.ToLower(name)]++
	}
	if seen["host"] != 1 {
		errs = append(errs, fmt.Errorf("%d Host header fields, want 1", seen["host"]))
	}
	for _, name := range []string{"authorization", "content-type", "content-length", "cookie", "user-agent", "referer", "origin"} {
		if seen[name] > 1 {
			errs = append(errs, fmt.Errorf("%d %s header fields, want one at most", seen[name], name))
		}
	}
	body, err := r.BodyBytes()
	if err != nil {
		errs = append(errs, err)
	}
	cl, hasCL := r.HeaderValue("Content-Length")
	switch {
	case hasCL && cl != strconv.Itoa(len(body)):
		errs = append(errs, fmt.Errorf("Content-Length %s, body %d bytes", cl, len(body)))
	case !hasCL && len(body) > 0:
		errs = append(errs, fmt.Errorf("a %d-byte body without Content-Length", len(body)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("corpus: %s: %w", r.ID, err)
	}
	return nil
}

// File is one file of a corpus: the requests of one kind or class.
type File struct {
	Corpus   string // Benign or Attack
	Name     string // the kind or class
	Requests []Request
}

// Path returns the file's path under a testdata directory.
func (f File) Path(dir string) string {
	return filepath.Join(dir, f.Corpus, f.Name+".jsonl")
}

// Encode renders the file's JSON Lines.
func (f File) Encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range f.Requests {
		if err := enc.Encode(&f.Requests[i]); err != nil {
			return nil, fmt.Errorf("corpus: %s: %w", f.Requests[i].ID, err)
		}
	}
	return b.Bytes(), nil
}

// Load reads every file of dir/benign and dir/attack, in name order.
func Load(dir string) ([]File, error) {
	var out []File
	for _, c := range []string{Benign, Attack} {
		names, err := filepath.Glob(filepath.Join(dir, c, "*.jsonl"))
		if err != nil {
			return nil, err
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("corpus: no %s files in %s", c, dir)
		}
		slices.Sort(names)
		for _, name := range names {
			f := File{Corpus: c, Name: strings.TrimSuffix(filepath.Base(name), ".jsonl")}
			if f.Requests, err = readFile(name); err != nil {
				return nil, err
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func readFile(name string) ([]Request, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	defer fh.Close()
	var out []Request
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var r Request
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("corpus: %s:%d: %w", name, line, err)
		}
		if err := r.Check(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus: %s: %w", name, err)
	}
	return out, nil
}

// Write writes files into dir (dir/benign/KIND.jsonl, dir/attack/CLASS.jsonl) and
// removes the .jsonl files there that are not among them.
func Write(dir string, files []File) error {
	keep := map[string]bool{}
	for _, f := range files {
		b, err := f.Encode()
		if err != nil {
			return err
		}
		p := f.Path(dir)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		keep[p] = true
	}
	for _, c := range []string{Benign, Attack} {
		old, _ := filepath.Glob(filepath.Join(dir, c, "*.jsonl"))
		for _, p := range old {
			if !keep[p] {
				if err := os.Remove(p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
