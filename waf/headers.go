package waf

import (
	"net/http"
	"strings"
	"time"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// sidewall inspects request headers for every attack class at paranoia level 1, which
// the CRS does only for a few: it reads User-Agent and Referer, and all headers only
// for path traversal and Java. An application reads custom headers (X-Tenant-Id,
// X-Api-Version), logs and stores client addresses from X-Forwarded-For, and renders
// User-Agent in admin pages.
//
// The action sidewallheaders, run by a SecAction of SIDEWALL-482-HEADERS.conf before
// sidewall's class rules, reads each header once, by name:
//
//   - Cookie is read by every rule as REQUEST_COOKIES, the cookies the application
//     reads, and passed over here.
//   - A header of a known structure (headerFamilies: content negotiation, client hints,
//     fetch metadata, directive lists, trace context, credentials, conditions, client
//     addresses, origin and host) is read against its family's grammar. A value that
//     keeps to it cannot hold an injection: the grammars admit no blank between two
//     words, no quote outside a quoted string, no quote, backslash, parenthesis, angle
//     bracket, pipe or ampersand at all (client addresses: only an address's
//     characters). It is passed over, by every class rule: that is the narrowing.
//   - Every other header, and a structured one that breaks its grammar, is put in
//     TX:sidewall_headers as "Name: value", which sidewall's class rules read where
//     they read arguments (shell, templates, JavaScript calls, traversal, OS files,
//     NoSQL, LDAP, SSI, XXE, code). User-Agent and Referer are among them: the CRS
//     reads them for some classes only.
//   - libinjection's SQL and XSS checks, which mistake the grammars of HTTP fields for
//     SQL (Safari's Accept, "*/*;q=0.8", reads as a comment and arithmetic), run here
//     on the same headers but User-Agent and Referer (the CRS's 942100 and 941100 read
//     those). A hit in a header sidewall knows nothing of goes to TX:sidewall_header_sqli
//     or TX:sidewall_header_xss, one in a structured header that broke its grammar to
//     TX:sidewall_header_structured with the family's name, each "Name: value (what
//     libinjection found)", for rules 481401-481403 to report.
//
// Nothing is skipped in silence: every header is either Cookie, read by a family's
// grammar, or read whole. An operator who needs to take a custom header out of these
// checks lists it, lower-case and between slashes, in TX:sidewall_header_exclusions
// ("/x-debug-dump/ /x-raw-query/"), set in Options.BeforeCRS.
//
// Doing this in one action rather than in rules is a matter of cost: rules that read
// REQUEST_HEADERS each scan every header, and a browser sends a dozen, most of them
// of a known structure; a rule that leaves out forty-odd names pays a comparison for
// every header against every name. The action reads each header once and finds its
// family in a map, and the class rules read the few headers left.
const (
	headersAction     = "sidewallheaders"
	txHeaders         = "sidewall_headers"
	txHeaderSQLi      = "sidewall_header_sqli"
	txHeaderXSS       = "sidewall_header_xss"
	txHeaderFamily    = "sidewall_header_structured"
	txHeaderExclusion = "sidewall_header_exclusions"
)

// headerFamily is a family of headers of one structure.
type headerFamily struct {
	name  string // in what TX:sidewall_header_structured records
	valid func(string) bool
}

var (
	famCookie      = headerFamily{"cookie", nil}
	famLogged      = headerFamily{"logged", nil}
	famNegotiation = headerFamily{"negotiation", listGrammar("/")}
	famClientHints = headerFamily{"client_hints", listGrammar("?")}
	famFetch       = headerFamily{"fetch", tokenGrammar}
	famDirectives  = headerFamily{"directives", listGrammar("/")}
	famTrace       = headerFamily{"trace", listGrammar("/:@")}
	famCredentials = headerFamily{"credentials", credentialsGrammar}
	famConditions  = headerFamily{"conditions", conditionsGrammar}
	famAddresses   = headerFamily{"addresses", addressesGrammar}
	famOrigin      = headerFamily{"origin", originGrammar}
	famSignatures  = headerFamily{"signatures", signaturesGrammar}
)

// headerFamilies names each header sidewall knows the structure of, lower-case, with
// its family.
var headerFamilies = func() map[string]*headerFamily {
	m := make(map[string]*headerFamily)
	add := func(f *headerFamily, names string) {
		for _, n := range strings.Fields(names) {
			m[n] = f
		}
	}
	// Cookie: read as REQUEST_COOKIES. User-Agent and Referer: read by the class
	// rules, by libinjection in the CRS (942100, 941100).
	add(&famCookie, "cookie")
	add(&famLogged, "user-agent referer")
	// Content negotiation (RFC 9110 sections 8.3 and 12.5): lists of media ranges,
	// codings and language ranges with ;name=value parameters.
	add(&famNegotiation, "accept accept-charset accept-encoding accept-language content-type")
	// User-agent client hints, structured fields (RFC 8941): ?0, "string", a list of
	// strings with parameters ("Chromium";v="131"). The brand list's GREASE entry holds
	// punctuation on purpose ("Not)A;Brand"), inside its quotes.
	add(&famClientHints, `sec-ch-ua sec-ch-ua-arch sec-ch-ua-bitness sec-ch-ua-form-factors sec-ch-ua-full-version
		sec-ch-ua-full-version-list sec-ch-ua-mobile sec-ch-ua-model sec-ch-ua-platform sec-ch-ua-platform-version
		sec-ch-ua-wow64 sec-ch-prefers-color-scheme sec-ch-prefers-reduced-motion`)
	// Fetch metadata and one-token flags.
	add(&famFetch, `sec-fetch-site sec-fetch-mode sec-fetch-dest sec-fetch-user sec-fetch-storage-access
		sec-purpose purpose service-worker upgrade-insecure-requests dnt sec-gpc save-data
		sec-websocket-version sec-websocket-key x-requested-with`)
	// Lists of directives: tokens with an optional =value.
	add(&famDirectives, `cache-control pragma priority connection upgrade te keep-alive expect prefer
		sec-websocket-extensions sec-websocket-protocol access-control-request-method access-control-request-headers`)
	// Trace context: W3C traceparent, tracestate and baggage, Sentry, Zipkin's b3, AWS
	// X-Ray, Google Cloud, Datadog. Hex ids and dashes, or key=value lists whose values
	// are percent-encoded.
	add(&famTrace, `traceparent tracestate baggage sentry-trace b3 x-b3-traceid x-b3-spanid x-b3-parentspanid
		x-b3-sampled x-b3-flags x-amzn-trace-id x-cloud-trace-context x-datadog-trace-id x-datadog-parent-id
		x-datadog-sampling-priority x-datadog-origin`)
	// Credentials (RFC 9110 section 11): a scheme, then a token68 (Bearer's JWT,
	// Basic's base64) or auth-params (Digest, OAuth 1.0, AWS Signature Version 4).
	add(&famCredentials, "authorization proxy-authorization")
	// Conditions and ranges: entity tags, HTTP dates, byte ranges, lengths.
	add(&famConditions, "if-none-match if-match if-modified-since if-unmodified-since if-range range date content-length")
	// Client addresses set by proxies: lists of IPv4 and IPv6 addresses, "unknown", and
	// Forwarded's for=/by=/host=/proto= pairs (RFC 7239). Applications log and store
	// these, which makes them a favourite place for SQL and commands: only an address's
	// characters keep to the grammar.
	add(&famAddresses, `x-forwarded-for x-real-ip true-client-ip x-client-ip x-cluster-client-ip cf-connecting-ip
		fastly-client-ip x-originating-ip x-remote-ip x-remote-addr forwarded`)
	// Origin (scheme://host[:port] or null) and Host (host[:port]).
	add(&famOrigin, "origin host")
	// HTTP Message Signatures (RFC 9421, which signed bots and agents send) and digests
	// (RFC 9530): structured-field dictionaries of byte sequences and of inner lists of
	// component names, sig1=("@method" "@path");created=1618884473;keyid="k".
	add(&famSignatures, `signature-input signature signature-agent content-digest repr-digest
		want-content-digest want-repr-digest`)
	return m
}()

type headersChecker struct{ argless }

func newHeadersChecker() plugintypes.Action { return headersChecker{argless{headersAction}} }

func (headersChecker) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	vars := tx.Variables()
	excluded := vars.TX().Get(txHeaderExclusion)
	var inspect []string
	for _, h := range vars.RequestHeaders().FindAll() {
		var buf [64]byte
		name := lowerInto(buf[:0], h.Key())
		fam := headerFamilies[string(name)] // no allocation: the compiler looks up the bytes
		value := h.Value()
		if fam == &famCookie || fam != nil && fam.valid != nil && fam.valid(value) {
			continue
		}
		if len(excluded) > 0 && strings.Contains(excluded[0], "/"+string(name)+"/") {
			continue
		}
		inspect = append(inspect, h.Key()+": "+value)
		if fam == &famLogged {
			continue
		}
		// The value as 942100 reads the User-Agent (t:urlDecodeUni, t:removeNulls),
		// but keeping '+': a header is not form-encoded.
		found, ok := findLibinjection(percentDecode(strings.ReplaceAll(value, "\x00", "")))
		if !ok {
			continue
		}
		switch {
		case fam != nil:
			recordHeader(vars.TX(), txHeaderFamily, fam.name+": "+h.Key(), value, found)
		case strings.HasPrefix(found, "xss"):
			recordHeader(vars.TX(), txHeaderXSS, h.Key(), value, found)
		default:
			recordHeader(vars.TX(), txHeaderSQLi, h.Key(), value, found)
		}
	}
	if len(inspect) > 0 {
		vars.TX().Set(txHeaders, inspect)
	}
}

