// Copyright 2026 sidewall contributors
// SPDX-License-Identifier: Apache-2.0

package seclang

import (
	"testing"

	"github.com/corazawaf/coraza/v3/internal/corazawaf"
)

// TestMatchedVariablesAsRulesSeeThem holds what rules read in MATCHED_VAR,
// MATCHED_VAR_NAME, MATCHED_VARS and MATCHED_VARS_NAMES, which the transaction writes
// only when they are read (sidewall's patch): each match is seen by the actions run for
// it, MATCHED_VARS starts empty for every rule, MATCHED_VAR outlives the rule that set
// it, and a chained rule sees its parent's matches.
func TestMatchedVariablesAsRulesSeeThem(t *testing.T) {
	waf := corazawaf.NewWAF()
	err := NewParser(waf).FromString(`
		SecRule ARGS_GET "@rx ^[xy]$" "id:1,phase:1,pass,nolog,setvar:'tx.seen_%{MATCHED_VAR}=%{MATCHED_VAR_NAME}'"
		SecRule MATCHED_VARS_NAMES "@rx ." "id:2,phase:1,pass,nolog,setvar:'tx.leaked_names=%{MATCHED_VAR}'"
		SecRule MATCHED_VARS "@rx ." "id:3,phase:1,pass,nolog,setvar:'tx.leaked_values=%{MATCHED_VAR}'"
		SecRule MATCHED_VAR "@rx ^[xy]$" "id:4,phase:1,pass,nolog,setvar:'tx.kept=%{MATCHED_VAR}',setvar:'tx.kept_name=%{MATCHED_VAR_NAME}'"
		SecRule ARGS_GET:a "@streq x" "id:5,phase:1,pass,nolog,chain"
			SecRule MATCHED_VARS_NAMES "@streq ARGS_GET:a" "chain,setvar:'tx.chain=%{MATCHED_VAR_NAME}|%{MATCHED_VAR}'"
			SecRule &MATCHED_VARS "@eq 2" "setvar:'tx.chain_count=%{MATCHED_VAR}'"
		SecRule REQUEST_METHOD "@streq POST" "id:6,phase:1,pass,nolog,setvar:'tx.post=1'"
		SecRule MATCHED_VAR_NAME "@rx ." "id:7,phase:1,pass,nolog,setvar:'tx.after_no_match=%{MATCHED_VAR}'"
		SecRule ARGS_GET:b "@streq y" "id:8,phase:1,pass,nolog"
		SecRule REQUEST_METHOD "@streq POST" "id:9,phase:1,pass,nolog"
		SecRule MATCHED_VAR_NAME "@streq ARGS_GET:b" "id:10,phase:1,pass,nolog,setvar:'tx.unread_kept=%{MATCHED_VAR}'"
	`)
	if err != nil {
		t.Fatal(err)
	}
	tx := waf.NewTransaction()
	defer tx.Close()
	tx.AddGetRequestArgument("a", "x")
	tx.AddGetRequestArgument("b", "y")
	tx.ProcessRequestHeaders()

	want := map[string]string{
		// Rule 1's setvar runs once per match and sees that match.
		"seen_x": "ARGS_GET:a",
		"seen_y": "ARGS_GET:b",
		// Rules 2 and 3 find MATCHED_VARS emptied for them.
		"leaked_names":  "",
		"leaked_values": "",
		// Rule 4 matches on rule 1's last MATCHED_VAR (x or y: ARGS_GET's order is a
		// map's); its own match then names MATCHED_VAR.
		"kept_name": "MATCHED_VAR",
		// The chain: the child sees its parent's one match in MATCHED_VARS_NAMES,
		// MATCHED_VARS then holds the parent's and the child's matches, and the last
		// child counts them.
		"chain":       "MATCHED_VARS_NAMES:ARGS_GET:a|ARGS_GET:a",
		"chain_count": "2",
		"post":        "",
		// Rule 6 did not match: MATCHED_VAR_NAME is still rule 5's last match (the
		// count, named &MATCHED_VARS) and rule 7's match then sets MATCHED_VAR to it.
		"after_no_match": "MATCHED_VARS",
		// Rule 8's match, read by no one in rule 8, is still MATCHED_VAR_NAME after rule
		// 9 (no match) reset MATCHED_VARS.
		"unread_kept": "ARGS_GET:b",
	}
	txc := tx.Variables().TX()
	for key, w := range want {
		if got := first(txc.Get(key)); got != w {
			t.Errorf("tx.%s = %q; want %q", key, got, w)
		}
	}
	if got := first(txc.Get("kept")); got != "x" && got != "y" {
		t.Errorf("tx.kept = %q; want x or y, rule 1's last MATCHED_VAR", got)
	}
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}
