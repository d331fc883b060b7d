// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import (
	"slices"
	"testing"

	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/types"
)

// TestEvalFollowsTheRulesOfItsPhase: Eval goes through a per-phase list of the
// group's rules (sidewall's patch), so it must run each phase's rules in rule order,
// SecMarkers in every phase, and see the group as it is after rules are added and
// deleted.
func TestEvalFollowsTheRulesOfItsPhase(t *testing.T) {
	waf := NewWAF()
	add := func(id int, phase types.RulePhase, skipAfter string) {
		t.Helper()
		r := NewRule()
		r.ID_, r.LogID_, r.Phase_ = id, "", phase
		if skipAfter != "" {
			// The skipAfter action's effect, which a forced match applies.
			_ = r.AddAction("skipAfter", skipAfterFn(skipAfter))
		}
		if err := waf.Rules.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	marker := func(name string) {
		r := NewRule()
		r.SecMark_, r.Phase_ = name, 0 // as the SecMarker directive makes it
		if err := waf.Rules.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	// matched returns the ids of the rules that ran (matched) in each phase.
	matched := func() (byPhase [3][]int) {
		tx := waf.NewTransaction()
		defer tx.Close()
		for _, ph := range []types.RulePhase{types.PhaseRequestHeaders, types.PhaseRequestBody} {
			n := len(tx.MatchedRules())
			waf.Rules.Eval(ph, tx)
			for _, mr := range tx.MatchedRules()[n:] {
				byPhase[ph] = append(byPhase[ph], mr.Rule().ID())
			}
		}
		return byPhase
	}

	add(1, types.PhaseRequestBody, "")
	add(2, types.PhaseRequestHeaders, "END")
	add(3, types.PhaseRequestBody, "END")
	add(4, types.PhaseRequestHeaders, "")
	add(5, types.PhaseRequestBody, "")
	marker("END")
	add(6, types.PhaseRequestHeaders, "")
	add(7, types.PhaseRequestBody, "")

	got := matched()
	// 2 and 3 skip to the marker, which each phase reaches.
	if want := []int{2, 6}; !slices.Equal(got[1], want) {
		t.Errorf("phase 1 ran %v; want %v", got[1], want)
	}
	if want := []int{1, 3, 7}; !slices.Equal(got[2], want) {
		t.Errorf("phase 2 ran %v; want %v", got[2], want)
	}

	add(8, types.PhaseRequestHeaders, "")
	if got := matched(); !slices.Equal(got[1], []int{2, 6, 8}) {
		t.Errorf("after adding 8: phase 1 ran %v; want [2 6 8]", got[1])
	}
	waf.Rules.DeleteByID(3)
	if got := matched(); !slices.Equal(got[2], []int{1, 5, 7}) {
		t.Errorf("after deleting 3: phase 2 ran %v; want [1 5 7]", got[2])
	}
}

// skipAfterFn does what the skipAfter action does.
type skipAfterFn string

func (s skipAfterFn) Init(plugintypes.RuleMetadata, string) error { return nil }

func (s skipAfterFn) Evaluate(_ plugintypes.RuleMetadata, tx plugintypes.TransactionState) {
	tx.(*Transaction).SkipAfter = string(s)
}

func (s skipAfterFn) Type() plugintypes.ActionType { return plugintypes.ActionTypeFlow }
