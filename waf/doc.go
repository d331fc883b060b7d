// Package waf inspects HTTP requests with Coraza v3 running the OWASP Core Rule Set v4
// (CRS), and returns a decision as a plain value the server can act on.
//
// # How a request is judged
//
// The CRS does not block on the first suspicious thing it sees. It runs in anomaly
// scoring mode: every detection rule that matches adds to the transaction's inbound
// anomaly score (5 for a critical match, 4 error, 3 warning, 2 notice) and lets the
// request go on. At the end of the request body phase (phase 2) rule 949110 compares the
// total with the threshold (Options.InboundAnomalyThreshold, 5 by default, so a single
// critical match is enough) and denies the request if it is reached. A request is
// therefore almost always denied by 949110, and the rules that explain why are the ones
// that matched before it: 942100 (SQL injection found by libinjection), 941100 (XSS), and
// so on. Verdict reports both: Matched lists every logged rule that matched and Score is
// the total that 949110 compared.
//
// Paranoia levels (1 to 4) choose how many rules run: level 1 is meant to be safe for any
// site, each level above adds rules that catch more and misfire more. Everything the CRS
// can be tuned with beyond these Options (allowed methods and content types, exclusions
// for an application's known false positives) is SecLang, passed in through
// Options.BeforeCRS, Options.RuleFiles and Options.Directives.
//
// # Building and using an Engine
//
// New parses coraza.conf-recommended, the CRS setup and all CRS rules (hundreds, most of
// them regular expressions), and compiling the patterns is most of its cost. Coraza
// shares compiled patterns between the WAFs of a process, so an Engine built while
// another is alive (a reload) costs a fraction of the first. Either way, build an Engine
// once per configuration, off the hot path, and share it. Inspect is
// safe for concurrent use; each call runs one Coraza transaction from start to finish
// (connection, URI, headers, body, logging) and closes it before it returns, so nothing
// about a request outlives the call except the Verdict.
//
// Only the request phases run. sidewall answers nginx's auth_request before the upstream
// is even asked, so there is never a response to inspect: response body access is off,
// the CRS response rules (95x) are loaded but their phases (3 and 4) never run, and the
// outbound score is always 0.
//
// # Limits
//
// The auth_request subrequest carries no body, so in production only the request line
// and headers are inspected; Request.Body exists for callers that do have one (and for
// tests of the body processors). The CRS is by far the most expensive check, and its
// cost grows with the number of headers, cookies and arguments (every argument meets
// every rule that inspects ARGS), which is why the server runs the WAF last. Most of what
// is left after the work below is Coraza's rule loop itself: every request walks the
// rules of each phase, and the CRS's own bookkeeping (setup actions, paranoia-level
// skips) matches on every request. What a request costs, measured, is in the README
// (Benchmarks) and third_party/coraza/SIDEWALL.md; the figures go stale, this design
// does not.
//
// Reading stops somewhere: Coraza collects at most SecArgumentsLimit arguments and drops
// the rest, and whatever a WAF does not read an attacker can hide behind padding. So
// every limit on what the Engine reads (Options.Limits: arguments, their names and
// values, nesting, multipart parts, cookies, header fields; and the body limit) fails
// closed: sidewall's own rules (ids 4801xx), loaded before the CRS, deny a request
// beyond one, and Verdict.Limit names it. See Limits.
//
// # sidewall's rules for attack classes
//
// The CRS at paranoia level 1 reads some classes weakly or not at all: LDAP, mail header
// and SMTP injection, server-side includes and templates, XXE (Coraza's XML parser
// drops the DTD, and no rule reads an upload's files), NoSQL operators in keys,
// command injection with its evasions, XSS through indirect JavaScript calls, SQL in
// path segments, and anything in a header but User-Agent and Referer. sidewall's own
// rules, rules/SIDEWALL-482-*.conf to -495-*.conf (ids 480300-481999, a block of a
// hundred per class; each file's header says which), run after the CRS's detection
// rules and score into the same inbound anomaly score, so that one of them denies a
// request at the default threshold as one CRS rule does.
//
// They are written against false positives first. A keyword regex flags prose ("select
// the best option"), code samples and analytics payloads, so each rule follows its
// attack's grammar (an operator in the position of a key, an LDAP filter closed and
// reopened, one line break and then a mail header) or confirms a hit with a parser of
// the attacked language, registered as an operator: @detectShell reads a value as a
// shell would (shell.go), @detectTemplate tokenizes template expressions (template.go),
// @detectJSCall reads JavaScript calls (jscall.go), @detectXXE reads XML markup
// declarations (xxe.go), @detectTraversal and @detectOSFile undo every encoding of a
// path (traversal.go), and libinjection confirms SQL and XSS (@detectSQLiPath and
// @detectLibinjection; libinjection.go, sqlpath.go). Two actions collect what Coraza's
// variables do not hold: sidewalldoctype the document type declarations of an XML or
// multipart body (doctype.go), sidewallheaders the request headers a rule should read,
// each header of a known structure judged by its grammar first (headers.go).
//
// Every rule has regression tests in the CRS's format, attacks and benign look-alikes
// (testdata/sidewall-tests, TestSidewallRules), and TestAttackClasses measures each
// class on payloads of its own. An application that legitimately sends what a rule
// reads (Strapi's filters[title][$eq]=) excludes it as it would a CRS rule; a custom
// header is taken out of every class rule with TX:sidewall_header_exclusions.
//
// At paranoia level 1 the CRS denies methods other than GET, HEAD, POST and OPTIONS
// (911100) and request content types it does not list (920420). An API that uses PUT,
// PATCH or DELETE needs tx.allowed_methods set in Options.BeforeCRS.
//
// Coraza caches compiled regular expressions in a process-wide table shared by all WAF
// instances; Engine.Close releases an Engine's share of it. A server that reloads should
// Close the Engine it replaced once it is no longer published.
//
// # Regular expressions: RE2
//
// Most of the CRS's rules are regular expressions (@rx), and with Go's regexp, which
// Coraza uses, they are a large part of a request's time, the larger the more a request
// carries. In a cgo build (the default wherever a C compiler is installed; it links
// Debian's libre2-dev, and the binary then needs the libre2 shared library where it runs)
// the first New registers with Coraza an @rx that matches with RE2's DFA instead, which
// does not backtrack and runs the CRS's patterns several times faster. The
// registration is process-wide (Coraza keeps one operator table) and happens once; New does it before it builds anything, so every
// Engine uses it. Verdicts do not change: RE2 and Go's regexp share syntax and semantics,
// Go's regexp still matches input that is not valid UTF-8 and patterns that begin with
// a literal, and the CRS's own regression suite (TestCRS) and a differential test of
// every CRS pattern hold the two to the same answers. CGO_ENABLED=0 builds a pure-Go
// sidewall whose @rx matches with Go's regexp only, the prefilter still in front of it;
// RegexEngine says which one a binary has.
//
// Before either engine runs, the @rx looks for literals the pattern cannot match
// without (prefilter.go): most of the CRS's patterns have a set of them, and a value of
// ordinary text usually holds none, so most of a benign request's @rx calls end there, in
// both builds, with every CRS test's matched rules and score unchanged. Patterns written
// against evasion (932's "b'u's'y'b'o'x" command lists, 941's "j&#x61;vascript") get
// their literals back for values without the junk the evasion needs, and send a value
// with junk to the regex.
//
// # Our Coraza
//
// sidewall builds against a patched Coraza v3.8.1 in third_party/coraza (its SIDEWALL.md
// lists the patches, with what each measured), because after RE2 and the prefilter most
// of the time was in Coraza's rule loop, out of reach of its plugin API. The patches keep
// verdicts (the CRS suite's matched rules and scores are byte-identical). The one this
// package takes part in is the value filter: the
// @rx operator's MayMatch (the prefilter) lets a rule pass over a value without
// transforming it when the value holds none of the bytes that could make the rule's
// transformations do more than change case or trim.
package waf
