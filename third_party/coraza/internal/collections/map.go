// Copyright 2023 Juan Pablo Tosso and the OWASP Coraza contributors
// SPDX-License-Identifier: Apache-2.0

package collections

import (
	"regexp"
	"strings"

	"github.com/corazawaf/coraza/v3/collection"
	"github.com/corazawaf/coraza/v3/internal/corazarules"
	"github.com/corazawaf/coraza/v3/types"
	"github.com/corazawaf/coraza/v3/types/variables"
)

// Map is a default collection.Map.
type Map struct {
	isCaseSensitive bool
	data            map[string][]keyValue
	variable        variables.RuleVariable
	// totalValues tracks TotalValues incrementally so it stays O(1) to read;
	// summing len(values) across every key on each call made checkArgumentLimit
	// (called once per Add) quadratic in the number of distinct keys.
	totalValues int
	// version changes with every write, so that a reader can keep what it found
	// for as long as the version stays the same.
	version uint64
	// spare holds the emptied value slices of the keys Reset removed, for new keys
	// to reuse: a pooled transaction's TX gets the same hundred keys every request,
	// and each was an allocation.
	spare [][]keyValue
}

var _ collection.Map = &Map{}

// NewMap creates a new Map. By default, the Map key is case insensitive.
func NewMap(variable variables.RuleVariable) *Map {
	return &Map{
		isCaseSensitive: false,
		variable:        variable,
		data:            map[string][]keyValue{},
	}
}

// NewCaseSensitiveKeyMap creates a new Map with case sensitive keys.
func NewCaseSensitiveKeyMap(variable variables.RuleVariable) *Map {
	return &Map{
		isCaseSensitive: true,
		variable:        variable,
		data:            map[string][]keyValue{},
	}
}

func (c *Map) Get(key string) []string {
	if len(c.data) == 0 {
		return nil
	}
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	values := c.data[key]
	if len(values) == 0 {
		return nil
	}
	result := make([]string, len(values))
	for i, v := range values {
		result[i] = v.value
	}
	return result
}

// FindRegex returns all map elements whose key matches the regular expression.
func (c *Map) FindRegex(key *regexp.Regexp) []types.MatchData {
	n := 0
	// Collect matching data slices in a single pass to avoid evaluating the regex twice per key.
	var matched [][]keyValue
	for k, data := range c.data {
		if key.MatchString(k) {
			n += len(data)
			matched = append(matched, data)
		}
	}
	if n == 0 {
		return nil
	}
	buf, result := newMatches(n)
	i := 0
	for _, data := range matched {
		for _, d := range data {
			buf[i] = corazarules.MatchData{
				Variable_: c.variable,
				Key_:      d.key,
				Value_:    d.value,
			}
			i++
		}
	}
	return result
}

// FindString returns all map elements whose key matches the string.
func (c *Map) FindString(key string) []types.MatchData {
	if key == "" {
		return c.FindAll()
	}
	if len(c.data) == 0 {
		return nil
	}
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	e, ok := c.data[key]
	if !ok || len(e) == 0 {
		return nil
	}
	buf, result := newMatches(len(e))
	for i, aVar := range e {
		buf[i] = corazarules.MatchData{
			Variable_: c.variable,
			Key_:      aVar.key,
			Value_:    aVar.value,
		}
	}
	return result
}

// FindAll returns all map elements.
func (c *Map) FindAll() []types.MatchData {
	n := 0
	for _, data := range c.data {
		n += len(data)
	}
	if n == 0 {
		return nil
	}
	buf, result := newMatches(n)
	i := 0
	for _, data := range c.data {
		for _, d := range data {
			buf[i] = corazarules.MatchData{
				Variable_: c.variable,
				Key_:      d.key,
				Value_:    d.value,
			}
			i++
		}
	}
	return result
}

// Add adds a new key-value pair to the map.
func (c *Map) Add(key string, value string) {
	lowerKey := key
	if !c.isCaseSensitive {
		lowerKey = strings.ToLower(key)
	}
	c.AddLowered(lowerKey, key, value)
}

// FirstValue returns the first value of key, as Get(key)[0] would, without making
// the slice: macro expansion and setvar read a TX value this way many times a request.
func (c *Map) FirstValue(key string) (string, bool) {
	if len(c.data) == 0 {
		return "", false
	}
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	if values := c.data[key]; len(values) > 0 {
		return values[0].value, true
	}
	return "", false
}

// SetOne is Set(key, []string{value}) without the caller's slice.
func (c *Map) SetOne(key, value string) {
	c.version++
	originalKey := key
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	dataSlice := c.data[key]
	oldLen := len(dataSlice)
	c.totalValues += 1 - oldLen
	if oldLen == 1 {
		// Overwritten in place: the map needs no second hashing of the key.
		dataSlice[0] = keyValue{key: originalKey, value: value}
		return
	}
	if cap(dataSlice) < 1 {
		dataSlice = c.spareSlice()
	}
	if cap(dataSlice) < 1 {
		dataSlice = make([]keyValue, 1)
	} else {
		dataSlice = dataSlice[:1]
	}
	dataSlice[0] = keyValue{key: originalKey, value: value}
	c.data[key] = dataSlice
}

