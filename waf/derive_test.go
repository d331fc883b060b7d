package waf

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// seeDerived reports every derived argument through a rule of its own: it matches an
// argument whose name ends in ":join" and logs its name and value.
var seeDerived = &lazyEngine{opts: Options{Directives: `SecRule ARGS:/:join$/ "@unconditionalMatch" ` +
	`"id:10,phase:2,pass,log,t:none,msg:'derived',logdata:'%{MATCHED_VAR_NAME}=%{MATCHED_VAR}'"`}}

func TestJoinedArguments(t *testing.T) {
	tests := []struct {
		name string
		req  *Request
		want string // the derived argument's logdata, "" for none
	}{
		{"no repeated name", get("/?a=1&b=2&c=3"), ""},
		{"query", get("/?tag=red&x=1&tag=blue"), "ARGS:tag:join=red,blue"},
		{"three values, in order", get("/?id=3&id=1&id=2"), "ARGS:id:join=3,1,2"},
		{"names compared without case", get("/?q=a&Q=b"), "ARGS:q:join=a,b"},
		{"form body", post("/f", formType, "c=one&c=two"), "ARGS:c:join=one,two"},
		{"query and body apart", post("/f?c=q1", formType, "c=b1"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := seeDerived.get(t).Inspect(tc.req)
			var got []string
			for _, m := range v.Matched {
				if m.ID == 10 {
					got = append(got, m.Data)
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("derived %q, want none", got)
			case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("derived %q, want [%q]", got, tc.want)
			}
		})
	}
}

// TestSplitAttackIsJoined: the values of ?id= pass the CRS one by one, joined they are
// the SQL injection ASP.NET hands the application.
func TestSplitAttackIsJoined(t *testing.T) {
	parts := []string{"UNION/*", "*/SELECT/*", "*/password FROM users"}
	var q []string
	for _, p := range parts {
		if v := pl1.get(t).Inspect(get("/item?id=" + url.QueryEscape(p))); v.Score != 0 {
			t.Fatalf("%q alone scores %d; the test needs pieces that pass alone", p, v.Score)
		}
		q = append(q, "id="+url.QueryEscape(p))
	}
	for _, req := range []*Request{
		get("/item?" + strings.Join(q, "&")),
		post("/item", formType, strings.Join(q, "&")),
	} {
		checkVerdict(t, pl1.get(t).Inspect(req), want{Interrupted: true, WouldInterrupt: true, Status: 403,
			Rules: []string{"942", "949110"}, DataContains: "ARGS:id:join"})
	}
}

func TestJoinedArgumentsManyNames(t *testing.T) {
	var q []string
	for i := 0; i < 100; i++ {
		q = append(q, "p"+strconv.Itoa(i)+"=1")
	}
	if v := seeDerived.get(t).Inspect(get("/?" + strings.Join(q, "&"))); len(v.Matched) != 0 {
		t.Errorf("100 distinct names: derived %v, want none", ids(v.Matched))
	}
	v := seeDerived.get(t).Inspect(get("/?" + strings.Join(q, "&") + "&p7=2"))
	if len(v.Matched) != 1 || v.Matched[0].Data != "ARGS:p7:join=1,2" {
		t.Errorf("100 names, one repeated: %+v", v.Matched)
	}
}
