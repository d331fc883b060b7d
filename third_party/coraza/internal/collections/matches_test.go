// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package collections

import (
	"strconv"
	"testing"

	"github.com/corazawaf/coraza/v3/internal/corazarules"
)

// TestNewMatchesPointsAtItsData: what a Find method writes into the data must be what
// the returned pointers show, for one value (one allocation) and several.
func TestNewMatchesPointsAtItsData(t *testing.T) {
	for _, n := range []int{1, 2, 5} {
		data, ptrs := newMatches(n)
		if len(data) != n || len(ptrs) != n {
			t.Fatalf("newMatches(%d) = %d data, %d pointers", n, len(data), len(ptrs))
		}
		for i := range data {
			data[i] = corazarules.MatchData{Key_: strconv.Itoa(i)}
		}
		for i, p := range ptrs {
			if p.Key() != strconv.Itoa(i) {
				t.Errorf("n=%d: pointer %d shows key %q", n, i, p.Key())
			}
		}
	}
	if got := testing.AllocsPerRun(100, func() { newMatches(1) }); got != 1 {
		t.Errorf("newMatches(1) allocates %v times; want 1", got)
	}
}
