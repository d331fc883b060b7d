// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package collections

import (
	"strconv"
	"testing"

	"github.com/corazawaf/coraza/v3/types/variables"
)

// TestResetKeepsValueSlicesForNewKeys: after Reset a map refills from the slices of
// the keys it removed (sidewall's patch): new keys show only their own values, and a
// pooled transaction's TX, refilled with the same keys, allocates nothing for them.
func TestResetKeepsValueSlicesForNewKeys(t *testing.T) {
	m := NewMap(variables.TX)
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = "key_" + strconv.Itoa(i)
		m.SetOne(keys[i], "old")
		m.Add(keys[i]+"_added", "old")
	}
	m.Reset()
	m.SetOne("a", "x")
	m.Add("b", "y")
	m.Set("c", []string{"z"})
	all := m.FindAll()
	if len(all) != 3 || m.Len() != 3 || m.TotalValues() != 3 {
		t.Fatalf("after Reset and three writes: %d values, Len %d, TotalValues %d", len(all), m.Len(), m.TotalValues())
	}
	for _, md := range all {
		if md.Value() == "old" {
			t.Errorf("%s = %q: a removed value came back", md.Key(), md.Value())
		}
	}
	if got := m.Get(keys[0]); got != nil {
		t.Errorf("Get(%q) = %q after Reset", keys[0], got)
	}

	allocs := testing.AllocsPerRun(20, func() {
		m.Reset()
		for _, k := range keys {
			m.SetOne(k, "v")
		}
	})
	if allocs != 0 {
		t.Errorf("refilling %d keys after Reset allocates %v times; want 0", len(keys), allocs)
	}
}

// TestSpareSlicesStayBounded: however a map's keys are made, Reset must not let the
// spare slices outnumber the keys a request had (SetIndex made its keys without
// taking a spare, and the list grew by one per key and request: found in review).
func TestSpareSlicesStayBounded(t *testing.T) {
	m := NewMap(variables.Rule)
	for range 1000 {
		for _, k := range []string{"id", "msg", "severity"} {
			m.SetIndex(k, 0, "v")
		}
		m.Set("many", []string{"a", "b", "c"}) // more than a spare holds
		m.Reset()
	}
	if len(m.spare) > 4 {
		t.Errorf("spare holds %d slices after 1000 requests of 4 keys", len(m.spare))
	}
}
