package waf

import "github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"

// finderOp is an operator made of two functions: find, which reads a value for an
// attack and returns what it found (captured as TX.0), and mayMatch, the operator's
// MayMatch for our Coraza's value filter: false only when find cannot match the value,
// nor any substring of it with ASCII letters in either case, so that most values are
// passed over without being transformed or read (see overlong.go).
//
// sidewall's tokenizers for the attack classes (@detectShell, @detectTemplate, ...)
// are finders; each find function's comment says what it reads and matches.
type finderOp struct {
	find     func(string) (string, bool)
	mayMatch func(string) bool
}

func (o finderOp) Evaluate(tx plugintypes.TransactionState, value string) bool {
	found, ok := o.find(value)
	if ok && tx.Capturing() {
		tx.CaptureField(0, found)
	}
	return ok
}

func (o finderOp) MayMatch(value string) bool { return o.mayMatch(value) }

// finder returns the factory of a finderOp, for plugins.RegisterOperator. Finders take
// no argument.
func finder(find func(string) (string, bool), mayMatch func(string) bool) plugintypes.OperatorFactory {
	return func(o plugintypes.OperatorOptions) (plugintypes.Operator, error) {
		return finderOp{find: find, mayMatch: mayMatch}, nil
	}
}
