// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package seclang

import (
	"testing"

	"github.com/corazawaf/coraza/v3/internal/corazawaf"
)

// TestRuleVariableUsed: the parser tells the WAF to fill in RULE as soon as a directive
// names the variable or expands a %{RULE...} macro, in any case, and not otherwise.
func TestRuleVariableUsed(t *testing.T) {
	for _, tc := range []struct {
		directives string
		want       bool
	}{
		{`SecRule ARGS "@rx a" "id:1,phase:2,pass,msg:'rule one',setvar:tx.a=1"`, false},
		{`SecRule ARGS "@rx a" "id:1,phase:2,pass,ctl:ruleRemoveTargetById=2;ARGS:x"`, false},
		{`SecRule ARGS "@rx a" "id:1,phase:2,pass,setvar:tx.m=%{rule.msg}"`, true},
		{`SecRule ARGS "@rx a" "id:1,phase:2,pass,logdata:'%{RULE.id}'"`, true},
		{`SecAction "id:1,phase:1,pass,setvar:tx.r=%{Rule}"`, true},
		{`SecRule RULE:msg "@rx a" "id:1,phase:2,pass"`, true},
		{`SecRule ARGS|RULE "@rx a" "id:1,phase:2,pass"`, true},
		{`SecRule &RULE "@eq 0" "id:1,phase:2,pass"`, true},
		{`SecRule ARGS "@streq %{rule.id}" "id:1,phase:2,pass"`, true},
		{`SecRule ARGS "@rx %{rules}" "id:1,phase:2,pass"`, false},
	} {
		waf := corazawaf.NewWAF()
		p := NewParser(waf)
		if err := p.FromString(tc.directives); err != nil {
			t.Errorf("%s: %v", tc.directives, err)
			continue
		}
		if waf.RuleVariableUsed != tc.want {
			t.Errorf("%s: RuleVariableUsed = %v, want %v", tc.directives, waf.RuleVariableUsed, tc.want)
		}
	}
}

func TestMentionsRuleMacro(t *testing.T) {
	for in, want := range map[string]bool{
		"%{rule.id}": true, "x %{RULE}": true, "%{rule": false, "%{rules.id}": false,
		"%{tx.rule}": false, "%{tx.a} %{Rule.msg}": true, "": false, "%{": false,
	} {
		if got := mentionsRuleMacro(in); got != want {
			t.Errorf("mentionsRuleMacro(%q) = %v, want %v", in, got, want)
		}
	}
}
