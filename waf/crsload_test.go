package waf

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	crstests "github.com/corazawaf/coraza-coreruleset/v4/tests"
	"github.com/goccy/go-yaml"
)

// This file loads the CRS regression tests that the coraza-coreruleset module embeds
// (the CRS's tests/regression/tests, in go-ftw's YAML format) and turns each stage's
// input into a Request the way go-ftw would put it on the wire. crs_test.go runs them.

// crsFile is one YAML file: the tests of one rule.
type crsFile struct {
	Meta struct {
		Author      string `yaml:"author"`
		Description string `yaml:"description"`
		Enabled     *bool  `yaml:"enabled"`
		Name        string `yaml:"name"`
	} `yaml:"meta"`
	Author string    `yaml:"author"` // 932271.yaml has it outside meta
	RuleID int       `yaml:"rule_id"`
	Tests  []crsTest `yaml:"tests"`
}

type crsTest struct {
	TestID int        `yaml:"test_id"`
	Desc   string     `yaml:"desc"`
	Stages []crsStage `yaml:"stages"`
}

type crsStage struct {
	Input  crsInput  `yaml:"input"`
	Output crsOutput `yaml:"output"`
}

// crsInput is go-ftw's input; nil pointers take go-ftw's defaults.
type crsInput struct {
	DestAddr            string            `yaml:"dest_addr"`
	Port                int               `yaml:"port"`
	Protocol            string            `yaml:"protocol"`
	Method              *string           `yaml:"method"`
	URI                 *string           `yaml:"uri"`
	Version             *string           `yaml:"version"`
	Headers             map[string]string `yaml:"headers"`
	Data                *string           `yaml:"data"`
	EncodedRequest      string            `yaml:"encoded_request"`
	AutocompleteHeaders *bool             `yaml:"autocomplete_headers"`
	StopMagic           *bool             `yaml:"stop_magic"`
	SaveCookie          bool              `yaml:"save_cookie"`
}

type crsOutput struct {
	Status           int    `yaml:"status"`
	ResponseContains string `yaml:"response_contains"`
	ExpectError      *bool  `yaml:"expect_error"`
	Isolated         bool   `yaml:"isolated"`
	RetryOnce        *bool  `yaml:"retry_once"`
	Log              struct {
		ExpectIDs    []int  `yaml:"expect_ids"`
		NoExpectIDs  []int  `yaml:"no_expect_ids"`
		MatchRegex   string `yaml:"match_regex"`
		NoMatchRegex string `yaml:"no_match_regex"`
	} `yaml:"log"`
}

// checksLog reports whether the stage expects anything of the WAF's log, the only
// output an in-process run has. A stage that only expects a status (400 from Apache
// for a malformed request line) or an error is about the web server in front.
func (o crsOutput) checksLog() bool {
	l := o.Log
	return len(l.ExpectIDs) > 0 || len(l.NoExpectIDs) > 0 || l.MatchRegex != "" || l.NoMatchRegex != ""
}

// crsCase is one test (one test_id) ready to run.
type crsCase struct {
	ID     string // "920100-8": rule id and test id, as go-ftw and known-failures name it
	File   string // the rule file the test belongs to, e.g. REQUEST-920-PROTOCOL-ENFORCEMENT
	Stages []crsStage
}

// loadCRSTests reads every test in the embedded CRS test suite, in path order. It fails
// on a field it does not know, so that a CRS upgrade that adds one is noticed rather
// than silently ignored.
func loadCRSTests() ([]crsCase, error) {
	var out []crsCase
	err := fs.WalkDir(crstests.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		b, err := fs.ReadFile(crstests.FS, p)
		if err != nil {
			return err
		}
		var f crsFile
		if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if len(f.Tests) == 0 || f.Meta.Enabled != nil && !*f.Meta.Enabled {
			return nil // 920539.yaml is all comments: a placeholder for the linter
		}
		if f.RuleID == 0 {
			return fmt.Errorf("%s: no rule_id", p)
		}
		for i, t := range f.Tests {
			id := t.TestID
			if id == 0 {
				id = i + 1 // go-ftw numbers tests without an id by position
			}
			out = append(out, crsCase{
				ID:     fmt.Sprintf("%d-%d", f.RuleID, id),
				File:   path.Dir(p),
				Stages: t.Stages,
			})
		}
		return nil
	})
	return out, err
}

// errUnrepresentable marks an encoded_request that is not an HTTP/1 request nginx
// could have forwarded: no request line, a header line without a colon.
var errUnrepresentable = errors.New("raw request cannot be represented as a Request")

