package waf

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"sync"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/experimental/plugins/macro"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// The CRS gives each setup variable the operator left unset its default with a rule of
// its own in REQUEST-901, one per variable:
//
//	SecRule &TX:allowed_methods "@eq 0" "id:901160,phase:1,pass,nolog,...,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS'"
//
// Twenty-two of them run on every request, each reading TX, comparing a count,
// expanding and setting a variable and recording a match that nothing reads: ~10 µs of
// a benign GET's ~230 in process. sidewall runs them as one action, sidewallcrsdefaults
// (rule 480003), which does for each variable, in the CRS's order, what its rule does:
// when TX holds no value under the name, it sets the default, expanded as setvar
// expands it (one default names another: detection_paranoia_level defaults to
// %{TX.blocking_paranoia_level}). The rule stands where the first of them stood, just
// before the CRS's files (only 901001, which checks that a setup was loaded, came
// between), and carries their tag, OWASP_CRS, so that an exclusion of that tag takes it
// out as it took them. The rules themselves are removed (SecRuleRemoveById): a
// directive that names one of them by id, which no CRS setup needs to, finds nothing to
// change (remove_rule_ids accepts the id and the default is still set: to change a
// default, set the variable, as CRS setups do). The defaults are read from the embedded
// CRS's own text, so a CRS release that changes one changes it here too; a default rule
// of another shape is left to run as written.
const (
	crsDefaultsAction = "sidewallcrsdefaults"
	idCRSDefaults     = 480003
	crsDefaultsFile   = "REQUEST-901-INITIALIZATION.conf"
)

// crsDefault is one of the CRS's default rules.
type crsDefault struct {
	id          int
	name, value string // name lower case, value as the rule's setvar writes it
}

// defaultRule is the one shape of rule crsDefaults takes, its continuation lines
// joined: a count of one TX variable compared to 0, and a setvar of the same variable.
var defaultRule = regexp.MustCompile(`(?m)^SecRule &TX:(\w+) "@eq 0" "id:(\d+),phase:1,pass,nolog,(?:(?:tag|ver):'[^']*',)*setvar:'tx\.(\w+)=([^'%]*(?:%\{[\w.]+\}[^'%]*)*)'"$`)

// crsDefaults returns the default rules of the embedded CRS, in its order.
var crsDefaults = sync.OnceValues(func() ([]crsDefault, error) {
	text, err := fs.ReadFile(coreruleset.FS, "@owasp_crs/"+crsDefaultsFile)
	if err != nil {
		return nil, err
	}
	joined := regexp.MustCompile(`\\\n\s*`).ReplaceAllString(string(text), "")
	var out []crsDefault
	for _, m := range defaultRule.FindAllStringSubmatch(joined, -1) {
		if !strings.EqualFold(m[1], m[3]) {
			continue // sets another variable than it counts: not a default
		}
		id, _ := strconv.Atoi(m[2])
		out = append(out, crsDefault{id: id, name: strings.ToLower(m[1]), value: m[4]})
	}
	if len(out) == 0 {
		return nil, errors.New("the CRS's " + crsDefaultsFile + " has no default rules of the expected shape")
	}
	return out, nil
})

// crsDefaultsSecLang returns the rule that sets the defaults, to load before the CRS,
// and the removal of the CRS's rules, to load after it.
func crsDefaultsSecLang() (before, after string, err error) {
	ds, err := crsDefaults()
	if err != nil {
		return "", "", err
	}
	before = fmt.Sprintf(`SecAction "id:%d,phase:1,pass,nolog,t:none,tag:'OWASP_CRS',%s"`, idCRSDefaults, crsDefaultsAction) + "\n"
	var b strings.Builder
	b.WriteString("SecRuleRemoveById")
	for _, d := range ds {
		fmt.Fprintf(&b, " %d", d.id)
	}
	return before, b.String() + "\n", nil
}

// defaulter is the sidewallcrsdefaults action.
type defaulter struct {
	names  []string
	values []macro.Macro
}

func newDefaulter() plugintypes.Action { return &defaulter{} }

func (d *defaulter) Init(_ plugintypes.RuleMetadata, data string) error {
	if data != "" {
		return fmt.Errorf("%s takes no argument, got %q", crsDefaultsAction, data)
	}
	ds, err := crsDefaults()
	if err != nil {
		return err
	}
	for _, c := range ds {
		m, err := macro.NewMacro(c.value)
		if err != nil {
			return fmt.Errorf("%s: rule %d: %w", crsDefaultsAction, c.id, err)
		}
		d.names = append(d.names, c.name)
		d.values = append(d.values, m)
	}
	return nil
}

func (d *defaulter) Type() plugintypes.ActionType { return plugintypes.ActionTypeNondisruptive }

// Evaluate sets each default whose variable TX does not hold, in order, as the CRS's
// rules did one after the other.
func (d *defaulter) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	var txc collection.Map = tx.Variables().TX()
	// Our Coraza's Map reads and writes one value without a slice (its patch 10), as
	// setvar does; Get and Set allocated some 15 slices a request here.
	one, fast := txc.(interface {
		FirstValue(key string) (string, bool)
		SetOne(key, value string)
	})
	for i, name := range d.names {
		var set bool
		if fast {
			_, set = one.FirstValue(name)
		} else {
			set = len(txc.Get(name)) > 0
		}
		if set {
			continue
		}
		if v := d.values[i].Expand(tx); fast {
			one.SetOne(name, v)
		} else {
			txc.Set(name, []string{v})
		}
	}
}
