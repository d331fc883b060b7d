// Package tune proposes WAF exclusions for a site's own traffic, from sidewall's decision
// log.
//
// A rule set tuned for every site misfires on some site's traffic: a comment field that
// holds code, an analytics cookie of an odd shape. The way out that keeps protection is
// an exclusion as narrow as the false positive: this rule stops reading this variable on
// this path. An operator runs sidewall in detection-only mode (waf.mode = "detect") for a
// while, so that every request is allowed and every one the rules would deny is logged
// with the rules that matched and the variables they matched in; then
// `sidewall tune` reads that log and writes the exclusions, as [[waf.exclusions]] TOML
// with a comment each saying what it saw, for the operator to review and add. Nothing is
// applied by itself: a proposal may excuse an attack that was in the log, and only the
// operator can tell.
//
// How decisions become proposals: each match of a rule in a variable counts for the pair
// (rule, variable) on the request's path, with the path cut before its first segment that
// looks like an identifier (digits, a UUID, a long hex or token), so that /api/items/7
// and /api/items/8 count together under /api/items/. A pair seen at least MinCount times
// on a path is proposed for that path (or prefix); one seen on GlobalPaths paths or more
// is proposed for every path. Variables sidewall derives (json.q:b64, cookie:NAME...)
// count as the variable they come from, which an exclusion covers with everything
// derived from it. The package does not log: Propose returns values.
package tune

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Decision is one denial (or would-be denial) of the log.
type Decision struct {
	Method  string
	Path    string // without the query string
	Matches []Match
	Limit   string // the inspection limit that denied, if one did (no exclusion helps)
}

// Match is one rule of a Decision.
type Match struct {
	ID      int
	Message string
	Data    string
	Vars    []string
}

