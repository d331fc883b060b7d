// Package crstest loads the OWASP CRS regression tests that the coraza-coreruleset module
// embeds (the CRS's tests/regression/tests, in go-ftw's YAML format) into requests and
// expectations, for the runners that replay them: waf's TestCRS (in process, through
// Engine.Inspect) and e2e's TestCRSThroughNginx (on the wire, through nginx and sidewall).
//
// Each test's stages keep go-ftw's input and output. Input.Request builds the request a
// web server in front would have read from go-ftw's bytes (for an in-process run);
// Input.Wire returns those bytes (for a run through a real server). Both follow go-ftw:
// its default method, URI and version, its autocompleted headers (Connection,
// Content-Length, Content-Type for form data), sorted by name, and its encoding of form
// bodies.
//
// The package only reads the embedded files; it holds no state.
package crstest

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
	"net/url"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	crstests "github.com/corazawaf/coraza-coreruleset/v4/tests"
	"github.com/goccy/go-yaml"
)

// file is one YAML file: the tests of one rule.
type file struct {
	Meta struct {
		Author      string `yaml:"author"`
		Description string `yaml:"description"`
		Enabled     *bool  `yaml:"enabled"`
		Name        string `yaml:"name"`
	} `yaml:"meta"`
	Author string `yaml:"author"` // 932271.yaml has it outside meta
	RuleID int    `yaml:"rule_id"`
	Tests  []test `yaml:"tests"`
}

type test struct {
	TestID int     `yaml:"test_id"`
	Desc   string  `yaml:"desc"`
	Stages []Stage `yaml:"stages"`
}

// Stage is one request of a test and what the WAF should make of it.
type Stage struct {
	Input  Input  `yaml:"input"`
	Output Output `yaml:"output"`
}

// Input is go-ftw's input; nil pointers take go-ftw's defaults.
type Input struct {
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

// Output is go-ftw's expectation of a stage. Runners judge Log.ExpectIDs and
// Log.NoExpectIDs against the rule ids the WAF reports for the request.
type Output struct {
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

// ChecksLog reports whether the stage expects anything of the WAF's log, the only
// output an in-process run has. A stage that only expects a status (400 from Apache
// for a malformed request line) or an error is about the web server in front.
func (o Output) ChecksLog() bool {
	l := o.Log
	return len(l.ExpectIDs) > 0 || len(l.NoExpectIDs) > 0 || l.MatchRegex != "" || l.NoMatchRegex != ""
}

// Case is one test (one test_id) ready to run.
type Case struct {
	ID     string // "920100-8": rule id and test id, as go-ftw and known-failures name it
	File   string // the rule file the test belongs to, e.g. REQUEST-920-PROTOCOL-ENFORCEMENT
	Stages []Stage
}

// Load reads every test in the embedded CRS test suite, in path order. It fails
// on a field it does not know, so that a CRS upgrade that adds one is noticed rather
// than silently ignored.
func Load() ([]Case, error) {
	return LoadFS(crstests.FS)
}

// LoadFS reads every test in fsys in the same format, in path order: the CRS's layout
// (a directory per rule file, a YAML file per rule) or YAML files side by side, one per
// rule file, as sidewall's own rules keep theirs (waf/testdata/sidewall-tests). A
// Case's File is the directory in the first layout and the file's name without ".yaml"
// in the second.
func LoadFS(fsys fs.FS) ([]Case, error) {
	var out []Case
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		var f file
		if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if len(f.Tests) == 0 || f.Meta.Enabled != nil && !*f.Meta.Enabled {
			return nil // 920539.yaml is all comments: a placeholder for the linter
		}
		if f.RuleID == 0 {
			return fmt.Errorf("%s: no rule_id", p)
		}
		name := path.Dir(p)
		if name == "." {
			name = strings.TrimSuffix(path.Base(p), ".yaml")
		}
		for i, t := range f.Tests {
			id := t.TestID
			if id == 0 {
				id = i + 1 // go-ftw numbers tests without an id by position
			}
			out = append(out, Case{
				ID:     fmt.Sprintf("%d-%d", f.RuleID, id),
				File:   name,
				Stages: t.Stages,
			})
		}
		return nil
	})
	return out, err
}

