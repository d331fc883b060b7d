package waf

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/types"
)

// Derived arguments are values an application reads that Coraza's parsers do not
// produce. sidewall adds each to the arguments as one of its own, named for where it
// comes from, so that every rule that inspects ARGS (most of the CRS) inspects it, and the
// log says what was found where:
//
//   - "q:join": the values of a repeated name joined with commas, as ASP.NET hands
//     them to an application (Request.QueryString["q"] of ?q=a&q=b is "a,b", names
//     compared without case). An attack split across the values of one name
//     (?id=UNION/*&id=*/SELECT/*&id=*/password FROM users) passes the rules value by
//     value but reaches such an application whole.
//   - "query:gql": the string literals of a value that is a GraphQL document
//     (graphql.go), which is itself inspected no further: its selection sets and
//     variables are a language of names that the CRS took for shell and MongoDB.
//
// Some values are read for what they are, too (shapes.go): a data: URL of a raster image
// is inspected as its media type and size, not as base64 text that CRS patterns (";base64",
// "data:") took for PHP wrappers and XSS vectors; a value labelled "base64-" (a
// Supabase session cookie) as the base64 after the label.
//
// The derivation is a SecLang action of sidewall's, "sidewallderive", run by a SecAction
// in phase 1 on the query string's arguments and in phase 2 on the body's, after Coraza
// has parsed them and before the CRS reads them (see Options). The derived arguments
// come after the inspection limits' rules, which count and measure what the client sent,
// not what sidewall derived from it.
const (
	deriveAction = "sidewallderive"
	joinSuffix   = ":join"
)

// deriver is the action. Its argument, 'query DEPTH BYTES' or 'body DEPTH BYTES', chooses
// what it derives from (the query string, the cookies and the headers, into ARGS_GET;
// or the body, into ARGS_POST) and the decoding limits (Limits.DecodeDepth,
// Limits.DecodedBytes).
type deriver struct {
	body         bool
	depth, bytes int
}

func newDeriver() plugintypes.Action { return &deriver{} }

func (d *deriver) Init(_ plugintypes.RuleMetadata, data string) error {
	var where string
	if _, err := fmt.Sscanf(data, "%s %d %d", &where, &d.depth, &d.bytes); err != nil {
		return fmt.Errorf("%s: want 'query|body DEPTH BYTES', got %q: %w", deriveAction, data, err)
	}
	switch where {
	case "query":
	case "body":
		d.body = true
	default:
		return fmt.Errorf("%s: want query or body, got %q", deriveAction, where)
	}
	return nil
}

func (d *deriver) Type() plugintypes.ActionType { return plugintypes.ActionTypeNondisruptive }

func (d *deriver) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	v := tx.Variables()
	args := v.ArgsGet()
	if d.body {
		args = v.ArgsPost()
	}
	addJoined(args)
	readShapes(args)
	dec := decoder{maxDepth: d.depth, budget: d.bytes, add: args.Add}
	for _, m := range args.FindAll() {
		dec.value(m.Key(), m.Value(), 0)
	}
	if !d.body {
		cookies := v.RequestCookies().FindAll()
		if slices.ContainsFunc(cookies, func(m types.MatchData) bool { return isLabelled(m.Value()) }) {
			stripEncodingLabels(v.RequestCookies())
			cookies = v.RequestCookies().FindAll()
		}
		for _, m := range cookies {
			dec.value("cookie:"+m.Key(), m.Value(), 0)
		}
		for _, m := range v.RequestHeaders().FindAll() {
			k := strings.ToLower(m.Key())
			switch {
			case k == "authorization" || k == "proxy-authorization":
				// The credentials after the scheme: a JWT, Basic's base64 of user:password.
				_, cred, _ := strings.Cut(m.Value(), " ")
				dec.value("header:"+k, strings.TrimSpace(cred), 0)
			case !plainHeader(k):
				dec.value("header:"+k, m.Value(), 0)
			}
		}
	}
	if dec.limit != "" {
		v.TX().Set(txDecodeLimit, []string{dec.limit})
	}
}

