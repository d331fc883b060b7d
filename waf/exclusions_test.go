package waf

import (
	"slices"
	"strings"
	"testing"
)

var excluded = &lazyEngine{opts: Options{Exclusions: []Exclusion{
	{RuleIDs: []int{942100, 942190}, Target: "ARGS:json.content", PathPrefix: "/api/comments", Methods: []string{"POST", "PUT"}},
	{RuleIDs: []int{941100}, Target: "REQUEST_COOKIES:legacy,prefs"},
	{RuleIDs: []int{932160}, Path: "/admin/shell"},
	{Tags: []string{"attack-rce"}, Target: "ARGS:answer[body]", PathPrefix: "/questions/"},
}}}

func TestExclusions(t *testing.T) {
	sqli := `{"content":"1' UNION SELECT password FROM users--","title":"x"}`
	tests := []struct {
		name    string
		req     *Request
		absent  []int // rules that must not match
		present []int // rules that must
	}{
		{"the excluded argument on the excluded path", post("/api/comments/7", jsonType, sqli), []int{942100, 942190}, nil},
		{"derived values of the excluded argument", post("/api/comments", jsonType, `{"content":"`+b64("1' UNION SELECT password FROM users--")+`"}`), []int{942100}, nil},
		{"another argument on the excluded path", post("/api/comments", jsonType, strings.Replace(sqli, `"content"`, `"other"`, 1)), nil, []int{942100}},
		{"another path", post("/api/orders", jsonType, sqli), nil, []int{942100}},
		{"another method", func() *Request { r := post("/api/comments", jsonType, sqli); r.Method = "PATCH"; return r }(), nil, []int{942100}},
		{"a cookie with a comma in its name", withHeader(get("/"), "Cookie", "legacy,prefs=%3Cscript%3Ealert(1)%3C/script%3E"), []int{941100}, nil},
		{"a whole rule on a path", get("/admin/shell?c=/bin/bash"), []int{932160}, nil},
		{"the whole rule elsewhere", get("/other?c=/bin/bash"), nil, []int{932160}},
		{"a family in a code field", post("/questions/7", formType, "answer%5Bbody%5D=run+/bin/bash+-c+id"), []int{932160}, nil},
		{"another family in the code field", post("/questions/7", formType, "answer%5Bbody%5D=1%27+UNION+SELECT+password+FROM+users--"), nil, []int{942100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := excluded.get(t).Inspect(tc.req)
			for _, id := range tc.absent {
				if slices.ContainsFunc(v.Matched, func(m Match) bool { return m.ID == id }) {
					t.Errorf("rule %d matched (%v); it is excluded", id, ids(v.Matched))
				}
			}
			for _, id := range tc.present {
				if !slices.ContainsFunc(v.Matched, func(m Match) bool { return m.ID == id }) {
					t.Errorf("rule %d did not match (%v); it is not excluded here", id, ids(v.Matched))
				}
			}
		})
	}
}

func TestExclusionsChecked(t *testing.T) {
	_, err := New(Options{Exclusions: []Exclusion{{Target: "BODY:x"}, {RuleIDs: []int{1}, Path: "api"}, {RuleIDs: []int{1}, Methods: []string{"get"}}}})
	for _, want := range []string{"exclusion 0: names no rule", `"BODY" is not one of`, "exclusion 1: path", "exclusion 2: method"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New: %v; want an error with %q", err, want)
		}
	}
}