// Setup is the suite's rule 900005 (the CRS's tests/regression README; Coraza's
// testing/coreruleset uses the same), less what a runner sets as engine options: paranoia
// level 4 and detection only, so that every rule runs and logs. It belongs after the CRS
// setup and before the CRS rules (waf.Options.BeforeCRS, config key waf.before_crs).
const Setup = `SecAction "id:900005,phase:1,nolog,pass,t:none,` +
	`ctl:ruleRemoveById=910000,` +
	`setvar:tx.crs_validate_utf8_encoding=1,` +
	`setvar:tx.arg_name_length=100,` +
	`setvar:tx.arg_length=400,` +
	`setvar:tx.total_arg_length=64000,` +
	`setvar:tx.max_num_args=255,` +
	`setvar:tx.max_file_size=64100,` +
	`setvar:tx.combined_file_sizes=65535"`

// ErrUnrepresentable marks an encoded_request that is not an HTTP/1 request nginx
// could have forwarded: no request line, a header line without a colon.
var ErrUnrepresentable = errors.New("crstest: raw request cannot be represented as a Request")

// Request is a request as the web server in front of the WAF reads it from go-ftw's
// bytes: what an in-process runner hands to the WAF.
type Request struct {
	Method, URI, Proto string
	Headers            []Header // in the order sent, names as sent
	Body               []byte   // framed (de-chunked, cut at Content-Length); nil when none
}

// Header is one request header field.
type Header struct{ Name, Value string }

// Request builds the Request a server would read from the bytes go-ftw sends for in
// (see Wire). It fails with ErrUnrepresentable when those bytes are not an HTTP/1
// request: a server would reject them, so there is nothing to inspect.
func (in Input) Request() (*Request, error) {
	if in.EncodedRequest != "" {
		raw, err := base64.StdEncoding.DecodeString(in.EncodedRequest)
		if err != nil {
			return nil, fmt.Errorf("crstest: encoded_request: %w", err)
		}
		return parseRawRequest(raw)
	}
	r := in.compose()
	body, err := frameBody(r.Headers, r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnrepresentable, err)
	}
	r.Body = body
	return r, nil
}

// Wire returns the bytes go-ftw writes to the connection for in: the decoded
// encoded_request as it is, or the request line, the header fields and the data, which
// go-ftw does not frame (a test without Content-Length sends its data anyway).
func (in Input) Wire() ([]byte, error) {
	if in.EncodedRequest != "" {
		raw, err := base64.StdEncoding.DecodeString(in.EncodedRequest)
		if err != nil {
			return nil, fmt.Errorf("crstest: encoded_request: %w", err)
		}
		return raw, nil
	}
	r := in.compose()
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, r.URI, r.Proto)
	for _, h := range r.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
	}
	b.WriteString("\r\n")
	b.Write(r.Body)
	return b.Bytes(), nil
}

// compose builds go-ftw's request for an input without encoded_request; its Body is
// the data as sent, not framed.
func (in Input) compose() *Request {
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

	r := &Request{Method: method, URI: uri, Proto: version, Body: data}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		r.Headers = append(r.Headers, Header{k, h[k]})
	}
	return r
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
		return nil, fmt.Errorf("%w: %v", ErrUnrepresentable, err)
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: request line %q", ErrUnrepresentable, line)
	}
	r := &Request{Method: parts[0], URI: parts[1], Proto: parts[2]}
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnrepresentable, err)
		}
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("%w: header line %q", ErrUnrepresentable, line)
		}
		value = strings.Trim(value, " \t")
		r.Headers = append(r.Headers, Header{name, value})
	}
	body, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	if r.Body, err = frameBody(r.Headers, body); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnrepresentable, err)
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

// ReadKnown reads a list of CRS tests that fail for a known reason: one "RULE-TEST
// reason" per line, # starts a comment. A test without a reason is an error: the list
// is a record of decisions, not a mute button.
func ReadKnown(name string) (map[string]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("crstest: %w", err)
	}
	out := make(map[string]string)
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		reason = strings.TrimSpace(reason)
		if !knownID.MatchString(id) || reason == "" {
			return nil, fmt.Errorf("crstest: %s:%d: want \"RULE-TEST reason\", got %q", name, n+1, line)
		}
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("crstest: %s:%d: %s listed twice", name, n+1, id)
		}
		out[id] = reason
	}
	return out, nil
}

var knownID = regexp.MustCompile(`^\d+-\d+$`)
