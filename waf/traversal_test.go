package waf

import "testing"

func TestFindTraversal(t *testing.T) {
	testFinder(t, "findTraversal", findTraversal, []finderCase{
		{"%2e%2e%2f%2e%2e%2fetc%2fpasswd", "../../etc/passwd"},
		{"%252e%252e%252fsecret", "../secret"},
		{"/%%32%65%%32%65/%%32%65%%32%65/etc/passwd", "/../../etc/passwd"},
		{"%u002e%u002e%u2215x", "../x"},
		{"..\xc0\xaf..\xc0\xafWEB-INF/web.xml", "../../WEB-INF/web.xml"},
		{"%c0%ae%c0%ae/x", "../x"},
		{"%e0%80%ae%e0%80%ae/x", "../x"},
		{"\uff0e\uff0e\uff0fx", "../x"},
		{"....//....//etc/passwd", "....//....//etc/passwd"},
		{"..././..././x", "..././..././x"},
		{"..%5c..%5cwindows%5cwin.ini", "../../windows/win.ini"},
		{"..%3b/x", "..;/x"},
		// For the CRS, or not a traversal.
		{"../img/a.png", ""},
		{"..\\..\\x", ""},
		{"see the docs... then", ""},
		{"50% off...", ""},
		{"v1.2..v1.3", ""},
		{"https://example.com/a/b", ""},
	})
}

func TestFindOSFile(t *testing.T) {
	testFinder(t, "findOSFile", findOSFile, []finderCase{
		{"/api/v1/users/file:///etc/passwd", "/api/v1/users/file:///etc/passwd"},
		{`/C:\Windows\win.ini`, "/C:/Windows/win.ini"},
		{"..%2f..%2fproc%2fself%2fenviron", "../../proc/self/environ"},
		{"x/WEB-INF/web.xml", "x/WEB-INF/web.xml"},
		{"/docs/password-reset", ""},
		{"/etc/nginx/sites-available", ""},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", ""},
	})
}

func TestTraversalMayMatch(t *testing.T) {
	for _, v := range []string{"%2e%2e%2f", "....//", "\xc0\xaf", "\uff0e\uff0e\uff0f"} {
		if !traversalMayMatch(v) {
			t.Errorf("traversalMayMatch(%q) = false", v)
		}
	}
	for _, v := range []string{"/ETC/PASSWD", `C:\WINDOWS\WIN.INI`, "%2fetc%2fpasswd"} {
		if !osFileMayMatch(v) {
			t.Errorf("osFileMayMatch(%q) = false", v)
		}
	}
	for _, v := range []string{"plain text", "https://example.com/a/b", "/products/42"} {
		if traversalMayMatch(v) || osFileMayMatch(v) {
			t.Errorf("%q may match; it cannot", v)
		}
	}
}

func FuzzFindTraversal(f *testing.F) {
	fuzzFinder(f, findTraversal, "%%32%65%%32%65/..\xc0\xaf....//", "%u002e%u002e%u2215")
}

func TestWordSet(t *testing.T) {
	ws := newWordSet("etc", "Boot.ini", "-inf")
	for s, want := range map[string]bool{
		"": false, "/ETC/passwd": true, "x/boot.INI": true, "WEB-INF/web.xml": true,
		"et": false, "boot.in": false, "etcetera": true, "no words here": false, "inf": false,
	} {
		if got := ws.in(s); got != want {
			t.Errorf("in(%q) = %v, want %v", s, got, want)
		}
	}
}
