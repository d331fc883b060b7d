package waf

import (
	"errors"
	"fmt"
	"strings"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/types"
)

// Limits bound how much of a request an Engine reads. Reading has to stop somewhere
// (every argument meets every rule that inspects arguments, so the cost of a request
// grows with what it carries), and where it stops an attacker will pad a request to push
// the attack past the point: Coraza, left to itself, drops the arguments after its
// 1,000th and inspects the rest, so 1,000 harmless parameters followed by an XSS payload
// passed. So a request beyond any limit is denied outright, with Verdict.Limit naming
// the limit, never passed with part of it unread.
//
// The zero value of a field means its default. The defaults sit above what browsers and
// API clients send (PHP's max_input_vars is 1,000 too; browsers keep at most 180
// cookies per site; Apache and HAProxy refuse a request of more than 100 header
// fields), so that they catch padding, not customers.
type Limits struct {
	// Args is the most arguments read from the query string, and from a body (form
	// fields, JSON values, XML text and attribute values; multipart fields count as
	// MultipartParts), each counted on its own. Coraza's SecArgumentsLimit. 0 means 1000.
	Args int
	// ArgNameBytes and ArgValueBytes are the longest argument name and value, in bytes
	// after URL decoding (a JSON argument's name is its path, "json.user.name").
	// 0 means 4096 and 1 MiB.
	ArgNameBytes, ArgValueBytes int
	// Depth is the deepest nesting of a JSON or XML body (an object, array or element
	// inside another counts one level). Coraza's SecRequestBodyJsonDepthLimit, which our
	// Coraza applies to XML too. 0 means 128.
	Depth int
	// MultipartParts is the most parts of a multipart body, fields and files together.
	// 0 means 1000.
	MultipartParts int
	// Cookies is the most cookies, over all Cookie headers. 0 means 200.
	Cookies int
	// Headers is the most request header fields, a repeated name counting each time.
	// 0 means 100.
	Headers int
	// DecompressionRatio is the most a compressed body may grow when decoded, as a
	// multiple of its encoded size (checked once it passes 64 KiB decoded): beyond it the
	// request is refused with 413 as a decompression bomb, before it is decoded whole.
	// 0 means 1000: above what gzip can reach (about 1,030:1 on a run of one byte, so a
	// gzip bomb meets the body limit instead) and far above real payloads (JSON of 2,000
	// identical rows compresses 250:1), far below what a brotli or zstd bomb reaches.
	DecompressionRatio int
	// DecodeDepth is the most layers of encoding (base64, URL encoding, JSON inside a
	// string, HTML entities, JavaScript escapes, a JWT) the engine undoes in one value
	// (decode.go); a value still encoded below them is denied. 0 means 5.
	DecodeDepth int
	// DecodedBytes is the most decoded text the engine reads of a request's head, and
	// again of its body; more is denied. 0 means 2 MiB.
	DecodedBytes int
}

// The defaults the zero Limits stand for.
const (
	defaultArgs           = 1000
	defaultArgNameBytes   = 4096
	defaultArgValueBytes  = 1 << 20
	defaultDepth          = 128
	defaultMultipartParts = 1000
	defaultCookies        = 200
	defaultHeaders        = 100
	defaultRatio          = 1000
	defaultDecodeDepth    = 5
	defaultDecodedBytes   = 2 << 20
)

// The names Verdict.Limit takes, one per Limits field, and one for the body limit
// (SecRequestBodyLimit, whose action Reject answers 413, and which applies to a body
// decoded from its Content-Encoding too). They are the names of the limits' keys in
// sidewall's configuration.
const (
	LimitArgs           = "args"
	LimitArgNameBytes   = "arg_name_bytes"
	LimitArgValueBytes  = "arg_value_bytes"
	LimitDepth          = "depth"
	LimitMultipartParts = "multipart_parts"
	LimitCookies        = "cookies"
	LimitHeaders        = "headers"
	LimitBody           = "body_limit"
	// LimitDecompressionRatio names Limits.DecompressionRatio.
	LimitDecompressionRatio = "decompression_ratio"
	LimitDecodeDepth        = "decode_depth"
	LimitDecodedBytes       = "decoded_bytes"
)

// LimitNames lists every name Verdict.Limit may take, so that a server can show a
// counter for each before any is reached.
var LimitNames = []string{LimitArgs, LimitArgNameBytes, LimitArgValueBytes, LimitDepth,
	LimitMultipartParts, LimitCookies, LimitHeaders, LimitBody, LimitDecompressionRatio, LimitDecodeDepth, LimitDecodedBytes}

// withDefaults returns l with its zero fields set to their defaults, or an error naming
// each negative field.
func (l Limits) withDefaults() (Limits, error) {
	var errs []error
	for _, f := range []struct {
		name string
		v    *int
		def  int
	}{
		{LimitArgs, &l.Args, defaultArgs},
		{LimitArgNameBytes, &l.ArgNameBytes, defaultArgNameBytes},
		{LimitArgValueBytes, &l.ArgValueBytes, defaultArgValueBytes},
		{LimitDepth, &l.Depth, defaultDepth},
		{LimitMultipartParts, &l.MultipartParts, defaultMultipartParts},
		{LimitCookies, &l.Cookies, defaultCookies},
		{LimitHeaders, &l.Headers, defaultHeaders},
		{LimitDecompressionRatio, &l.DecompressionRatio, defaultRatio},
		{LimitDecodeDepth, &l.DecodeDepth, defaultDecodeDepth},
		{LimitDecodedBytes, &l.DecodedBytes, defaultDecodedBytes},
	} {
		switch {
		case *f.v == 0:
			*f.v = f.def
		case *f.v < 0:
			errs = append(errs, fmt.Errorf("limit %s is negative: %d", f.name, *f.v))
		}
	}
	return l, errors.Join(errs...)
}