// txDecodeLimit is the TX variable in which the deriver reports a decoding limit reached,
// for the limit's rule (deriveSecLang) to deny.
const txDecodeLimit = "sidewall_decode_limit"

// plainHeader reports whether the header called name (lower case) is one whose values
// are never an encoding's container: protocol and browser fields that the decoder would
// only spend time on. Cookies are decoded one by one instead of as their header.
func plainHeader(name string) bool {
	switch name {
	case "host", "connection", "content-length", "content-type", "content-encoding", "transfer-encoding",
		"accept", "accept-encoding", "accept-language", "user-agent", "cookie", "cache-control",
		"pragma", "upgrade-insecure-requests", "dnt", "te", "priority", "if-none-match", "if-modified-since",
		"referer", "origin": // URLs, which the CRS reads as such
		return true
	}
	return strings.HasPrefix(name, "sec-ch-") || strings.HasPrefix(name, "sec-fetch-")
}

// addJoined adds name:join for each name that args holds more than once. Coraza's
// argument maps compare names without case, as ASP.NET's collections do: Get returns
// every value of every spelling, in the order they came, and the derived argument takes
// the spelling of the first.
func addJoined(args collection.Map) {
	all := args.FindAll()
	// Most requests repeat no name: find that out without allocating a map, while
	// pairs are few.
	if len(all) < 2 || len(all) <= 64 && !anyRepeated(all) {
		return
	}
	seen := make(map[string]bool)
	for _, m := range all {
		k := strings.ToLower(m.Key())
		if seen[k] {
			continue
		}
		seen[k] = true
		if vals := args.Get(m.Key()); len(vals) > 1 {
			args.Add(m.Key()+joinSuffix, strings.Join(vals, ","))
		}
	}
}

// anyRepeated reports whether two of ms have the same key, ASCII case aside.
func anyRepeated(ms []types.MatchData) bool {
	for i := 1; i < len(ms); i++ {
		for j := 0; j < i; j++ {
			if strings.EqualFold(ms[i].Key(), ms[j].Key()) {
				return true
			}
		}
	}
	return false
}

// deriveSecLang runs the action on the query string's arguments (and cookies and
// headers) in phase 1 and on the body's in phase 2, each followed by the rules that deny
// a request whose decoding went beyond a limit.
func deriveSecLang(l Limits) string {
	var b strings.Builder
	for _, p := range []struct {
		phase         int
		where         string
		derive        int
		depth, nbytes int
	}{
		{1, "query", idDeriveQuery, idDecodeDepthQuery, idDecodedBytesQuery},
		{2, "body", idDeriveBody, idDecodeDepthBody, idDecodedBytesBody},
	} {
		fmt.Fprintf(&b, `SecAction "id:%d,phase:%d,pass,nolog,t:none,%s:'%s %d %d'"`+"\n",
			p.derive, p.phase, deriveAction, p.where, l.DecodeDepth, l.DecodedBytes)
		for _, r := range []struct {
			id    int
			limit string
			what  string
		}{
			{p.depth, LimitDecodeDepth, fmt.Sprintf("a value encoded more than %d times over", l.DecodeDepth)},
			{p.nbytes, LimitDecodedBytes, fmt.Sprintf("more than %d bytes of decoded text", l.DecodedBytes)},
		} {
			fmt.Fprintf(&b, `SecRule TX:%s "@streq %s" "id:%d,phase:%d,deny,status:403,log,t:none,severity:'CRITICAL',tag:'sidewall/limit',msg:'Inspection limit: %s'"`+"\n",
				txDecodeLimit, r.limit, r.id, p.phase, r.what)
		}
	}
	return b.String()
}

// The derivation's SecActions.
const (
	idDeriveQuery = 480001
	idDeriveBody  = 480002
)
