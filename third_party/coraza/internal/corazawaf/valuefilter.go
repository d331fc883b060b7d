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

// valueFilter lets a rule pass over a value without transforming it: when the
// value holds none of the bytes that could make the rule's transformations do
// more than change case or trim (transformations.Triggers), the transformed
// value folds to a substring of the value, and the operator's literal filter
// can judge the raw value instead.
type valueFilter struct {
	triggers transformations.ByteSet
	op       literalFilter
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
	return f
}

// mayMatch reports false only when the rule cannot match value.
func (f *valueFilter) mayMatch(value string) bool {
	return f.triggers.Any(value) || f.op.MayMatch(value)
}
