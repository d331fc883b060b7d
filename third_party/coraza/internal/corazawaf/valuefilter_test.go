// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/corazawaf/coraza/v3/debuglog"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/internal/corazarules"
	"github.com/corazawaf/coraza/v3/internal/transformations"
	"github.com/corazawaf/coraza/v3/types"
	"github.com/corazawaf/coraza/v3/types/variables"
)

// literalOp matches values containing "evil", ignoring case, and says so from a value
// alone through MayMatch; it records what it was asked to evaluate.
type literalOp struct{ seen []string }

func (o *literalOp) Evaluate(_ plugintypes.TransactionState, v string) bool {
	o.seen = append(o.seen, v)
	return strings.Contains(strings.ToLower(v), "evil")
}

func (o *literalOp) MayMatch(v string) bool { return strings.Contains(strings.ToLower(v), "evil") }

// plainOp is the same operator without MayMatch (a field, not embedded, so the
// method is not promoted).
type plainOp struct{ rec *literalOp }

func (o *plainOp) Evaluate(tx plugintypes.TransactionState, v string) bool {
	return o.rec.Evaluate(tx, v)
}

// stoppingOp is literalOp that also takes the trigger bytes into its scan
// (stopByteFilter), as sidewall's @rx and Coraza's @pm and @detectXSS do.
type stoppingOp struct{ literalOp }

func (o *stoppingOp) WithStopBytes(stop [4]uint64) interface{ MayMatch(string) bool } {
	return stopping{o, transformations.ByteSet(stop)}
}

type stopping struct {
	op   *stoppingOp
	stop transformations.ByteSet
}

func (s stopping) MayMatch(v string) bool { return s.stop.Any(v) || s.op.MayMatch(v) }

func filterRule(t *testing.T, op plugintypes.Operator, name string, tnames ...string) *Rule {
	t.Helper()
	r := NewRule()
	r.ID_, r.LogID_ = 1, "1"
	for _, n := range tnames {
		fn, err := transformations.GetTransformation(n)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.AddTransformation(n, fn); err != nil {
			t.Fatal(err)
		}
	}
	r.SetOperator(op, name, "")
	if err := r.AddVariable(variables.ArgsGet, "", false); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestValueFilterSkipsOnlyWhatCannotMatch: a value without a trigger byte for the
// rule's transformations, of which the operator says it cannot match, is passed over;
// every other value is transformed and evaluated as before.
func TestValueFilterSkipsOnlyWhatCannotMatch(t *testing.T) {
	args := []string{"plain", "a%20b", "EVIL", "%45vil", "two words"}
	for _, tc := range []struct {
		name      string
		op        func() (plugintypes.Operator, *literalOp)
		opName    string
		tnames    []string
		evaluated []string
		matched   int
	}{
		{"filtered", func() (plugintypes.Operator, *literalOp) { o := &literalOp{}; return o, o },
			"@rx", []string{"urlDecodeUni", "lowercase"},
			[]string{"a b", "evil", "evil"}, 2},
		{"space is a trigger of compressWhitespace", func() (plugintypes.Operator, *literalOp) { o := &literalOp{}; return o, o },
			"@rx", []string{"compressWhitespace"},
			[]string{"EVIL", "two words"}, 1},
		{"trigger bytes folded into the operator's scan", func() (plugintypes.Operator, *literalOp) { o := &stoppingOp{}; return o, &o.literalOp },
			"@rx", []string{"urlDecodeUni", "lowercase"},
			[]string{"a b", "evil", "evil"}, 2},
		{"space folded into the operator's scan", func() (plugintypes.Operator, *literalOp) { o := &stoppingOp{}; return o, &o.literalOp },
			"@rx", []string{"compressWhitespace"},
			[]string{"EVIL", "two words"}, 1},
		{"no MayMatch", func() (plugintypes.Operator, *literalOp) { o := &plainOp{rec: &literalOp{}}; return o, o.rec },
			"@rx", []string{"urlDecodeUni"},
			[]string{"plain", "a b", "EVIL", "Evil", "two words"}, 2},
		{"negated", func() (plugintypes.Operator, *literalOp) { o := &literalOp{}; return o, o },
			"!@rx", []string{"urlDecodeUni"},
			[]string{"plain", "a b", "EVIL", "Evil", "two words"}, 3},
		{"a transformation nothing is known of", func() (plugintypes.Operator, *literalOp) { o := &literalOp{}; return o, o },
			"@rx", []string{"base64Decode"},
			nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			op, rec := tc.op()
			r := filterRule(t, op, tc.opName, tc.tnames...)
			if _, ok := op.(stopByteFilter); ok && tc.evaluated != nil && (r.valueFilter == nil || !r.valueFilter.folded) {
				t.Fatal("the trigger bytes were not given to the operator")
			}
			tx := NewWAF().NewTransaction()
			defer tx.Close()
			for i, v := range args {
				tx.variables.argsGet.Add("k"+string(rune('a'+i)), v)
			}
			var collective []types.MatchData
			matched := r.doEvaluate(debuglog.Noop(), types.PhaseRequestHeaders, tx, &collective, 0, tx.transformationCache)
			if tc.evaluated != nil {
				got := slices.Sorted(slices.Values(rec.seen))
				want := slices.Sorted(slices.Values(tc.evaluated))
				if !slices.Equal(got, want) {
					t.Errorf("evaluated %q, want %q", got, want)
				}
			} else if len(rec.seen) != len(args) {
				t.Errorf("evaluated %d values, want all %d", len(rec.seen), len(args))
			}
			if tc.evaluated != nil && len(matched) != tc.matched {
				t.Errorf("%d matches, want %d", len(matched), tc.matched)
			}
		})
	}
}