// AddLowered is Add for a caller that has the key lower-cased already: lowerKey
// must be strings.ToLower(key) (for a case-sensitive map, key itself).
func (c *Map) AddLowered(lowerKey, key, value string) {
	c.version++
	values, ok := c.data[lowerKey]
	if !ok {
		values = c.spareSlice()
	}
	c.data[lowerKey] = append(values, keyValue{key: key, value: value})
	c.totalValues++
}

// spareSlice returns an empty slice with room for a value, or nil.
func (c *Map) spareSlice() []keyValue {
	n := len(c.spare)
	if n == 0 {
		return nil
	}
	s := c.spare[n-1]
	c.spare[n-1] = nil
	c.spare = c.spare[:n-1]
	return s
}

// Sets the value of a key with the array of strings passed. If the key already exists, it will be overwritten.
func (c *Map) Set(key string, values []string) {
	c.version++
	originalKey := key
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	dataSlice, exists := c.data[key]
	oldLen := len(dataSlice)
	if !exists {
		dataSlice = c.spareSlice()
	}
	if cap(dataSlice) < len(values) {
		dataSlice = make([]keyValue, len(values))
	} else {
		dataSlice = dataSlice[:len(values)] // Reuse existing slice with the same length
	}
	for i, v := range values {
		dataSlice[i] = keyValue{key: originalKey, value: v}
	}
	c.data[key] = dataSlice
	c.totalValues += len(values) - oldLen
}

// SetIndex sets the value of a key at the specified index. If the key already exists, it will be overwritten.
func (c *Map) SetIndex(key string, index int, value string) {
	c.version++
	originalKey := key
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	values := c.data[key]
	av := keyValue{key: originalKey, value: value}

	switch {
	case len(values) == 0:
		if cap(values) == 0 {
			values = c.spareSlice()
		}
		c.data[key] = append(values[:0], av)
		c.totalValues++
	case len(values) <= index:
		c.data[key] = append(c.data[key], av)
		c.totalValues++
	default:
		c.data[key][index] = av
	}
}

// Remove removes a key/value from the map.
func (c *Map) Remove(key string) {
	c.version++
	if !c.isCaseSensitive {
		key = strings.ToLower(key)
	}
	if len(c.data) == 0 {
		return
	}
	c.totalValues -= len(c.data[key])
	delete(c.data, key)
}

// Version returns a number that changes whenever the map is written to.
func (c *Map) Version() (uint64, bool) {
	return c.version, true
}

// Name returns the name of the map/collection.
func (c *Map) Name() string {
	return c.variable.Name()
}

// Reset removes all key/value pairs from the map.
func (c *Map) Reset() {
	c.version++
	// At most as many spares as this request had keys: a way of making keys that
	// takes no spare must not make the list grow with every request.
	keep := len(c.data)
	for _, v := range c.data {
		if cap(v) > 0 && len(c.spare) < keep {
			// Emptied, so that the request's strings are not kept alive.
			clear(v[:cap(v)])
			c.spare = append(c.spare, v[:0])
		}
	}
	// At once, not a delete (and a hashing of the key) per key: a pooled
	// transaction resets some 20 maps a request, TX with a hundred keys.
	clear(c.data)
	c.totalValues = 0
}

// Format updates the passed strings.Builder with the formatted map key/values.
func (c *Map) Format(res *strings.Builder) {
	res.WriteString(c.variable.Name())
	res.WriteString(":\n")
	for k, v := range c.data {
		res.WriteString("    ")
		res.WriteString(k)
		res.WriteString(": ")
		for i, vv := range v {
			if i > 0 {
				res.WriteString(",")
			}
			res.WriteString(vv.value)
		}
		res.WriteByte('\n')
	}
}

// String returns a string representation of the map key/values.
func (c *Map) String() string {
	res := strings.Builder{}
	c.Format(&res)
	return res.String()
}

// Len returns the number of distinct keys in the map. A key holding several
// values (via repeated Add calls) is counted once -- use TotalValues to count
// every individual value instead.
func (c *Map) Len() int {
	return len(c.data)
}

// TotalValues returns the total number of individual values across every key
// in the map, unlike Len which only counts distinct keys. O(1): the count is
// maintained incrementally by Add/Set/SetIndex/Remove/Reset rather than
// recomputed here, since checkArgumentLimit calls this once per value added
// and a per-call walk over every distinct key made that quadratic.
func (c *Map) TotalValues() int {
	return c.totalValues
}

// keyValue stores the case preserved original key and value
// of the variable
type keyValue struct {
	key   string
	value string
}
