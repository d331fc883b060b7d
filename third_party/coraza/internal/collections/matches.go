// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package collections

import (
	"github.com/corazawaf/coraza/v3/internal/corazarules"
	"github.com/corazawaf/coraza/v3/types"
)

// newMatches returns n zero MatchData and the slice of pointers to them that a Find
// method returns. One value, the common answer (a Single, a TX key, a header), takes
// one allocation instead of two.
func newMatches(n int) ([]corazarules.MatchData, []types.MatchData) {
	if n == 1 {
		one := new(struct {
			data [1]corazarules.MatchData
			ptrs [1]types.MatchData
		})
		one.ptrs[0] = &one.data[0]
		return one.data[:], one.ptrs[:]
	}
	data := make([]corazarules.MatchData, n)
	ptrs := make([]types.MatchData, n)
	for i := range data {
		ptrs[i] = &data[i]
	}
	return data, ptrs
}
