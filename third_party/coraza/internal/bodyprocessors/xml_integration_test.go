// Copyright 2026 Juan Pablo Tosso and the OWASP Coraza contributors
// SPDX-License-Identifier: Apache-2.0

package bodyprocessors_test

import (
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/internal/bodyprocessors"
	"github.com/corazawaf/coraza/v3/internal/corazawaf"
)

// TestXMLProcessorHonoursRecursionLimit checks that the XML processor applies the
// body processors' recursion limit (SecRequestBodyJsonDepthLimit), as the JSON one
// does: the error reaches the transaction, which sets REQBODY_ERROR from it.
func TestXMLProcessorHonoursRecursionLimit(t *testing.T) {
	bp, err := bodyprocessors.GetBodyProcessor("xml")
	if err != nil {
		t.Fatal(err)
	}
	doc := func(depth int) string { return strings.Repeat("<a>", depth) + "x" + strings.Repeat("</a>", depth) }
	opts := plugintypes.BodyProcessorOptions{RequestBodyRecursionLimit: 2}
	if err := bp.ProcessRequest(strings.NewReader(doc(2)), corazawaf.NewTransactionVariables(), opts); err != nil {
		t.Errorf("depth 2, limit 2: %v", err)
	}
	err = bp.ProcessRequest(strings.NewReader(doc(3)), corazawaf.NewTransactionVariables(), opts)
	if err == nil || !strings.Contains(err.Error(), "max recursion") {
		t.Errorf("depth 3, limit 2: err = %v, want max recursion reached", err)
	}
}
