// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import "github.com/corazawaf/coraza/v3/internal/transformations"

// literalFilter is implemented by an operator that can tell, from a value
// alone, that it cannot match the value nor any value that equals it or a
// substring of it with ASCII letters in either case: typically a regular
// expression whose every match must contain one of a few literals.
type literalFilter interface {
	MayMatch(value string) bool
}

// stopByteFilter is a literalFilter that can take the trigger bytes into its own
// scan of a value: the filter WithStopBytes returns also reports true for every
// value that holds a byte of stop (bit b of stop[b>>6]). The value filter then scans
// a value once rather than twice (the trigger bytes, then the literals), which was
// ~4% of a benign GET's cpu.
type stopByteFilter interface {
	WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool }
}

// valueFilter lets a rule pass over a value without transforming it: when the
// value holds none of the bytes that could make the rule's transformations do
// more than change case or trim (transformations.Triggers), the transformed
// value folds to a substring of the value, and the operator's literal filter
// can judge the raw value instead.
type valueFilter struct {
	triggers transformations.ByteSet
	// folded is set when op checks the triggers itself (stopByteFilter).
	folded bool
	op     literalFilter
}

// newValueFilter returns nil when nothing can be proved for op: no literal
// filter, a negated operator (a non-match would be a match), or a
// transformation the table does not know.
func newValueFilter(op *ruleOperatorParams, names []string) *valueFilter {
	if op == nil || op.Negation {
		return nil
	}
	lf, ok := op.Operator.(literalFilter)
	if !ok {
		return nil
	}
	f := &valueFilter{op: lf}
	for _, n := range names {
		t, ok := transformations.Triggers(n)
		if !ok {
			return nil
		}
		f.triggers.Union(t)
	}
	if sf, ok := lf.(stopByteFilter); ok {
		f.op, f.folded = sf.WithStopBytes(f.triggers), true
	}
	return f
}

// mayMatch reports false only when the rule cannot match value.
func (f *valueFilter) mayMatch(value string) bool {
	return !f.folded && f.triggers.Any(value) || f.op.MayMatch(value)
}