// crsClient is the address go-ftw connects from.
var crsClient = netip.MustParseAddr("127.0.0.1")

// request builds the Request go-ftw would send for in.
func (in crsInput) request() (*Request, error) {
	if in.EncodedRequest != "" {
		raw, err := base64.StdEncoding.DecodeString(in.EncodedRequest)
		if err != nil {
			return nil, fmt.Errorf("encoded_request: %w", err)
		}
		r, err := parseRawRequest(raw)
		if err != nil {
			return nil, err
		}
		r.ClientAddr, r.ClientPort = crsClient, 40000
		r.ServerAddr, r.ServerPort = crsClient, in.Port
		return r, nil
	}
	method, uri, version := "GET", "/", "HTTP/1.1"
	if in.Method != nil {
		method = *in.Method
	}
	if in.URI != nil {
		uri = *in.URI
	}
	if in.Version != nil {
		version = *in.Version
	}
	autocomplete := true
	switch {
	case in.AutocompleteHeaders != nil:
		autocomplete = *in.AutocompleteHeaders
	case in.StopMagic != nil:
		autocomplete = !*in.StopMagic
	}

	// go-ftw keeps one value per header name, case-sensitively, and writes them sorted
	// by name; add only sets a header that is not there yet.
	h := make(map[string]string, len(in.Headers)+3)
	maps.Copy(h, in.Headers)
	add := func(k, v string) {
		if h[k] == "" {
			h[k] = v
		}
	}
	var data []byte
	if in.Data != nil {
		data = []byte(*in.Data)
	}
	if len(data) > 0 && autocomplete {
		add("Content-Type", "application/x-www-form-urlencoded")
		data = encodeFormData(h["Content-Type"], data)
	}
	if strings.HasPrefix(h["Content-Type"], "multipart/form-data;") {
		// go-ftw sends multipart bodies with CRLF line ends, as the RFC wants.
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	}
	if autocomplete {
		add("Connection", "close")
		if len(data) > 0 || methodWithBody.MatchString(method) {
			add("Content-Length", strconv.Itoa(len(data)))
		}
	}

	r := &Request{
		ClientAddr: crsClient, ClientPort: 40000,
		ServerAddr: crsClient, ServerPort: in.Port,
		Method: method, URI: uri, Proto: version,
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		r.Headers = append(r.Headers, Header{k, h[k]})
	}
	body, err := frameBody(r.Headers, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnrepresentable, err)
	}
	r.Body = body
	return r, nil
}

// methodWithBody is go-ftw's test for a method that gets a Content-Length even without
// data. The missing group is go-ftw's: "^POST" or "PUT" or "PATCH" or "DELETE$".
var methodWithBody = regexp.MustCompile(`^POST|PUT|PATCH|DELETE$`)

// encodeFormData urlencodes the keys and values of a form body that is not encoded
// yet, as go-ftw does: CRS tests write form data with raw values.
func encodeFormData(contentType string, data []byte) []byte {
	if contentType != "application/x-www-form-urlencoded" {
		return data
	}
	if u, err := url.QueryUnescape(string(data)); err != nil || u != string(data) {
		return data // already encoded
	}
	var b strings.Builder
	for i, tok := range strings.Split(string(data), "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		k, v, ok := strings.Cut(tok, "=")
		b.WriteString(url.QueryEscape(k))
		if ok {
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
	}
	return []byte(b.String())
}

// parseRawRequest reads an HTTP/1 request as a server in front of sidewall would: the
// request line and header fields as they are (names keep their case and order), the
// body as frameBody finds it.
func parseRawRequest(raw []byte) (*Request, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnrepresentable, err)
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: request line %q", errUnrepresentable, line)
	}
	r := &Request{Method: parts[0], URI: parts[1], Proto: parts[2]}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUnrepresentable, err)
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("%w: header line %q", errUnrepresentable, line)
		}
		value = strings.Trim(value, " \t")
		r.Headers = append(r.Headers, Header{name, value})
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	if r.Body, err = frameBody(r.Headers, body); err != nil {
		return nil, fmt.Errorf("%w: %v", errUnrepresentable, err)
	}
	return r, nil
}

