package config

import (
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// decoder copies a generic TOML tree onto a Config, checking each key
// against the schema as it goes. Unlike the TOML library's own decoder it
// does not stop at a bad value: it records the problem, leaves the field at
// its default and carries on, so one pass finds every unknown key and every
// type mismatch.
type decoder struct {
	file   string
	lines  lineIndex
	errs   Errors
	failed map[string]bool // paths already reported; validation skips them
}

var (
	durationType = reflect.TypeFor[Duration]()
	fileModeType = reflect.TypeFor[fs.FileMode]()
	ruleType     = reflect.TypeFor[Rule]()
)

func reflectValue(c *Config) reflect.Value { return reflect.ValueOf(c).Elem() }

func (d *decoder) errorf(p keyPath, format string, args ...any) {
	k := p.String()
	d.failed[k] = true
	d.errs = append(d.errs, &Error{File: d.file, Line: d.lines.line(p), Key: k, Msg: fmt.Sprintf(format, args...)})
}

// table copies the keys of m onto the struct rv, whose `toml` tags name the
// keys it allows.
func (d *decoder) table(p keyPath, m map[string]any, rv reflect.Value) {
	t := rv.Type()
	for i := range t.NumField() {
		if v, ok := m[tomlKey(t.Field(i))]; ok {
			d.value(p.key(tomlKey(t.Field(i))), v, rv.Field(i))
		}
	}
	var unknown []string
	for k := range m {
		if _, ok := fieldByKey(t, k); !ok {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown) // map order is random; error order must not be
	for _, k := range unknown {
		what := "key"
		if _, ok := m[k].(map[string]any); ok {
			what = "table"
		}
		d.errorf(p.key(k), "unknown %s%s", what, hint(t, k))
	}
}

// value checks v's TOML type against rv's Go type and stores it. A value of
// the wrong type is reported and rv keeps its default.
func (d *decoder) value(p keyPath, v any, rv reflect.Value) {
	t := rv.Type()
	switch {
	case t == durationType:
		s, ok := v.(string)
		if !ok {
			d.errorf(p, `must be a duration string such as "5s", got %s`, describe(v))
			return
		}
		var dur Duration
		if err := dur.UnmarshalText([]byte(s)); err != nil {
			d.errorf(p, "%v", err)
			return
		}
		rv.Set(reflect.ValueOf(dur))
	case t == fileModeType:
		// An octal string because TOML has no leading-zero integers, and a
		// decimal 432 is no one's idea of a file mode.
		s, ok := v.(string)
		n, err := strconv.ParseUint(s, 8, 32)
		if !ok || err != nil {
			d.errorf(p, `must be an octal string such as "0660", got %s`, describe(v))
			return
		}
		rv.SetUint(n)
	case t.Kind() == reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			d.errorf(p, "must be a table, got %s", describe(v))
			return
		}
		d.table(p, m, rv)
	case t.Kind() == reflect.Slice:
		items, ok := asArray(v)
		if _, isTable := v.(map[string]any); isTable && t.Elem().Kind() == reflect.Struct {
			// The likeliest slip of all: [ratelimit.rules] for [[ratelimit.rules]].
			d.errorf(p, "must be an array of tables, got a table (write [[%s]], with double brackets)", p)
			return
		}
		if !ok {
			d.errorf(p, "must be %s, got %s", wantName(t), describe(v))
			return
		}
		// A file's array replaces the default's rather than appending to it.
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			if t.Elem() == ruleType {
				s.Index(i).Set(reflect.ValueOf(ruleDefaults()))
			}
			// A bad element stays in place (as its zero value) so that
			// the indexes of later elements still match the file.
			d.value(p.index(i), item, s.Index(i))
		}
		rv.Set(s)
	case t.Kind() == reflect.String:
		s, ok := v.(string)
		if !ok {
			d.errorf(p, "must be a string, got %s", describe(v))
			return
		}
		rv.SetString(s)
	case t.Kind() == reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			d.errorf(p, "must be true or false, got %s", describe(v))
			return
		}
		rv.SetBool(b)
	case t.Kind() == reflect.Int:
		n, ok := v.(int64)
		if !ok {
			d.errorf(p, "must be an integer, got %s", describe(v))
			return
		}
		if rv.OverflowInt(n) {
			d.errorf(p, "integer %d is out of range", n)
			return
		}
		rv.SetInt(n)
	case t.Kind() == reflect.Float64:
		switch n := v.(type) {
		case float64:
			rv.SetFloat(n)
		case int64: // "rate = 0" is a number to anyone but a type checker
			rv.SetFloat(float64(n))
		default:
			d.errorf(p, "must be a number, got %s", describe(v))
		}
	default:
		// Only a new field of a type this switch does not know gets here;
		// the tests decode every field, so it cannot ship.
		d.errorf(p, "config: field of unsupported type %s", t)
	}
}

// asArray returns the elements of a TOML array. The library gives an array
// of tables ([[x]] blocks) as []map[string]any and any other array as []any.
func asArray(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case []map[string]any:
		items := make([]any, len(v))
		for i, m := range v {
			items[i] = m
		}
		return items, true
	}
	return nil, false
}

func wantName(t reflect.Type) string {
	switch t.Elem().Kind() {
	case reflect.String:
		return "an array of strings"
	case reflect.Int:
		return "an array of integers"
	case reflect.Struct:
		return "an array of tables"
	}
	return "an array"
}

// describe names a TOML value's type, and shows the value when it is short.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + quoteShort(v)
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case time.Time:
		return "datetime"
	case []any, []map[string]any:
		return "array"
	case map[string]any:
		return "table"
	}
	return fmt.Sprintf("%T", v)
}

// quoteShort quotes s for a message, cutting it short: a message names the
// value, it need not reproduce a page of it.
func quoteShort(s string) string {
	const n = 64
	if len(s) > n {
		return strconv.Quote(strings.ToValidUTF8(s[:n], "")) + "..."
	}
	return strconv.Quote(s)
}

func tomlKey(f reflect.StructField) string {
	k, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return k
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if tomlKey(t.Field(i)) == key {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// hint suggests what an unknown key in table type t was meant to be: a
// sibling one or two typos away, else the table where that key does belong.
func hint(t reflect.Type, key string) string {
	if len(key) > 64 { // not a typo; and keep the distance cheap
		return ""
	}
	best, bestDist := "", 0
	for i := range t.NumField() {
		k := tomlKey(t.Field(i))
		dist := editDistance(strings.ToLower(key), k)
		if dist <= min(1+len(k)/6, 3) && (best == "" || dist < bestDist) {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	if home := homeOf(reflect.TypeFor[Config](), nil, key); home != "" {
		return fmt.Sprintf(" (%s belongs in %s)", key, home)
	}
	return ""
}

// homeOf returns the header of the first table under t that has key, written
// as in a file: "[ratelimit]" or "[[ratelimit.rules]]".
func homeOf(t reflect.Type, p keyPath, key string) string {
	if _, ok := fieldByKey(t, key); ok && len(p) > 0 {
		if t == ruleType {
			return "[[" + p.String() + "]]"
		}
		return "[" + p.String() + "]"
	}
	for i := range t.NumField() {
		ft := t.Field(i).Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != durationType {
			if home := homeOf(ft, p.key(tomlKey(t.Field(i))), key); home != "" {
				return home
			}
		}
	}
	return ""
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and transpositions of adjacent bytes, the usual
// typos, each cost 1.
func editDistance(a, b string) int {
	// Three rows of the dynamic programming table suffice.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