// recordHeader adds "Name: value (found)" to the TX variable key.
func recordHeader(txc collection.Map, key, name, value, found string) {
	txc.Add(key, name+": "+value[:min(len(value), 256)]+" ("+found+")")
}

// lowerInto appends s lower-cased (ASCII) to b; a name longer than b's room is
// appended whole, which allocates.
func lowerInto(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// listGrammar returns the grammar of a list of items: tokens, quoted strings and the
// separators ',' ';' '=', with blanks only beside a separator, and extra bytes that the
// family's tokens hold besides tchar's (RFC 9110 section 5.6.2) letters, digits and
// !#$%&*+-.^_|~ ('\” and '`' are tchar too, and left out). A quoted string may hold
// anything but a quote, a backslash or a single quote.
func listGrammar(extra string) func(string) bool {
	return func(v string) bool {
		afterSep := true // at the start, or after a separator
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == ' ' || c == '\t':
				// A blank must touch a separator (or the end): "a, b", "q = 1".
				if afterSep {
					continue
				}
				j := i
				for j < len(v) && (v[j] == ' ' || v[j] == '\t') {
					j++
				}
				if j < len(v) && !isListSep(v[j]) {
					return false
				}
				i = j - 1
			case c == '"':
				end := strings.IndexByte(v[i+1:], '"')
				if end < 0 || strings.ContainsAny(v[i+1:i+1+end], `\'<>`) {
					return false
				}
				i += end + 1
				afterSep = false
			case isListSep(c):
				afterSep = true
			case isTchar(c) || strings.IndexByte(extra, c) >= 0:
				afterSep = false
			default:
				return false
			}
		}
		return true
	}
}

