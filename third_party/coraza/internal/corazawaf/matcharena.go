// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package corazawaf

import (
	"github.com/corazawaf/coraza/v3/internal/corazarules"
	"github.com/corazawaf/coraza/v3/types"
)

// matchArena holds what a transaction's rule matches create: the MatchData of each
// matched value, the slices that gather a rule's MatchData, and the MatchedRule of
// each matched rule. On a benign GET the CRS matches some 70 times (setup
// SecActions, paranoia-level skips), and these were ~220 allocations and more than
// half the bytes a request allocated. The arena belongs to the pooled Transaction and
// is emptied by Close, so that its arrays serve the next transaction: what
// MatchedRules returns is valid until Close, as the transaction's variables are.
//
// When an array is full, a match allocates as before; the arrays are sized for an
// ordinary request and never grow.
type matchArena struct {
	data   []corazarules.MatchData
	rules  []corazarules.MatchedRule
	values []types.MatchData
}

const (
	arenaMatches = 128 // MatchData and MatchedRules of one request
	arenaValues  = 256 // room for the MatchData slices, arenaValueRun at a time
	// arenaValueRun is the capacity of a rule's slice of MatchData: nearly every rule
	// that matches matches one value; one that matches more grows its slice on the
	// heap.
	arenaValueRun = 2
)

// newMatchData returns a zero MatchData.
func (a *matchArena) newMatchData() *corazarules.MatchData {
	return nextOf(&a.data)
}

// newMatchedRule returns a zero MatchedRule.
func (a *matchArena) newMatchedRule() *corazarules.MatchedRule {
	return nextOf(&a.rules)
}

// nextOf returns a zero element of *s past its length, or a new one when *s is full;
// the first call makes *s with room for arenaMatches.
func nextOf[T any](s *[]T) *T {
	if *s == nil {
		*s = make([]T, 0, arenaMatches)
	}
	if n := len(*s); n < cap(*s) {
		*s = (*s)[:n+1]
		return &(*s)[n]
	}
	return new(T)
}

// appendValue is append(s, md), with a nil s started in the arena.
func (a *matchArena) appendValue(s []types.MatchData, md types.MatchData) []types.MatchData {
	if s == nil {
		if a.values == nil {
			a.values = make([]types.MatchData, 0, arenaValues)
		}
		if n := len(a.values); n+arenaValueRun <= cap(a.values) {
			a.values = a.values[:n+arenaValueRun]
			s = a.values[n : n : n+arenaValueRun]
		}
	}
	return append(s, md)
}

// reset empties the arena for the next transaction, dropping what it referred to.
func (a *matchArena) reset() {
	clear(a.data)
	a.data = a.data[:0]
	clear(a.rules)
	a.rules = a.rules[:0]
	clear(a.values)
	a.values = a.values[:0]
}
