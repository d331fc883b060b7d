package waf

import libinjection "github.com/corazawaf/libinjection-go"

// The operator @detectLibinjection (a finderOp of findLibinjection and a MayMatch that
// always says maybe) runs both of libinjection's checks, SQL and XSS, on a value; it
// captures "sqli <fingerprint>" or "xss" as TX.0. The CRS runs each check in a rule of
// its own (942100, 941100); sidewall's structured-header rules (SIDEWALL-494-HEADERS.conf)
// run both on a header value that breaks its grammar, in one chained rule per header
// family.
func findLibinjection(v string) (string, bool) {
	if ok, fp := libinjection.IsSQLi(v); ok {
		return "sqli " + fp, true
	}
	if libinjection.IsXSS(v) {
		return "xss", true
	}
	return "", false
}

func anyValue(string) bool { return true }
