package waf

import (
	"bufio"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

// corpusEntry is one line of testdata/benign.jsonl; the file's header describes the format.
type corpusEntry struct {
	Name    string      `json:"name"`
	Method  string      `json:"method"`
	URI     string      `json:"uri"`
	Proto   string      `json:"proto"`
	Headers [][2]string `json:"headers"`
	Body    *string     `json:"body"`
}

func (c corpusEntry) request() *Request {
	r := &Request{
		ID:         c.Name,
		ClientAddr: client, ClientPort: 51000,
		Method: c.Method, URI: c.URI, Proto: c.Proto,
	}
	if r.Proto == "" {
		r.Proto = "HTTP/1.1"
	}
	for _, h := range c.Headers {
		r.Headers = append(r.Headers, Header{h[0], h[1]})
	}
	if c.Body != nil {
		r.Body = []byte(*c.Body)
		r.Headers = append(r.Headers, Header{"Content-Length", strconv.Itoa(len(r.Body))})
	}
	return r
}

// loadCorpus reads a request corpus in the format of testdata/benign.jsonl.
func loadCorpus(tb testing.TB, path string) []corpusEntry {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		var c corpusEntry
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			tb.Fatalf("%s:%d: %v", path, line, err)
		}
		if c.Name == "" || c.Method == "" || c.URI == "" {
			tb.Fatalf("%s:%d: name, method and uri are required", path, line)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// TestBenignCorpus is the false-positive guard: ordinary traffic must pass at paranoia
// level 1. Matches that stay below the threshold are logged, not failed, so that a CRS
// upgrade that starts scoring ordinary requests is visible before it starts denying them.
func TestBenignCorpus(t *testing.T) {
	corpus := loadCorpus(t, "testdata/benign.jsonl")
	if len(corpus) < 30 {
		t.Fatalf("corpus has %d requests; it should not shrink", len(corpus))
	}
	e := pl1.get(t)
	for _, c := range corpus {
		t.Run(c.Name, func(t *testing.T) {
			v := e.Inspect(c.request())
			if v.Interrupted || v.WouldInterrupt || v.Err != nil {
				t.Errorf("%s %s: Interrupted = %v, Status = %d, Score = %d, Err = %v, Matched = %+v",
					c.Method, c.URI, v.Interrupted, v.Status, v.Score, v.Err, v.Matched)
			} else if v.Matched != nil {
				t.Logf("%s %s: allowed with Score %d, Matched %+v", c.Method, c.URI, v.Score, v.Matched)
			}
		})
	}
}
