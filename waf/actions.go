package waf

import (
	"fmt"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
)

// argless is the part of sidewall's actions that take no argument and never disrupt
// (sidewalldoctype, sidewallheaders): they read the request and write what they find
// into TX for rules to judge. Embedded, with the action's name for Init's error.
type argless struct{ name string }

func (a argless) Init(_ plugintypes.RuleMetadata, data string) error {
	if data != "" {
		return fmt.Errorf("%s: takes no argument, got %q", a.name, data)
	}
	return nil
}

func (argless) Type() plugintypes.ActionType { return plugintypes.ActionTypeNondisruptive }