// frameBody returns the part of the bytes after the header that a server reads as
// the body: de-chunked when Transfer-Encoding is chunked (which wins over
// Content-Length, as RFC 9112 says), else cut at Content-Length, else nothing, for an
// HTTP/1 request without either has no body: what follows is the next request.
func frameBody(headers []Header, rest []byte) ([]byte, error) {
	chunked, length := false, -1
	for _, h := range headers {
		switch {
		case strings.EqualFold(h.Name, "Transfer-Encoding") && strings.EqualFold(h.Value, "chunked"):
			chunked = true
		case strings.EqualFold(h.Name, "Content-Length"):
			if n, err := strconv.Atoi(h.Value); err == nil && n >= 0 {
				length = n
			}
		}
	}
	var body []byte
	switch {
	case chunked:
		b, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(rest)))
		if err != nil {
			return nil, fmt.Errorf("chunked body: %w", err)
		}
		body = b
	case length >= 0:
		body = rest[:min(length, len(rest))]
	}
	if len(body) == 0 {
		return nil, nil
	}
	return body, nil
}

// readLine reads one line ending in CRLF (or a bare LF) without the line end.
func readLine(br *bufio.Reader) (string, error) {
	s, err := br.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("unterminated line %q", s)
	}
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r"), nil
}

func TestParseRawRequest(t *testing.T) {
	tests := []struct {
		name, raw  string
		wantErr    bool
		wantProto  string
		wantBody   string
		wantHeader int
	}{
		{"no body", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", false, "HTTP/1.1", "", 1},
		{"cut at Content-Length", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc\r\n\r\n", false, "HTTP/1.0", "abc", 1},
		{"chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nHi \r\n3\r\nCRS\r\n0\r\n\r\n", false, "HTTP/1.1", "Hi CRS", 1},
		{"no framing, no body", "POST / HTTP/1.1\r\nHost: a\r\n\r\nleftover", false, "HTTP/1.1", "", 1},
		{"empty header value", "GET / HTTP/1.0\r\nHost:\r\n\r\n", false, "HTTP/1.0", "", 1},
		{"duplicate headers kept", "GET / HTTP/1.1\r\nA: 1\r\nA: 2\r\n\r\n", false, "HTTP/1.1", "", 2},
		{"no version", "GET /\r\n\r\n", true, "", "", 0},
		{"header without colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", true, "", "", 0},
		{"unterminated", "GET / HTTP/1.1\r\nHost: a", true, "", "", 0},
		{"bad chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", true, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRawRequest([]byte(tc.raw))
			if tc.wantErr {
				if !errors.Is(err, errUnrepresentable) {
					t.Fatalf("err = %v; want errUnrepresentable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Proto != tc.wantProto || string(r.Body) != tc.wantBody || len(r.Headers) != tc.wantHeader {
				t.Errorf("got Proto %q, Body %q, %d headers; want %q, %q, %d",
					r.Proto, r.Body, len(r.Headers), tc.wantProto, tc.wantBody, tc.wantHeader)
			}
		})
	}
}

func TestCRSInputRequest(t *testing.T) {
	str := func(s string) *string { return &s }
	no := false
	tests := []struct {
		name     string
		in       crsInput
		wantBody string
		wantHdrs []Header
	}{
		{"defaults", crsInput{Headers: map[string]string{"Host": "localhost"}}, "",
			[]Header{{"Connection", "close"}, {"Host", "localhost"}}},
		{"form data is encoded and framed", crsInput{Method: str("POST"), Data: str("a=1 2&b=<x>")}, "a=1+2&b=%3Cx%3E",
			[]Header{{"Connection", "close"}, {"Content-Length", "15"}, {"Content-Type", "application/x-www-form-urlencoded"}}},
		{"encoded data is left alone", crsInput{Method: str("POST"), Data: str("a=%27")}, "a=%27",
			[]Header{{"Connection", "close"}, {"Content-Length", "5"}, {"Content-Type", "application/x-www-form-urlencoded"}}},
		{"no autocomplete, no Content-Length: no body", crsInput{Method: str("POST"), Data: str("x"), AutocompleteHeaders: &no}, "", nil},
		{"multipart gets CRLF", crsInput{Method: str("POST"), Headers: map[string]string{"Content-Type": "multipart/form-data; boundary=b"},
			Data: str("--b\nx\n--b--\n")}, "--b\r\nx\r\n--b--\r\n",
			[]Header{{"Connection", "close"}, {"Content-Length", "15"}, {"Content-Type", "multipart/form-data; boundary=b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.in.request()
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != tc.wantBody || !slices.Equal(r.Headers, tc.wantHdrs) {
				t.Errorf("got Body %q, Headers %q; want %q, %q", r.Body, r.Headers, tc.wantBody, tc.wantHdrs)
			}
		})
	}
}