// TestGetFieldSharesButExceptionsCopy: the answer kept for a collection is shared by
// the rules of a phase; a rule's exceptions must filter a copy of it, and a write to
// the collection must make the next ask see it.
func TestGetFieldSharesButExceptionsCopy(t *testing.T) {
	tx := NewWAF().NewTransaction()
	defer tx.Close()
	tx.variables.argsGet.Add("a", "1")
	tx.variables.argsGet.Add("b", "2")
	tx.variables.argsGet.Add("c", "3")
	all := ruleVariableParams{Variable: variables.ArgsGet}
	notB := ruleVariableParams{Variable: variables.ArgsGet, Exceptions: []ruleVariableException{{KeyStr: "B"}}}
	keys := func(mds []types.MatchData) []string {
		var out []string
		for _, m := range mds {
			out = append(out, m.Key())
		}
		slices.Sort(out)
		return out
	}
	if got := keys(tx.GetField(all)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("all: %q", got)
	}
	if got := keys(tx.GetField(notB)); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("without b: %q", got)
	}
	if got := keys(tx.GetField(all)); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("all after the exception: %q; the shared answer was modified", got)
	}
	// Whatever the order the map gives, excluded values at the start, the end or
	// between kept ones leave the shared answer whole.
	for _, ex := range [][]ruleVariableException{
		{{KeyStr: ""}}, {{KeyStr: "a"}, {KeyStr: "c"}}, {{KeyStr: "a"}, {KeyStr: "b"}},
		{{KeyRx: regexp.MustCompile("^[ab]$")}},
	} {
		rv := ruleVariableParams{Variable: variables.ArgsGet, Exceptions: ex}
		for range 20 { // Go varies map order between reads; the answer is kept per transaction
			tx.fieldEpoch++
			got := keys(tx.GetField(rv))
			var want []string
			for _, k := range []string{"a", "b", "c"} {
				if !isException(ex, k) {
					want = append(want, k)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("exceptions %v: %q, want %q", ex, got, want)
			}
			if got := keys(tx.GetField(all)); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Fatalf("exceptions %v modified the shared answer: %q", ex, got)
			}
		}
	}
	tx.variables.argsGet.Add("d", "4")
	if got := keys(tx.GetField(all)); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Fatalf("all after a write: %q", got)
	}
	for _, slot := range []int{0, 3} { // without a slot, nothing is kept
		key := ruleVariableParams{Variable: variables.ArgsGet, KeyStr: "a", slot: slot}
		tx.variables.argsGet.Set("a", []string{"1"})
		if got := tx.GetField(key); len(got) != 1 || got[0].Value() != "1" {
			t.Fatalf("slot %d: ARGS_GET:a = %v", slot, got)
		}
		if _, kept := tx.findField(tx.variables.argsGet, key); kept != (slot > 0) {
			t.Errorf("slot %d: kept = %v", slot, kept)
		}
		tx.variables.argsGet.Set("a", []string{"9"})
		if got := tx.GetField(key); len(got) != 1 || got[0].Value() != "9" {
			t.Fatalf("slot %d: ARGS_GET:a after Set = %v", slot, got)
		}
	}
}

