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

type unversioned struct{ collection.Keyed }

func TestConcatWithoutVersion(t *testing.T) {
	c := NewConcatKeyed(variables.Args, NewNamedCollection(variables.ArgsGet), unversioned{})
	if _, ok := c.Version(); ok {
		t.Error("a concatenation with a part that has no version claims one")
	}
}
