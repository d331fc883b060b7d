package waf

import (
	"slices"
	"strings"
	"testing"
)

func TestImageDataURL(t *testing.T) {
	png := "iVBORw0KGgoAAAANSUhEUgAAABoAAAAhCAIAAABIlSz3AAADeklEQVR4nExWCZKrOBQT2GZP5h"
	tests := []struct {
		v, want string
	}{
		{"data:image/png;base64," + png, "[data URL, image/png, 54 bytes]"},
		{"data:IMAGE/PNG;charset=x;base64," + png, "[data URL, image/png, 54 bytes]"},
		{"data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD", "[data URL, image/jpeg, 18 bytes]"},
		{"data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP", "[data URL, image/gif, 15 bytes]"},
		{"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+", ""},        // SVG can hold script
		{"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ""},    // not an image
		{"data:image/png;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", ""},    // not a PNG inside
		{"data:image/png;base64," + png + "\"><script>alert(1)</script>", ""}, // not base64 to the end
		{"data:image/png," + png, ""},                                         // not base64-encoded
		{"see data:image/png;base64," + png, ""},                              // not the whole value
	}
	for _, tc := range tests {
		got, ok := imageDataURL(tc.v)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("imageDataURL(%.50q) = %q, %v; want %q", tc.v, got, ok, tc.want)
		}
	}
}

func TestLabelledBase64(t *testing.T) {
	tests := []struct {
		v, want string
	}{
		{"base64-eyJhIjoiYiJ9", "eyJhIjoiYiJ9"},
		{"base64-eyJhIjoiYiJ9==", "eyJhIjoiYiJ9=="},
		{"base64-ab+/cd_-ef", "ab+/cd_-ef"},
		{"base64-short", ""},             // under 8 characters
		{"base64-eyJhIjoiYiJ9===", ""},   // three pads
		{"base64 -d /etc/shadow", ""},    // the command
		{"base64-eyJhIjoiYiJ9;id", ""},   // not base64 to the end
		{"base64-eyJhIjoi YiJ9", ""},     // a blank
		{"xbase64-eyJhIjoiYiJ9", ""},     // not at the start
		{"base64-eyJhIjoiYiJ9%0Aid", ""}, // an escape
		{"Base64-eyJhIjoiYiJ9", ""},      // the label is lower case
		{"base64-eyJhIjoiYiJ9=x", ""},    // padding inside
	}
	for _, tc := range tests {
		got, ok := labelledBase64(tc.v)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("labelledBase64(%q) = %q, %v; want %q", tc.v, got, ok, tc.want)
		}
	}
}

func TestQueryString(t *testing.T) {
	tests := []struct {
		v    string
		want [][2]string
	}{
		{"?idsite=1&rec=1&url=https%3A%2F%2Fshop.example.com%2F%3Fa%3Db", [][2]string{{"idsite", "1"}, {"rec", "1"}, {"url", "https://shop.example.com/?a=b"}}},
		{"?a=1&e_n=Product%20tour&t=a+b", [][2]string{{"a", "1"}, {"e_n", "Product tour"}, {"t", "a b"}}},
		{"?q=1%27%20OR%201%3D1&x=2", [][2]string{{"q", "1' OR 1=1"}, {"x", "2"}}},
		{"?a=1", nil},            // one pair: too little to be sure
		{"idsite=1&rec=1", nil},  // no '?'
		{"?a=1&b=<script>", nil}, // raw '<'
		{"?a=1&b=x y", nil},      // raw space
		{"?a=1&b=$(id)", nil},    // raw '$' and parentheses
		{"?a=1&b=%zz", nil},      // bad escape
		{"?a=1&=2", nil},         // empty name
		{"?a=1&b", nil},          // no '='
	}
	for _, tc := range tests {
		got, ok := queryString(tc.v)
		if !slices.Equal(got, tc.want) || ok != (tc.want != nil) {
			t.Errorf("queryString(%q) = %q, %v; want %q", tc.v, got, ok, tc.want)
		}
	}
}

