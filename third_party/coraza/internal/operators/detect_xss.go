// Copyright 2022 Juan Pablo Tosso and the OWASP Coraza contributors
// SPDX-License-Identifier: Apache-2.0

//go:build !coraza.disabled_operators.detectXSS

package operators

import (
	"strings"

	"github.com/corazawaf/libinjection-go"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/internal/transformations"
)

// Description:
// Detects Cross-Site Scripting (XSS) attacks using libinjection library. Returns true if
// XSS payload is found in the input. Uses advanced pattern matching to identify XSS vectors.
//
// Arguments:
// None. Operates on the target variable specified in the rule.
//
// Returns:
// true if XSS injection is detected, false otherwise
//
// Example:
// ```seclang
// # Detect XSS in request parameters
// SecRule ARGS "@detectXSS" "id:187,deny,log,msg:'XSS Attack Detected'"
//
// # Check request body for XSS
// SecRule REQUEST_BODY "@detectXSS" "id:188,deny"
// ```
type detectXSS struct{}

var _ plugintypes.Operator = (*detectXSS)(nil)

func newDetectXSS(plugintypes.OperatorOptions) (plugintypes.Operator, error) {
	return &detectXSS{}, nil
}

func (o *detectXSS) Evaluate(_ plugintypes.TransactionState, value string) bool {
	return o.MayMatch(value) && libinjection.IsXSS(value)
}

// MayMatch reports false for a value with neither '<' nor '=', which libinjection
// cannot find XSS in: its tags, comments and doctypes start with '<', and outside
// them only an attribute value judged by the name before it can be XSS, which takes
// an '='. (The first value of a value context has no name before it.) The same holds
// for every substring and every change of case, so the rule's value filter may use it
// on the raw value; TestDetectXSSNeedsLtOrEq checks it against libinjection.
func (o *detectXSS) MayMatch(value string) bool {
	return strings.ContainsAny(value, "<=")
}

// WithStopBytes returns MayMatch that also reports true for a value holding a byte
// of stop, for the rule's value filter.
func (o *detectXSS) WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool } {
	set := &stopBytes{transformations.ByteSet(stop)}
	set.AddByte('<')
	set.AddByte('=')
	return set
}

func init() {
	Register("detectXSS", newDetectXSS)
}