// Sidewall's own rules take ids from 480000 to 489999, a range ModSecurity's registry of
// rule ids leaves unreserved; the limits are 4801xx.
const (
	idArgsQuery         = 480100 // phase 1: ARGUMENTS_LIMIT_REACHED by the query string
	idArgsBody          = 480101 // phase 2: ... by a form or JSON body
	idArgsXML           = 480102 // XML text values
	idArgsXMLAttrs      = 480103 // XML attribute values
	idArgNameBytes      = 480110
	idArgValueBytes     = 480111
	idMultipartParts    = 480120
	idCookies           = 480130
	idHeaders           = 480140
	idDecodeDepthQuery  = 480160 // the decode limits, in phase 1 and phase 2 (derive.go)
	idDecodeDepthBody   = 480161
	idDecodedBytesQuery = 480170
	idDecodedBytesBody  = 480171
	// idBodyRefused is no rule: it is the Match Inspect reports for a body it could not
	// read (an unknown Content-Encoding, one that does not decode, a decompression bomb).
	idBodyRefused = 480150
)

// limitByRule names the limit of each limit rule.
var limitByRule = map[int]string{
	idArgsQuery: LimitArgs, idArgsBody: LimitArgs, idArgsXML: LimitArgs, idArgsXMLAttrs: LimitArgs,
	idArgNameBytes: LimitArgNameBytes, idArgValueBytes: LimitArgValueBytes,
	idMultipartParts: LimitMultipartParts, idCookies: LimitCookies, idHeaders: LimitHeaders,
	idDecodeDepthQuery: LimitDecodeDepth, idDecodeDepthBody: LimitDecodeDepth,
	idDecodedBytesQuery: LimitDecodedBytes, idDecodedBytesBody: LimitDecodedBytes,
}

// secLang renders the limits: Coraza's own settings, and a rule for each limit that
// denies a request beyond it. The rules run before the CRS (see Options), in phase 1
// for what the request head carries, so that a padded request is turned away before
// the CRS spends its time on the padding. l must have been through withDefaults.
//
// Coraza stops collecting arguments at SecArgumentsLimit and says so only in
// ARGUMENTS_LIMIT_REACHED; the depth limit is an error of the JSON or XML body
// processor, which coraza.conf-recommended's rule 200002 (REQBODY_ERROR) denies.
func (l Limits) secLang() string {
	var b strings.Builder
	fmt.Fprintf(&b, "SecArgumentsLimit %d\n", l.Args)
	fmt.Fprintf(&b, "SecRequestBodyJsonDepthLimit %d\n", l.Depth)
	rule := func(target, op string, id, phase int, transform, msg string, args ...any) {
		fmt.Fprintf(&b, `SecRule %s "%s" "id:%d,phase:%d,deny,status:403,log,t:none%s,severity:'CRITICAL',tag:'sidewall/limit',msg:'Inspection limit: %s'"`+"\n",
			target, op, id, phase, transform, fmt.Sprintf(msg, args...))
	}
	rule("ARGUMENTS_LIMIT_REACHED", "@eq 1", idArgsQuery, 1, "", "more than %d arguments in the query string", l.Args)
	rule("ARGUMENTS_LIMIT_REACHED", "@eq 1", idArgsBody, 2, "", "more than %d arguments in the body", l.Args)
	rule("&XML:/*", fmt.Sprintf("@gt %d", l.Args), idArgsXML, 2, "", "more than %d text values in the XML body", l.Args)
	rule("&XML://@*", fmt.Sprintf("@gt %d", l.Args), idArgsXMLAttrs, 2, "", "more than %d attribute values in the XML body", l.Args)
	rule("ARGS_NAMES", fmt.Sprintf("@gt %d", l.ArgNameBytes), idArgNameBytes, 2, ",t:length", "an argument name longer than %d bytes", l.ArgNameBytes)
	rule("ARGS", fmt.Sprintf("@gt %d", l.ArgValueBytes), idArgValueBytes, 2, ",t:length", "an argument value longer than %d bytes", l.ArgValueBytes)
	rule("&MULTIPART_NAME", fmt.Sprintf("@gt %d", l.MultipartParts), idMultipartParts, 2, "", "more than %d multipart parts", l.MultipartParts)
	rule("&REQUEST_COOKIES", fmt.Sprintf("@gt %d", l.Cookies), idCookies, 1, "", "more than %d cookies", l.Cookies)
	rule("&REQUEST_HEADERS", fmt.Sprintf("@gt %d", l.Headers), idHeaders, 1, "", "more than %d header fields", l.Headers)
	return b.String()
}

// idBodyError is coraza.conf-recommended's rule that denies a body its processor failed
// to parse (REQBODY_ERROR), with status 400.
const idBodyError = 200002

// reachedLimit names the limit a finished transaction went beyond, or "". mrs are its
// matched rules; status is its interruption's status (0 for none).
func reachedLimit(tx types.Transaction, mrs []types.MatchedRule, status int) string {
	if status == 413 {
		return LimitBody
	}
	for _, mr := range mrs {
		id := mr.Rule().ID()
		if name, ok := limitByRule[id]; ok {
			return name
		}
		if id == idBodyError && bodyTooDeep(tx) {
			return LimitDepth
		}
	}
	return ""
}

// bodyTooDeep reports whether the body processor failed on the depth limit: Coraza's
// JSON processor and our Coraza's XML processor both say "max recursion reached".
// TestLimitsDenyBeyond holds the two messages to this.
func bodyTooDeep(tx types.Transaction) bool {
	st, ok := tx.(plugintypes.TransactionState)
	if !ok {
		return false
	}
	return strings.Contains(st.Variables().RequestBodyErrorMsg().Get(), "max recursion reached")
}