func isListSep(c byte) bool { return c == ',' || c == ';' || c == '=' }

// isTchar reports a token character of RFC 9110 but the single quote, the backtick,
// the pipe and the ampersand, which no field of these families uses and a shell reads.
func isTchar(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!#$%*+-.^_~", c) >= 0
}

// tokenGrammar is one short token: same-origin, ?1, XMLHttpRequest, a base64 key.
func tokenGrammar(v string) bool {
	if len(v) > 64 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && strings.IndexByte("?+/=.;_-", c) < 0 {
			return false
		}
	}
	return true
}

// credentialsGrammar is a scheme, a blank, and a token68 or auth-params.
func credentialsGrammar(v string) bool {
	scheme, rest, _ := strings.Cut(v, " ")
	if scheme == "" || !listGrammar("")(scheme) || strings.ContainsAny(scheme, ",;=\"") {
		return false
	}
	return listGrammar("/:")(strings.TrimLeft(rest, " "))
}

var tokenList = listGrammar("/")

// conditionsGrammar is an entity tag list, an HTTP date, a byte range or a length.
func conditionsGrammar(v string) bool {
	if _, err := time.Parse(http.TimeFormat, v); err == nil {
		return true
	}
	return tokenList(v) // "W/\"0815\", \"abc\"", "*", "bytes=0-99, 200-", "163"
}

// signaturesGrammar is a structured-field dictionary (RFC 8941) as HTTP Message
// Signatures and digests write it: a list of key=value members whose values are tokens,
// strings, integers or byte sequences (:base64:), with parameters, and inner lists of
// strings. Only an inner list may hold a parenthesis or a blank between its items.
func signaturesGrammar(v string) bool {
	var outer strings.Builder
	for {
		open := strings.IndexByte(v, '(')
		if open < 0 {
			break
		}
		end := strings.IndexByte(v[open:], ')')
		if end < 0 || !innerListGrammar(v[open+1:open+end]) {
			return false
		}
		outer.WriteString(v[:open])
		outer.WriteByte('l') // the inner list, as one token for the list grammar
		v = v[open+end+1:]
	}
	outer.WriteString(v)
	return signatureList(outer.String())
}

var signatureList = listGrammar("/:")

// innerListGrammar is the inside of an inner list of component names: quoted strings,
// each with optional parameters (;name="id", ;sf), separated by single blanks.
func innerListGrammar(v string) bool {
	if v == "" {
		return true
	}
	for item := range strings.SplitSeq(v, " ") {
		if len(item) < 2 || item[0] != '"' {
			return false
		}
		end := strings.IndexByte(item[1:], '"')
		if end < 0 || strings.ContainsAny(item[1:1+end], `\'<>`) {
			return false
		}
		params := item[end+2:]
		if params != "" && (params[0] != ';' || strings.ContainsRune(params, ',') || !signatureList(params)) {
			return false
		}
	}
	return true
}

var forwardedGrammar = listGrammar(":[]")

// addressesGrammar is a list of addresses (and "unknown") or Forwarded's pairs.
func addressesGrammar(v string) bool {
	if strings.Contains(v, "=") {
		return forwardedGrammar(v)
	}
	for _, a := range strings.Split(v, ",") {
		a = strings.Trim(a, " \t") // OWS: a blank or a tab, not every space Unicode knows
		if a == "unknown" {
			continue
		}
		for i := 0; i < len(a); i++ {
			if c := a[i]; !isHex(c) && strings.IndexByte(".:[]", c) < 0 {
				return false
			}
		}
	}
	return true
}

// originGrammar is null, scheme://host[:port] or host[:port].
func originGrammar(v string) bool {
	if v == "null" {
		return true
	}
	if scheme, rest, ok := strings.Cut(v, "://"); ok {
		if scheme == "" || !tokenGrammar(scheme) {
			return false
		}
		v = rest
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isAlnum(c) && strings.IndexByte(".-_:[]", c) < 0 {
			return false
		}
	}
	return true
}
