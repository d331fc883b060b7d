package waf

import (
	"fmt"
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
// "data:") took for PHP wrappers and XSS vectors.
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

// deriver is the action; its argument chooses the arguments it derives from: "query"
// (ARGS_GET) or "body" (ARGS_POST).
type deriver struct {
	body bool
}

func newDeriver() plugintypes.Action { return &deriver{} }

func (d *deriver) Init(_ plugintypes.RuleMetadata, data string) error {
	switch data {
	case "query":
	case "body":
		d.body = true
	default:
		return fmt.Errorf("%s: want query or body, got %q", deriveAction, data)
	}
	return nil
}

func (d *deriver) Type() plugintypes.ActionType { return plugintypes.ActionTypeNondisruptive }

func (d *deriver) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	args := tx.Variables().ArgsGet()
	if d.body {
		args = tx.Variables().ArgsPost()
	}
	addJoined(args)
	readShapes(args)
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

// deriveSecLang runs the action on the query string's arguments in phase 1 and on the
// body's in phase 2.
func deriveSecLang() string {
	return fmt.Sprintf(`SecAction "id:%d,phase:1,pass,nolog,t:none,%s:query"`+"\n"+
		`SecAction "id:%d,phase:2,pass,nolog,t:none,%s:body"`+"\n",
		idDeriveQuery, deriveAction, idDeriveBody, deriveAction)
}

// The derivation's SecActions.
const (
	idDeriveQuery = 480001
	idDeriveBody  = 480002
)
