package crstest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

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
				if !errors.Is(err, ErrUnrepresentable) {
					t.Fatalf("err = %v; want ErrUnrepresentable", err)
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
		in       Input
		wantBody string
		wantHdrs []Header
	}{
		{"defaults", Input{Headers: map[string]string{"Host": "localhost"}}, "",
			[]Header{{"Connection", "close"}, {"Host", "localhost"}}},
		{"form data is encoded and framed", Input{Method: str("POST"), Data: str("a=1 2&b=<x>")}, "a=1+2&b=%3Cx%3E",
			[]Header{{"Connection", "close"}, {"Content-Length", "15"}, {"Content-Type", "application/x-www-form-urlencoded"}}},
		{"encoded data is left alone", Input{Method: str("POST"), Data: str("a=%27")}, "a=%27",
			[]Header{{"Connection", "close"}, {"Content-Length", "5"}, {"Content-Type", "application/x-www-form-urlencoded"}}},
		{"no autocomplete, no Content-Length: no body", Input{Method: str("POST"), Data: str("x"), AutocompleteHeaders: &no}, "", nil},
		{"multipart gets CRLF", Input{Method: str("POST"), Headers: map[string]string{"Content-Type": "multipart/form-data; boundary=b"},
			Data: str("--b\nx\n--b--\n")}, "--b\r\nx\r\n--b--\r\n",
			[]Header{{"Connection", "close"}, {"Content-Length", "15"}, {"Content-Type", "multipart/form-data; boundary=b"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.in.Request()
			if err != nil {
				t.Fatal(err)
			}
			if string(r.Body) != tc.wantBody || !slices.Equal(r.Headers, tc.wantHdrs) {
				t.Errorf("got Body %q, Headers %q; want %q, %q", r.Body, r.Headers, tc.wantBody, tc.wantHdrs)
			}
		})
	}
}

func TestInputWire(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"defaults", Input{Headers: map[string]string{"Host": "localhost"}},
			"GET / HTTP/1.1\r\nConnection: close\r\nHost: localhost\r\n\r\n"},
		{"form data, encoded and framed", Input{Method: str("POST"), URI: str("/a?b"), Data: str("a=<x>")},
			"POST /a?b HTTP/1.1\r\nConnection: close\r\nContent-Length: 9\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\na=%3Cx%3E"},
		{"encoded_request as it is", Input{EncodedRequest: "R0VUIC8KCg=="}, "GET /\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Wire()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Wire() = %q; want %q", got, tc.want)
			}
		})
	}
}

func TestLoadFSLayouts(t *testing.T) {
	const yml = "rule_id: 480300\ntests:\n  - test_id: 2\n    stages:\n      - input: {uri: /}\n        output:\n          log: {expect_ids: [480300]}\n"
	fsys := fstest.MapFS{
		"SIDEWALL-483-NOSQL.yaml":                         {Data: []byte(yml)},
		"REQUEST-942-APPLICATION-ATTACK-SQLI/942290.yaml": {Data: []byte(strings.Replace(yml, "480300", "942290", -1))},
		"README.md": {Data: []byte("not a test")},
	}
	cases, err := LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cases {
		got = append(got, c.ID+" "+c.File)
	}
	want := []string{"942290-2 REQUEST-942-APPLICATION-ATTACK-SQLI", "480300-2 SIDEWALL-483-NOSQL"}
	if !slices.Equal(got, want) {
		t.Errorf("LoadFS: %q; want %q", got, want)
	}
}