// TestRuleGroupGivesSlots: one slot per distinct key or regex, chains included; none
// for whole collections.
func TestRuleGroupGivesSlots(t *testing.T) {
	var rg RuleGroup
	mk := func(id int, vars ...ruleVariableParams) *Rule {
		r := NewRule()
		r.ID_ = id
		r.variables = vars
		return r
	}
	a := mk(1, ruleVariableParams{Variable: variables.ArgsGet}, ruleVariableParams{Variable: variables.ArgsGet, KeyStr: "x"})
	a.Chain = mk(0, ruleVariableParams{Variable: variables.RequestHeaders, KeyStr: "host"})
	b := mk(2, ruleVariableParams{Variable: variables.ArgsGet, KeyStr: "x"}, ruleVariableParams{Variable: variables.ArgsGet, KeyStr: "y"})
	for _, r := range []*Rule{a, b} {
		if err := rg.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	got := []int{a.variables[0].slot, a.variables[1].slot, a.Chain.variables[0].slot, b.variables[0].slot, b.variables[1].slot}
	if want := []int{0, 1, 2, 1, 3}; !slices.Equal(got, want) {
		t.Errorf("slots %v, want %v", got, want)
	}
	// The parser chains a rule to one already added, then asks for its slots.
	stored := rg.FindByID(2)
	stored.Chain = mk(0, ruleVariableParams{Variable: variables.RequestHeaders, KeyStr: "host"},
		ruleVariableParams{Variable: variables.TX, KeyStr: "z"})
	rg.AssignFieldSlots(stored.Chain)
	if got := []int{stored.Chain.variables[0].slot, stored.Chain.variables[1].slot}; !slices.Equal(got, []int{2, 4}) {
		t.Errorf("chained later: slots %v, want [2 4]", got)
	}
}

func TestEqualLowered(t *testing.T) {
	words := []string{"", "a", "A", "ab", "aB", "Ab", "__utm", "__UTM", "k", "K", "\u212a", "s", "\u017f",
		"\u0130", "i\u0307", "\xff", "\xffA", "\xffa", "é", "É"}
	for _, a := range words {
		for _, b := range words {
			if got, want := equalLowered(a, b), strings.ToLower(a) == strings.ToLower(b); got != want {
				t.Errorf("equalLowered(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

// TestTransformationCacheKeyedByValue: two values under one key get their own
// results, whatever order they are asked in.
func TestTransformationCacheKeyedByValue(t *testing.T) {
	cache := map[transformationKey]transformationValue{}
	r := NewRule()
	lower, _ := transformations.GetTransformation("lowercase")
	_ = r.AddTransformation("lowercase", lower)
	x := &corazarules.MatchData{Variable_: variables.ArgsGet, Key_: "a", Value_: "X"}
	y := &corazarules.MatchData{Variable_: variables.ArgsGet, Key_: "a", Value_: "Y"}
	for _, md := range []*corazarules.MatchData{x, y, y, x} {
		got, _ := r.transformArg(md, cache)
		if want := strings.ToLower(md.Value_); got != want {
			t.Errorf("transform of %q = %q, want %q", md.Value_, got, want)
		}
	}
}

// TestRuleCollectionOnlyWhenUsed: RULE is written only for a WAF that reads it.
func TestRuleCollectionOnlyWhenUsed(t *testing.T) {
	for _, used := range []bool{false, true} {
		waf := NewWAF()
		waf.RuleVariableUsed = used
		tx := waf.NewTransaction()
		r := NewRule()
		r.ID_, r.LogID_ = 7, "7"
		var collective []types.MatchData
		r.doEvaluate(debuglog.Noop(), types.PhaseRequestHeaders, tx, &collective, 0, tx.transformationCache)
		if got := len(tx.variables.rule.Get("id")) > 0; got != used {
			t.Errorf("RuleVariableUsed %v: RULE:id written = %v", used, got)
		}
		tx.Close()
	}
}

// TestSecMarkerLeavesMatchedLikeAForcedMatch: a reached SecMarker takes a short way,
// which must leave MATCHED_* as the forced match of a rule without operator does.
func TestSecMarkerLeavesMatchedLikeAForcedMatch(t *testing.T) {
	state := func(secMark string) (string, string, []string) {
		tx := NewWAF().NewTransaction()
		defer tx.Close()
		tx.variables.matchedVar.Set("before")
		tx.variables.matchedVarName.Set("ARGS:before")
		r := NewRule()
		r.SecMark_ = secMark
		var collective []types.MatchData
		r.doEvaluate(debuglog.Noop(), types.PhaseRequestHeaders, tx, &collective, 0, tx.transformationCache)
		var names []string
		for _, m := range tx.variables.MatchedVars().FindAll() {
			names = append(names, m.Key()+"="+m.Value())
		}
		return tx.variables.MatchedVar().Get(), tx.variables.MatchedVarName().Get(), names
	}
	v1, n1, all1 := state("END-OF-SOMETHING")
	v2, n2, all2 := state("") // no marker: the general forced match
	if v1 != v2 || n1 != n2 || !slices.Equal(all1, all2) {
		t.Errorf("marker left %q %q %q; a forced match leaves %q %q %q", v1, n1, all1, v2, n2, all2)
	}
	if v1 != "" {
		t.Errorf("MATCHED_VAR = %q after a marker", v1)
	}
}

// TestRemovedTargetsDoNotOutliveTheTransaction: the pool keeps the map of removed
// targets; what one request removed must not apply to the next.
func TestRemovedTargetsDoNotOutliveTheTransaction(t *testing.T) {
	w := NewWAF()
	for i := range 3 {
		tx := w.NewTransaction()
		if got := len(tx.ruleRemoveTargetByID[5]); got != 0 {
			t.Fatalf("transaction %d starts with %d targets removed from rule 5", i, got)
		}
		tx.RemoveRuleTargetByID(5, variables.ArgsGet, "a", nil)
		if got := len(tx.ruleRemoveTargetByID[5]); got != 1 {
			t.Fatalf("transaction %d: %d targets removed, want 1", i, got)
		}
		tx.Close()
	}
}

// TestRemovedTargetsFoundThroughTheMask: removedTargets, which asks a mask of ids
// before the map, returns what RemoveRuleTargetByID added, also for ids that share
// the mask's bit, nothing for an id without targets, and nothing in the next
// transaction.
func TestRemovedTargetsFoundThroughTheMask(t *testing.T) {
	w := NewWAF()
	for i := range 2 {
		tx := w.NewTransaction()
		for _, id := range []int{5, 5 + 256, -3, 942100} {
			if got := tx.removedTargets(id); len(got) != 0 {
				t.Fatalf("transaction %d starts with %v removed from rule %d", i, got, id)
			}
		}
		tx.RemoveRuleTargetByID(5, variables.ArgsGet, "a", nil)
		tx.RemoveRuleTargetByID(5+256, variables.RequestHeaders, "b", nil)
		tx.RemoveRuleTargetByID(-3, variables.RequestCookies, "c", nil)
		for id, want := range map[int]string{5: "a", 5 + 256: "b", -3: "c", 6: "", 942100: ""} {
			got := tx.removedTargets(id)
			switch {
			case want == "" && len(got) != 0:
				t.Errorf("transaction %d: rule %d has %v removed, want none", i, id, got)
			case want != "" && (len(got) != 1 || got[0].KeyStr != want):
				t.Errorf("transaction %d: rule %d has %v removed, want key %q", i, id, got, want)
			}
		}
		tx.Close()
	}
}

// TestCtlExceptionsDoNotWriteIntoTheRule: a transaction's removed targets are added
// to a copy of the rule's exceptions; with spare capacity in the rule's slice, append
// wrote them into the rule's array, which concurrent transactions share.
func TestCtlExceptionsDoNotWriteIntoTheRule(t *testing.T) {
	r := NewRule()
	r.ID_, r.LogID_ = 9, "9"
	r.SetOperator(&literalOp{}, "@rx", "")
	if err := r.AddVariable(variables.ArgsGet, "", false); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if err := r.AddVariableNegation(variables.ArgsGet, k); err != nil {
			t.Fatal(err)
		}
	}
	ex := r.variables[0].Exceptions
	if cap(ex) == len(ex) {
		t.Skipf("no spare capacity (len %d, cap %d): nothing to show", len(ex), cap(ex))
	}
	tx := NewWAF().NewTransaction()
	defer tx.Close()
	tx.variables.argsGet.Add("d", "1")
	tx.RemoveRuleTargetByID(9, variables.ArgsGet, "d", nil)
	var collective []types.MatchData
	r.doEvaluate(debuglog.Noop(), types.PhaseRequestHeaders, tx, &collective, 0, tx.transformationCache)
	if spare := ex[len(ex) : len(ex)+1]; spare[0] != (ruleVariableException{}) {
		t.Errorf("the transaction's exception %v was written into the rule's array", spare[0])
	}
}
