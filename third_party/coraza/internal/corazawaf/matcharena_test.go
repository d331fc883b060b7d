// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import (
	"strconv"
	"testing"

	"github.com/corazawaf/coraza/v3/internal/corazarules"
	"github.com/corazawaf/coraza/v3/types"
)

// TestArenaSlicesDoNotOverlap: rule slices of MatchData are carved from one array;
// appending past a slice's room must not write into the next rule's.
func TestArenaSlicesDoNotOverlap(t *testing.T) {
	var a matchArena
	md := func(key string) types.MatchData { return &corazarules.MatchData{Key_: key} }
	var slices [][]types.MatchData
	for i := range 3 {
		slices = append(slices, a.appendValue(nil, md(strconv.Itoa(i))))
	}
	// The middle rule matches many more values than its room.
	for j := range 10 {
		slices[1] = a.appendValue(slices[1], md("1."+strconv.Itoa(j)))
	}
	for i, want := range []int{1, 11, 1} {
		if len(slices[i]) != want {
			t.Fatalf("slice %d has %d values; want %d", i, len(slices[i]), want)
		}
		if got := slices[i][0].Key(); got != strconv.Itoa(i) {
			t.Errorf("slice %d starts with %q; want %q", i, got, strconv.Itoa(i))
		}
	}
	for j, m := range slices[1][1:] {
		if want := "1." + strconv.Itoa(j); m.Key() != want {
			t.Errorf("slice 1 value %d is %q; want %q", j+1, m.Key(), want)
		}
	}
}

// TestArenaOverflowAndReuse runs more matches than the arena holds, then a second
// transaction from the pool: every matched rule must be its own, with its own data.
func TestArenaOverflowAndReuse(t *testing.T) {
	waf := NewWAF()
	const rules = arenaMatches + 40
	for id := 1; id <= rules; id++ {
		r := NewRule()
		r.ID_, r.LogID_, r.Phase_ = id, strconv.Itoa(id), types.PhaseRequestHeaders
		if err := waf.Rules.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 2 {
		tx := waf.NewTransaction()
		tx.ProcessRequestHeaders()
		mrs := tx.MatchedRules()
		if len(mrs) != rules {
			t.Fatalf("round %d: %d matched rules; want %d", round, len(mrs), rules)
		}
		seen := map[types.MatchData]bool{}
		for i, mr := range mrs {
			if got := mr.Rule().ID(); got != i+1 {
				t.Fatalf("round %d: matched rule %d has id %d", round, i, got)
			}
			mds := mr.MatchedDatas()
			if len(mds) != 1 || seen[mds[0]] {
				t.Fatalf("round %d: rule %d has match data %v, shared or not one", round, i+1, mds)
			}
			seen[mds[0]] = true
		}
		if err := tx.Close(); err != nil {
			t.Fatal(err)
		}
		if len(tx.matchedRules) != 0 || len(tx.matches.rules) != 0 || len(tx.matches.data) != 0 {
			t.Fatalf("Close left %d matched rules, %d in the arena", len(tx.matchedRules), len(tx.matches.rules))
		}
	}
}
