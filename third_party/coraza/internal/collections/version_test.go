// Copyright 2026 the sidewall authors
// SPDX-License-Identifier: Apache-2.0

package collections

import (
	"testing"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/types/variables"
)

type versioned interface{ Version() (uint64, bool) }

func version(t *testing.T, c any) uint64 {
	t.Helper()
	v, ok := c.(versioned).Version()
	if !ok {
		t.Fatalf("%T has no version", c)
	}
	return v
}

// TestVersionChangesOnEveryWrite: a reader keeps what it found while the version
// stays the same, so every write must change it, and reads must not.
func TestVersionChangesOnEveryWrite(t *testing.T) {
	named := NewNamedCollection(variables.ArgsPost)
	get := NewNamedCollection(variables.ArgsGet)
	single := NewSingle(variables.RequestURI)
	views := []any{named, named.Names(variables.ArgsPostNames), NewConcatKeyed(variables.Args, get, named)}

	writes := []struct {
		name  string
		write func()
	}{
		{"Add", func() { named.Add("a", "1") }},
		{"Add again", func() { named.Add("a", "2") }},
		{"AddLowered", func() { named.AddLowered("tx:x", "TX:x", "3") }},
		{"Set", func() { named.Set("b", []string{"x", "y"}) }},
		{"Set same length", func() { named.Set("b", []string{"z", "w"}) }},
		{"SetOne over two", func() { named.SetOne("b", "v") }},
		{"SetOne new", func() { named.SetOne("n", "1") }},
		{"Set back", func() { named.Set("b", []string{"z", "w"}) }},
		{"SetIndex over", func() { named.SetIndex("b", 0, "q") }},
		{"SetIndex append", func() { named.SetIndex("b", 9, "r") }},
		{"Remove", func() { named.Remove("a") }},
		{"Reset", func() { named.Reset() }},
	}
	for _, w := range writes {
		before := make([]uint64, len(views))
		for i, v := range views {
			before[i] = version(t, v)
		}
		w.write()
		for i, v := range views {
			if version(t, v) == before[i] {
				t.Errorf("%s: the version of %T did not change", w.name, v)
			}
		}
	}

	before := version(t, named)
	named.AddLowered("tx:y", "TX:y", "4")
	if got := named.Get("TX:Y"); len(got) != 1 || got[0] != "4" {
		t.Errorf("Get after AddLowered = %q", got)
	}
	if got := named.FindString("tx:y"); len(got) != 1 || got[0].Key() != "TX:y" {
		t.Errorf("FindString after AddLowered = %v; the key keeps its case", got)
	}
	before = version(t, named)
	named.Get("b")
	named.FindAll()
	named.FindString("b")
	if version(t, named) != before {
		t.Error("a read changed the version")
	}

	for _, w := range []func(){func() { single.Set("/a") }, func() { single.Reset() }} {
		before := version(t, single)
		w()
		if version(t, single) == before {
			t.Error("a write to a Single did not change its version")
		}
	}
}

// TestFirstValueAndSetOne: the slice-free accessors answer as Get and Set do.
func TestFirstValueAndSetOne(t *testing.T) {
	a, b := NewMap(variables.TX), NewMap(variables.TX)
	for _, m := range []*Map{a, b} {
		m.Add("Score", "1")
		m.Add("score", "2")
	}
	a.Set("Score", []string{"5"})
	b.SetOne("Score", "5")
	for _, key := range []string{"score", "SCORE", "missing"} {
		ga, gb := a.Get(key), b.Get(key)
		if len(ga) != len(gb) || (len(ga) > 0 && ga[0] != gb[0]) {
			t.Errorf("Get(%q): Set gave %q, SetOne %q", key, ga, gb)
		}
		v, ok := b.FirstValue(key)
		if ok != (len(gb) > 0) || (ok && v != gb[0]) {
			t.Errorf("FirstValue(%q) = %q, %v; Get gives %q", key, v, ok, gb)
		}
	}
	if a.TotalValues() != b.TotalValues() || a.FindAll()[0].Key() != b.FindAll()[0].Key() {
		t.Errorf("Set and SetOne leave different maps: %v, %v", a, b)
	}
}

type unversioned struct{ collection.Keyed }

func TestConcatWithoutVersion(t *testing.T) {
	c := NewConcatKeyed(variables.Args, NewNamedCollection(variables.ArgsGet), unversioned{})
	if _, ok := c.Version(); ok {
		t.Error("a concatenation with a part that has no version claims one")
	}
}
