package tune

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// logLine is a denial as sidewall logs it.
func logLine(action, method, uri, matches string) string {
	return `{"time":"2026-12-06T05:00:00Z","level":"INFO","msg":"denied","action":"` + action + `","method":"` + method +
		`","uri":"` + uri + `","score":5,"rules":"942190,949110","matches":[` + matches + `]}` + "\n"
}

const (
	m942190 = `{"id":942190,"msg":"Detects MSSQL code execution","data":"Matched Data: 'select a found within ARGS:json.content","vars":["ARGS:json.content"]}`
	m941180 = `{"id":941180,"msg":"Node-Validator Deny List Keywords","data":"window.location","vars":["ARGS:json.2.message:b64"]}`
	m942290 = `{"id":942290,"msg":"MongoDB","data":"$in","vars":["ARGS:cookie:mp_x_mixpanel:json.$initial_referrer"]}`
	m949110 = `{"id":949110,"msg":"Inbound Anomaly Score Exceeded","data":"","vars":["TX:blocking_inbound_anomaly_score"]}`
	mPath   = `{"id":930100,"msg":"Path Traversal","data":"..","vars":["REQUEST_FILENAME"]}`
)

func TestPropose(t *testing.T) {
	var log strings.Builder
	for i := 0; i < 3; i++ {
		log.WriteString(logLine("detect", "POST", "/api/comments/1"+strings.Repeat("0", i)+"?x=1", m942190+","+m949110))
	}
	log.WriteString(logLine("detect", "PUT", "/api/comments/77", m942190))
	log.WriteString(logLine("detect", "POST", "/api/envelope/", m941180)) // once: below MinCount
	for _, p := range []string{"/", "/shop", "/cart", "/account"} {
		log.WriteString(logLine("waf", "GET", p, m942290))
	}
	log.WriteString(logLine("detect", "GET", "/a/../b", mPath))                                      // a variable no exclusion takes
	log.WriteString(`{"action":"waf","msg":"denied","uri":"/x","limit":"args","matches":[]}` + "\n") // a limit
	log.WriteString("not json\n" + `{"action":"allow","uri":"/"}` + "\n")
	ds, err := Read(strings.NewReader(log.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 11 {
		t.Fatalf("read %d decisions, want 11", len(ds))
	}
	got := Propose(ds, Options{})
	for i := range got {
		got[i].Messages, got[i].Example = nil, ""
	}
	want := []Proposal{
		{Rules: []int{942190}, Target: "ARGS:json.content", PathPrefix: "/api/comments/", Methods: []string{"POST", "PUT"}, Count: 4},
		{Rules: []int{942290}, Target: "REQUEST_COOKIES:mp_x_mixpanel", Count: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("proposals\n %+v\nwant\n %+v", got, want)
	}
}

func TestTarget(t *testing.T) {
	for v, want := range map[string]string{
		"ARGS:json.content":                 "ARGS:json.content",
		"ARGS_POST:comment":                 "ARGS:comment",
		"ARGS:json.payload:b64:json.q":      "ARGS:json.payload",
		"ARGS:q:join":                       "ARGS:q",
		"ARGS:query:gql":                    "ARGS:query",
		"ARGS:cookie:prefs:b64":             "REQUEST_COOKIES:prefs",
		"ARGS:header:x-data:b64":            "REQUEST_HEADERS:x-data",
		"ARGS_NAMES:json.properties.$set":   "ARGS_NAMES:json.properties.$set",
		"REQUEST_COOKIES:_ga":               "REQUEST_COOKIES:_ga",
		"REQUEST_HEADERS:x-forwarded-proto": "REQUEST_HEADERS:x-forwarded-proto",
		"REQUEST_FILENAME":                  "",
		"TX:blocking_inbound_anomaly_score": "",
		"ARGS":                              "",
	} {
		if got := target(v); got != want {
			t.Errorf("target(%q) = %q, want %q", v, got, want)
		}
	}
}

func TestPathKey(t *testing.T) {
	for p, want := range map[string]string{
		"/":                        "/",
		"/api/comments":            "/api/comments",
		"/api/comments/123":        "/api/comments/*",
		"/api/v1/items/4628/edit":  "/api/v1/items/*",
		"/t/docker-compose/24361":  "/t/docker-compose/*",
		"/u/8f52a55a1d474939b4906": "/u/*",
		"/c/3fa85f64-5717-4562-b3fc-2c963f66afa6": "/c/*",
		"/products/red-running-shoes":             "/products/red-running-shoes",
	} {
		if got := pathKey(p); got != want {
			t.Errorf("pathKey(%q) = %q, want %q", p, got, want)
		}
	}
}

// TestWriteTOMLLoads: what WriteTOML writes is TOML that decodes to the same exclusions.
func TestWriteTOMLLoads(t *testing.T) {
	ps := []Proposal{
		{Rules: []int{942190, 942100}, Target: `ARGS:json."odd\name`, PathPrefix: "/api/", Methods: []string{"POST"}, Count: 3, Messages: []string{"942190 m"}, Example: "x\ny"},
		{Rules: []int{942290}, Target: "REQUEST_COOKIES:mp", Count: 9},
		{Rules: []int{941390}, Tags: []string{"attack-rce"}, Target: "ARGS:a", Path: "/q", Count: 2},
	}
	var b bytes.Buffer
	if err := WriteTOML(&b, ps, 12); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		WAF struct {
			Exclusions []struct {
				Rules      []int
				Tags       []string
				Target     string
				Path       string
				PathPrefix string `toml:"path_prefix"`
				Methods    []string
			}
		}
	}
	if _, err := toml.Decode(b.String(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	xs := doc.WAF.Exclusions
	if len(xs) != 3 || !reflect.DeepEqual(xs[2].Tags, []string{"attack-rce"}) || xs[0].Target != ps[0].Target || xs[0].PathPrefix != "/api/" || !reflect.DeepEqual(xs[0].Rules, ps[0].Rules) ||
		xs[1].Target != "REQUEST_COOKIES:mp" || xs[1].Path != "" || xs[1].PathPrefix != "" {
		t.Errorf("decoded %+v from\n%s", xs, b.String())
	}
}

func FuzzRead(f *testing.F) {
	f.Add(logLine("detect", "POST", "/api/x?y", m942190))
	f.Fuzz(func(t *testing.T, s string) {
		ds, _ := Read(strings.NewReader(s))
		Propose(ds, Options{})
	})
}

// TestCodeFieldsAreGeneralized: a variable that drew rules of three families or more is
// taken for a field of code; the code-finding families are excluded from it by tag, SQL
// injection and XSS rule by rule.
func TestCodeFieldsAreGeneralized(t *testing.T) {
	var log strings.Builder
	for _, id := range []string{"932140", "933160", "941390", "942151"} {
		m := `{"id":` + id + `,"msg":"m","data":"d","vars":["ARGS:answer[body]"]}`
		log.WriteString(logLine("detect", "POST", "/questions/12", m))
	}
	ds, err := Read(strings.NewReader(log.String()))
	if err != nil {
		t.Fatal(err)
	}
	got := Propose(ds, Options{})
	if len(got) != 1 {
		t.Fatalf("%d proposals, want 1: %+v", len(got), got)
	}
	p := got[0]
	if !reflect.DeepEqual(p.Tags, codeFamilies) || !reflect.DeepEqual(p.Rules, []int{941390, 942151}) || p.PathPrefix != "/questions/" {
		t.Errorf("proposal %+v; want tags %v and rules [941390 942151] on /questions/", p, codeFamilies)
	}
	// Two families are not enough to call a field code.
	two := Proposal{Rules: []int{932140, 941390}, PathPrefix: "/a/"}
	generalize(&two)
	if two.Tags != nil {
		t.Errorf("two families generalized: %+v", two)
	}
}
