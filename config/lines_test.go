package config

import (
	"strings"
	"testing"
)

func TestIndexLines(t *testing.T) {
	for _, tt := range []struct {
		name string
		toml string
		want map[string]int // a subset of the index
	}{
		{"tables", "a = 1\n[server]\n  listen = 'x'\n\n[ log ]\nlevel='info'", map[string]int{
			"a": 1, "server": 2, "server.listen": 3, "log": 5, "log.level": 6,
		}},
		{"arrays of tables", "[[r]]\nn=1\n[[r]]\nn=2\n[r.sub]\nk=1\n[[r.x]]\n[[r.x]]\nk=2\n[[r]]\n[[ r . x ]]\n", map[string]int{
			"r": 1, "r[0]": 1, "r[0].n": 2, "r[1]": 3, "r[1].n": 4, "r[1].sub": 5, "r[1].sub.k": 6,
			"r[1].x[0]": 7, "r[1].x[1]": 8, "r[1].x[1].k": 9, "r[2]": 10, "r[2].x[0]": 11,
		}},
		{"dotted and quoted keys", "\"a b\".'c.d' = 1\nx . y = 2\n\"k\\u00e9\\\"\" = 3\n[\"t\".u]\nv = 4", map[string]int{
			`"a b"`: 1, `"a b"."c.d"`: 1, "x": 2, "x.y": 2, `"ké\""`: 3, "t.u": 4, "t.u.v": 5,
		}},
		{"multi-line strings", "s = \"\"\"\n[[r]]\nk = 1 \\\"\"\"\n\"\"\"\nt = '''\n[x]\n'''''\nu = 1", map[string]int{
			"s": 1, "t": 5, "u": 8,
		}},
		{"arrays", "a = [\n  1, # one ]\n  [2, 3],\n\n  \"]\",\n]\nb = 2", map[string]int{
			"a": 1, "a[0]": 2, "a[1]": 3, "a[1][0]": 3, "a[1][1]": 3, "a[2]": 5, "b": 7,
		}},
		{"inline tables", "r = [ { n = 1, m = { k = 2 } },\n  { n = 3,\n    o = 4 } ]\nz = 5", map[string]int{
			"r[0]": 1, "r[0].n": 1, "r[0].m.k": 1, "r[1]": 2, "r[1].n": 2, "r[1].o": 3, "z": 4,
		}},
		{"dates and CRLF", "d = 1979-05-27 07:32:00Z\r\ne = 1\r\n[t]\r\nf = [1979-05-27, 2]\r\n", map[string]int{
			"d": 1, "e": 2, "t": 3, "t.f[1]": 4,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := indexLines([]byte(tt.toml))
			for k, line := range tt.want {
				if got[k] != line {
					t.Errorf("line of %s = %d, want %d", k, got[k], line)
				}
			}
			if t.Failed() {
				t.Logf("index: %v", got)
			}
		})
	}
}

// TestIndexLinesGarbage feeds the scanner input the TOML library rejects:
// it must end, and not panic.
func TestIndexLinesGarbage(t *testing.T) {
	for _, s := range []string{
		"[", "[[", "a", "a =", "a = [", "a = {", `a = "`, `a = """`, "a = '''", `"`, "'",
		"a = [1 2]", "a = { b c }", "[a\n", "= 1", ". = 1", "a = \"\\", "a = \"\"\"\\",
		strings.Repeat("[", 100), strings.Repeat("{", 100),
	} {
		indexLines([]byte(s))
	}
}

func TestKeyPath(t *testing.T) {
	p := keyPath{}.key("ratelimit").key("rules").index(2).key("by").index(0)
	if got, want := p.String(), "ratelimit.rules[2].by[0]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got, want := (keyPath{}).key("a b").key("").key("c").String(), `"a b"."".c`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	// key and index must not share a backing array between siblings.
	base := keyPath{}.key("a")
	x, y := base.key("x"), base.key("y")
	if x.String() != "a.x" || y.String() != "a.y" {
		t.Errorf("siblings: %s, %s", x, y)
	}
}

func TestLineFallsBackToParent(t *testing.T) {
	li := indexLines([]byte("[[ratelimit.rules]]\nname='a'\n\n[[ratelimit.rules]]\nlimit=1\n"))
	if got := li.line(keyPath{}.key("ratelimit").key("rules").index(1).key("name")); got != 4 {
		t.Errorf("line of a missing key = %d, want its table's header line 4", got)
	}
	if got := li.line(keyPath{}.key("nowhere")); got != 0 {
		t.Errorf("line of an unknown key = %d, want 0", got)
	}
}
