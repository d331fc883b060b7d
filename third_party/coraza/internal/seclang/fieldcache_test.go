// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package seclang

import (
	"testing"

	"github.com/corazawaf/coraza/v3/internal/corazawaf"
)

// TestFieldsReadAgainAfterAWrite: the transaction keeps what a collection answered
// from one phase to the next while the collection is not written (sidewall's patch),
// so a phase must see what was added since: the body's arguments, a header a rule
// changed, a count.
func TestFieldsReadAgainAfterAWrite(t *testing.T) {
	waf := corazawaf.NewWAF()
	err := NewParser(waf).FromString(`
		SecRequestBodyAccess On
		SecRule &ARGS "@eq 1" "id:1,phase:1,pass,nolog,setvar:'tx.args1=%{MATCHED_VAR}'"
		SecRule ARGS "@rx ." "id:2,phase:1,pass,nolog,setvar:'tx.seen1_%{MATCHED_VAR}=1'"
		SecRule &ARGS "@ge 0" "id:3,phase:2,pass,nolog,setvar:'tx.args2=%{MATCHED_VAR}'"
		SecRule ARGS "@rx ." "id:4,phase:2,pass,nolog,setvar:'tx.seen2_%{MATCHED_VAR}=1'"
		SecRule REQUEST_BODY "@rx ." "id:5,phase:2,pass,nolog,setvar:'tx.body=%{MATCHED_VAR}'"
	`)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // pooled transactions too
		tx := waf.NewTransaction()
		tx.ProcessURI("/?a=x", "POST", "HTTP/1.1")
		tx.AddRequestHeader("Content-Type", "application/x-www-form-urlencoded")
		tx.ProcessRequestHeaders()
		if _, _, err := tx.WriteRequestBody([]byte("b=y")); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ProcessRequestBody(); err != nil {
			t.Fatal(err)
		}
		txc := tx.Variables().TX()
		for key, want := range map[string]string{
			"args1": "1", "seen1_x": "1", "seen1_y": "",
			"args2": "2", "seen2_x": "1", "seen2_y": "1", "body": "b=y",
		} {
			if got := first(txc.Get(key)); got != want {
				t.Errorf("tx.%s = %q; want %q", key, got, want)
			}
		}
		if err := tx.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
