package corpus

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdata = "../testdata"

// TestCommittedCorpus checks that eval/testdata holds exactly what the generators make:
// a change to a generator must come with its output (go run ./eval/gen).
func TestCommittedCorpus(t *testing.T) {
	files, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	stale := 0
	for _, f := range files {
		want, err := f.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(f.Path(testdata))
		if err != nil || !bytes.Equal(got, want) {
			stale++
			t.Errorf("%s differs from the generator's output (%v)", f.Path(testdata), err)
		}
	}
	all, _ := filepath.Glob(filepath.Join(testdata, "*", "*.jsonl"))
	if len(all) != len(files) {
		t.Errorf("%d corpus files in testdata, the generators make %d", len(all), len(files))
	}
	if stale > 0 || len(all) != len(files) {
		t.Log("regenerate the corpus with: go run ./eval/gen")
	}
}

// TestCorpusShape checks what the report relies on: thousands of benign requests, at
// least 50 samples per attack class, ids unique, every benign request parseable by Go's
// HTTP server as the bytes Raw sends, with its whole body.
func TestCorpusShape(t *testing.T) {
	files, err := Load(testdata)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	n := map[string]int{}
	for _, f := range files {
		n[f.Corpus] += len(f.Requests)
		if f.Corpus == Attack && len(f.Requests) < 50 {
			t.Errorf("attack class %s: %d samples, want at least 50", f.Name, len(f.Requests))
		}
		for _, r := range f.Requests {
			if ids[r.ID] {
				t.Errorf("duplicate id %s", r.ID)
			}
			ids[r.ID] = true
			if f.Corpus == Attack && (r.Class != f.Name || r.Place == "") {
				t.Errorf("%s: class %q place %q", r.ID, r.Class, r.Place)
			}
			raw, err := r.Raw("X-Forwarded-For: 198.18.0.1")
			if err != nil {
				t.Fatal(err)
			}
			if f.Corpus == Benign && strings.Contains(r.Target, "#") {
				t.Errorf("%s: a fragment in the target, which browsers never send: %s", r.ID, r.Target)
			}
			if f.Corpus == Attack {
				continue // attacks may hold what Go's parser refuses (%%32%65) and nginx takes
			}
			req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				t.Errorf("%s: %v", r.ID, err)
				continue
			}
			body, _ := r.BodyBytes()
			if req.ContentLength != int64(len(body)) && !(req.ContentLength == -1 && len(body) == 0) && !(req.ContentLength == 0 && len(body) == 0) {
				t.Errorf("%s: Content-Length %d, body %d bytes", r.ID, req.ContentLength, len(body))
			}
		}
	}
	if n[Benign] < 5000 {
		t.Errorf("%d benign requests, want thousands (5000+)", n[Benign])
	}
}