// Read parses sidewall's JSON log and returns the WAF's denials and would-be denials
// (actions "waf" and "detect"); other lines are skipped. A line that is not JSON is
// skipped too: a log may hold other programs' lines.
func Read(r io.Reader) ([]Decision, error) {
	var out []Decision
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var l struct {
			Action  string `json:"action"`
			Method  string `json:"method"`
			URI     string `json:"uri"`
			Limit   string `json:"limit"`
			Matches []struct {
				ID   int      `json:"id"`
				Msg  string   `json:"msg"`
				Data string   `json:"data"`
				Vars []string `json:"vars"`
			} `json:"matches"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || (l.Action != "waf" && l.Action != "detect") {
			continue
		}
		path, _, _ := strings.Cut(l.URI, "?")
		if p, err := url.PathUnescape(path); err == nil {
			path = p
		}
		d := Decision{Method: l.Method, Path: path, Limit: l.Limit}
		for _, m := range l.Matches {
			d.Matches = append(d.Matches, Match{ID: m.ID, Message: m.Msg, Data: m.Data, Vars: m.Vars})
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("tune: reading the log: %w", err)
	}
	return out, nil
}

// Options say how readily a false positive becomes a proposal.
type Options struct {
	// MinCount is how many times a rule must have matched a variable on a path; 0 means 2.
	MinCount int
	// GlobalPaths is on how many paths it must have matched to be proposed for all; 0
	// means 3.
	GlobalPaths int
}

// Proposal is one exclusion to propose.
type Proposal struct {
	Rules      []int
	Tags       []string // families excluded whole (generalize.go's reasons)
	Target     string
	Path       string // exact path; or
	PathPrefix string // a prefix; both empty: every path
	Methods    []string
	Count      int      // matches it would have excused
	Messages   []string // of the rules, for the comment
	Example    string   // one matched datum, for the comment
}

// scoring reports whether a rule adds to the anomaly score: the CRS's evaluation and
// reporting rules (949xxx, 959xxx, 98xxxx) and sidewall's limits and bookkeeping
// (4800xx-4801xx) do not, and excluding them would excuse nothing.
func scoring(id int) bool {
	switch {
	case id >= 949000 && id < 950000, id >= 959000 && id < 960000, id >= 980000 && id < 990000:
		return false
	case id >= 480000 && id < 480200:
		return false
	}
	return true
}

// Propose turns decisions into proposals, the most frequent first.
func Propose(ds []Decision, o Options) []Proposal {
	o.MinCount = cmp.Or(o.MinCount, 2)
	o.GlobalPaths = cmp.Or(o.GlobalPaths, 3)
	type pair struct {
		rule   int
		target string
	}
	type where struct {
		pair
		path string // "/a/b" exact, or "/a/" + "*" for a prefix
	}
	type seen struct {
		count   int
		methods map[string]bool
		msg     string
		example string
	}
	byWhere := map[where]*seen{}
	paths := map[pair]map[string]bool{}
	for _, d := range ds {
		if d.Limit != "" {
			continue
		}
		key := pathKey(d.Path)
		for _, m := range d.Matches {
			if !scoring(m.ID) {
				continue
			}
			targets := map[string]bool{}
			for _, v := range m.Vars {
				if t := target(v); t != "" {
					targets[t] = true
				}
			}
			for t := range targets {
				w := where{pair{m.ID, t}, key}
				s := byWhere[w]
				if s == nil {
					s = &seen{methods: map[string]bool{}, msg: m.Message, example: m.Data}
					byWhere[w] = s
				}
				s.count++
				s.methods[d.Method] = true
				if paths[w.pair] == nil {
					paths[w.pair] = map[string]bool{}
				}
				paths[w.pair][key] = true
			}
		}
	}
	// One proposal per (target, where), rules merged.
	type slot struct{ target, path string }
	merged := map[slot]*Proposal{}
	add := func(s slot, rule, count int, msg, example string, methods map[string]bool) {
		p := merged[s]
		if p == nil {
			p = &Proposal{Target: s.target}
			if base, ok := strings.CutSuffix(s.path, "*"); ok {
				p.PathPrefix = base
			} else {
				p.Path = s.path
			}
			merged[s] = p
		}
		if !slices.Contains(p.Rules, rule) {
			p.Rules = append(p.Rules, rule)
			p.Messages = append(p.Messages, fmt.Sprintf("%d %s", rule, msg))
		}
		p.Count += count
		if p.Example == "" {
			p.Example = example
		}
		for m := range methods {
			if m != "" && !slices.Contains(p.Methods, m) {
				p.Methods = append(p.Methods, m)
			}
		}
	}
	// A (target, path) slot qualifies when its matches, all rules together, reach
	// MinCount; then every rule seen there is proposed for it, even one seen once: the
	// variable is known to hold what the rules misread (code in a comment field draws a
	// different code-detecting rule in every other post).
	slotCount := map[slot]int{}
	for w, s := range byWhere {
		if len(paths[w.pair]) < o.GlobalPaths {
			slotCount[slot{w.target, w.path}] += s.count
		}
	}
	for w, s := range byWhere {
		if len(paths[w.pair]) >= o.GlobalPaths {
			add(slot{w.target, ""}, w.rule, s.count, s.msg, s.example, nil)
			continue
		}
		if sl := (slot{w.target, w.path}); slotCount[sl] >= o.MinCount {
			add(sl, w.rule, s.count, s.msg, s.example, s.methods)
		}
	}
	out := make([]Proposal, 0, len(merged))
	for _, p := range merged {
		if p.Path != "" || p.PathPrefix != "" {
			generalize(p)
		}
		slices.Sort(p.Rules)
		slices.Sort(p.Messages)
		slices.Sort(p.Methods)
		if p.Path == "" && p.PathPrefix == "" {
			p.Methods = nil // a global exclusion holds for every method
		}
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Proposal) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Target, b.Target),
			cmp.Compare(a.Path+a.PathPrefix, b.Path+b.PathPrefix))
	})
	return out
}

// family is the CRS tag of a rule's family, by the CRS's numbering of its files; "" for
// a rule outside the attack families.
func family(id int) string {
	switch id / 1000 {
	case 930:
		return "attack-lfi"
	case 931:
		return "attack-rfi"
	case 932:
		return "attack-rce"
	case 933:
		return "attack-injection-php"
	case 934:
		return "attack-injection-generic"
	case 941:
		return "attack-xss"
	case 942:
		return "attack-sqli"
	case 944:
		return "attack-java"
	}
	return ""
}

// codeFamilies are the families whose rules find code: shell, PHP, and the generic ones
// (Node.js, Ruby, Perl). A comment field of a developers' forum holds code of every
// language, and draws a different one of their rules with every post.
var codeFamilies = []string{"attack-rce", "attack-injection-php", "attack-injection-generic"}

// generalize widens a path's proposal where its rules say the variable holds code: when
// they come from three families or more, the code-finding families are excluded whole
// (by tag) from that variable on that path, and the rest stay rule by rule. SQL injection
// and XSS stay rule by rule always: code in a post does not make SQL in it harmless.
func generalize(p *Proposal) {
	fams := map[string]bool{}
	for _, id := range p.Rules {
		if f := family(id); f != "" {
			fams[f] = true
		}
	}
	if len(fams) < 3 {
		return
	}
	p.Tags = slices.Clone(codeFamilies)
	p.Rules = slices.DeleteFunc(p.Rules, func(id int) bool { return slices.Contains(codeFamilies, family(id)) })
}

// derived finds where sidewall's suffix for a value it derived begins in an argument's
// name (json.q:b64, q:join, query:gql...).
var derived = regexp.MustCompile(`:(?:b64|url|js|json|qs|jwt|gql|join)(?:[.:]|$)`)

// target turns a matched variable into what an exclusion names: a derived argument into
// the variable it comes from (ARGS:cookie:NAME... into REQUEST_COOKIES:NAME), and a
// variable an exclusion cannot take into "".
func target(v string) string {
	col, key, _ := strings.Cut(v, ":")
	switch col {
	case "ARGS", "ARGS_GET", "ARGS_POST", "ARGS_NAMES":
	case "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES", "REQUEST_HEADERS", "XML", "FILES":
		return v
	default:
		return "" // REQUEST_FILENAME, REQUEST_URI, TX...: not a variable of the site's own
	}
	if key == "" {
		return ""
	}
	for _, from := range []struct{ prefix, col string }{{"cookie:", "REQUEST_COOKIES"}, {"header:", "REQUEST_HEADERS"}} {
		if rest, ok := strings.CutPrefix(key, from.prefix); ok {
			name, _, _ := strings.Cut(rest, ":")
			return from.col + ":" + name
		}
	}
	if loc := derived.FindStringIndex(key); loc != nil {
		key = key[:loc[0]]
	}
	if col == "ARGS_GET" || col == "ARGS_POST" {
		col = "ARGS"
	}
	return col + ":" + key
}

// idSegment matches a path segment that names one thing rather than a kind: a number, a
// UUID, a hexadecimal string, a token of 8 or more characters with a digit in it. (Not
// "v1" or "2fa", which name kinds.)
var idSegment = regexp.MustCompile(`^(?:\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{8,}|[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*)$`)

// isIDSegment reports whether a path segment names one thing: idSegment, long enough
// when it is a token, or a slug of 24 characters or more (an article's title).
func isIDSegment(s string) bool {
	switch {
	case s == "":
		return false
	case len(s) >= 24:
		return true
	case strings.Trim(s, "0123456789") == "":
		return true
	}
	return len(s) >= 8 && idSegment.MatchString(s)
}

// pathKey is where a decision counts: its path, or the prefix before the first segment
// that names one thing, with "*" after it.
func pathKey(p string) string {
	if p == "" {
		p = "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if i > 0 && isIDSegment(s) {
			return strings.Join(segs[:i], "/") + "/*"
		}
	}
	return p
}

// WriteTOML writes ps as [[waf.exclusions]] blocks, each under a comment saying what it
// saw, for an operator to review and add to the configuration.
func WriteTOML(w io.Writer, ps []Proposal, decisions int) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "# Proposed by sidewall tune from %d denied or would-be denied requests.\n", decisions)
	b.WriteString("# Review each before you add it to your configuration: an exclusion stops the named\n")
	b.WriteString("# rules from reading the target on those requests (everything else of them is still\n")
	b.WriteString("# inspected), and if the log held an attack, its exclusion would excuse it too.\n")
	for _, p := range ps {
		b.WriteString("\n")
		where := "every path"
		switch {
		case p.Path != "":
			where = p.Path
		case p.PathPrefix != "":
			where = p.PathPrefix + "..."
		}
		fmt.Fprintf(b, "# %d match(es) in %s on %s", p.Count, p.Target, where)
		if len(p.Methods) > 0 {
			fmt.Fprintf(b, " (%s)", strings.Join(p.Methods, ", "))
		}
		b.WriteString(":\n")
		for _, m := range p.Messages {
			fmt.Fprintf(b, "#   %s\n", oneLine(m, 100))
		}
		if p.Example != "" {
			fmt.Fprintf(b, "#   e.g. %s\n", oneLine(p.Example, 100))
		}
		b.WriteString("[[waf.exclusions]]\n")
		ids := make([]string, len(p.Rules))
		for i, id := range p.Rules {
			ids[i] = strconv.Itoa(id)
		}
		if len(p.Tags) > 0 {
			tags := make([]string, len(p.Tags))
			for i, t := range p.Tags {
				tags[i] = tomlString(t)
			}
			fmt.Fprintf(b, "# (a variable that drew rules of several families holds code: the families that\n")
			fmt.Fprintf(b, "#  detect code are excluded from it whole, the other rules one by one)\n")
			fmt.Fprintf(b, "tags = [%s]\n", strings.Join(tags, ", "))
		}
		if len(ids) > 0 {
			fmt.Fprintf(b, "rules = [%s]\n", strings.Join(ids, ", "))
		}
		fmt.Fprintf(b, "target = %s\n", tomlString(p.Target))
		switch {
		case p.Path != "":
			fmt.Fprintf(b, "path = %s\n", tomlString(p.Path))
		case p.PathPrefix != "":
			fmt.Fprintf(b, "path_prefix = %s\n", tomlString(p.PathPrefix))
		}
		if len(p.Methods) > 0 {
			ms := make([]string, len(p.Methods))
			for i, m := range p.Methods {
				ms[i] = tomlString(m)
			}
			fmt.Fprintf(b, "methods = [%s]\n", strings.Join(ms, ", "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine shortens s to n bytes on one line, for a comment.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