// TestShapesAreInspected runs requests through the engine: a shape's parts are found
// where an attack hides in them, and its benign form no longer draws rules.
func TestShapesAreInspected(t *testing.T) {
	matomo := `{"requests":["?idsite=1&rec=1&e_c=Video&url=https%3A%2F%2Fshop.example.com%2Fcollections%2Fwomens%3Fsort_by%3Dprice","?idsite=1&rec=1&action_name=Home"]}`
	tests := []struct {
		name string
		req  *Request
		want want
	}{
		{"Matomo bulk hits", post("/matomo.php", jsonType, matomo), want{NoMatches: true}},
		{"SQLi in a batched hit", post("/matomo.php", jsonType, strings.Replace(matomo, "action_name=Home", "action_name=1%27%20UNION%20SELECT%20password%20FROM%20users--", 1)),
			want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:json.requests.1:qs.action_name"}},
		{"GraphQL query", post("/graphql", jsonType, `{"query":"query Search($q: String!, $first: Int) { search(query: $q, first: $first) { nodes { id title } } }","variables":{"q":"tent","first":10}}`),
			want{NoMatches: true}},
		{"SQLi in a GraphQL literal", post("/graphql", jsonType, `{"query":"{ search(q: \"1' UNION SELECT password FROM users--\") { id } }"}`),
			want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:json.query:gql"}},
		{"an avatar as a data: URL", post("/api/me", jsonType, `{"avatar":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABoAAAAhCAIAAABIlSz3AAADeklEQVR4nExWCZKrOBQT2GZP5h"}`),
			want{NoMatches: true}},
		{"a Supabase session cookie", withHeader(get("/account"), "Cookie", "sb-abcdefghijklmnop-auth-token=base64-"+
			b64url(`{"access_token":"eyJhbGciOiJIUzI1NiJ9.e30.c2ln","token_type":"bearer","expires_in":3600,"refresh_token":"v4rfghj","user":{"email":"jane@example.org"}}`)),
			want{NoMatches: true}},
		{"SQLi in a labelled cookie", withHeader(get("/account"), "Cookie", "sb-x-auth-token=base64-"+b64url(`{"user":{"email":"1' UNION SELECT password FROM users--"}}`)),
			want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "cookie:sb-x-auth-token:b64:json.user.email"}},
		{"SQLi in a labelled argument", get("/?state=base64-" + b64url("1' UNION SELECT password FROM users--")),
			want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"942"}, DataContains: "ARGS:state:b64"}},
		{"the base64 command in a cookie", withHeader(get("/"), "Cookie", "x=base64 -d /etc/shadow"),
			want{Interrupted: true, WouldInterrupt: true, Status: 403, Rules: []string{"932"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkVerdict(t, pl1.get(t).Inspect(tc.req), tc.want) })
	}
}

func FuzzQueryString(f *testing.F) {
	f.Add("?a=1&b=2")
	f.Add("?x=%3Cscript%3E&y=1")
	f.Fuzz(func(t *testing.T, v string) {
		pairs, ok := queryString(v)
		if !ok {
			return
		}
		// Accepted values hold nothing a rule could miss by reading the pairs instead:
		// no raw byte outside the safe set.
		for i := 0; i < len(v); i++ {
			if c := v[i]; c == '"' || c == '<' || c == ' ' || c == ';' || c == '$' || c == '`' || c == '\\' {
				t.Fatalf("accepted %q with %q", v, c)
			}
		}
		if len(pairs) < 2 {
			t.Fatalf("accepted %q with %d pairs", v, len(pairs))
		}
	})
}

// FuzzLabelledBase64: what the label is stripped from holds nothing but the base64 and
// base64url alphabets after it, so no rule loses a byte of syntax by reading the rest.
func FuzzLabelledBase64(f *testing.F) {
	f.Add("base64-eyJhIjoiYiJ9")
	f.Add("base64 -d x")
	f.Fuzz(func(t *testing.T, v string) {
		rest, ok := labelledBase64(v)
		if !ok {
			return
		}
		if "base64-"+rest != v || strings.Trim(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=") != "" {
			t.Fatalf("accepted %q, rest %q", v, rest)
		}
	})
}
