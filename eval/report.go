package main

import (
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"

	"github.com/sidewall/sidewall/waf"

	"github.com/sidewall/sidewall/internal/runreport"
)

// report is one run, as written to results.json.
type report struct {
	Started  time.Time        `json:"started"`
	Elapsed  string           `json:"elapsed"`
	Machine  string           `json:"machine"`
	Benign   int              `json:"benign_requests"`
	Attack   int              `json:"attack_requests"`
	Settings []*settingResult `json:"settings"`
	Rules    map[int]string   `json:"rule_titles"` // msg of every rule in the tables
	Tuning   *tuningResult    `json:"tuning,omitempty"`
}

// settingResult is what one setting made of both corpora.
type settingResult struct {
	Setting setting       `json:"setting"`
	Elapsed string        `json:"elapsed"`
	Benign  benignSummary `json:"benign"`
	Attack  attackSummary `json:"attack"`
	// Problems are results that are not the WAF's verdict: a benign request nginx
	// refused, sidewall denying for another reason (a rate limit), errors, an allowed
	// request that reached the app changed.
	Problems []string `json:"problems,omitempty"`
	// DeniedBenign are the benign requests denied, with the rules' messages and data:
	// the false positives to work on.
	DeniedBenign []outcome `json:"denied_benign"`
	// PassedAttacks are the attack samples that reached the app: the misses.
	PassedAttacks []outcome `json:"passed_attacks"`
}

type benignSummary struct {
	Total  int       `json:"total"`
	Denied int       `json:"denied"`
	Nginx  int       `json:"rejected_by_nginx"`
	Errors int       `json:"errors"`
	ByKind []count   `json:"by_kind"`
	ByRule []ruleRow `json:"by_rule"`
}

type attackSummary struct {
	Total    int     `json:"total"`
	Detected int     `json:"detected"`
	Nginx    int     `json:"rejected_by_nginx"`
	Errors   int     `json:"errors"`
	ByClass  []count `json:"by_class"`
	ByPlace  []count `json:"by_place"`
}

// count is a group's share: benign requests denied of a kind, or attack samples
// detected of a class. Total counts the requests sidewall judged (not those nginx
// refused first).
type count struct {
	Name  string `json:"name"`
	Total int    `json:"total"`
	Hits  int    `json:"hits"`
	Nginx int    `json:"rejected_by_nginx,omitempty"`
}

func (c count) share() float64 { return share(c.Hits, c.Total) }

// ruleRow is one rule's part in the benign requests: in how many denied ones it
// matched, and in how many at all (denied or not).
type ruleRow struct {
	ID      int `json:"id"`
	Denied  int `json:"in_denied"`
	Matched int `json:"in_all"`
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// summarize condenses one setting's outcomes.
func summarize(s setting, outs []outcome) *settingResult {
	res := &settingResult{Setting: s, DeniedBenign: []outcome{}, PassedAttacks: []outcome{}}
	kinds, classes, places := map[string]*count{}, map[string]*count{}, map[string]*count{}
	rules := map[int]*ruleRow{}
	group := func(m map[string]*count, name string) *count {
		if m[name] == nil {
			m[name] = &count{Name: name}
		}
		return m[name]
	}
	for _, o := range outs {
		if o.Detail != "" || (o.Outcome == outDenied && o.Action != "waf") {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: %s (status %d, action %q)", o.ID, cmp.Or(o.Detail, "denied, not by the WAF"), o.Status, o.Action))
		}
		if o.Class == "" {
			b := &res.Benign
			k := group(kinds, o.Kind)
			switch o.Outcome {
			case outNginx:
				b.Nginx++
				k.Nginx++
				res.Problems = append(res.Problems, fmt.Sprintf("%s: benign, but nginx answered %d without asking sidewall", o.ID, o.Status))
				continue
			case outError:
				b.Errors++
				continue
			}
			b.Total++
			k.Total++
			denied := o.Outcome == outDenied
			if denied {
				b.Denied++
				k.Hits++
				res.DeniedBenign = append(res.DeniedBenign, o)
			}
			for _, id := range o.Rules {
				if id == 949110 || id >= 980000 {
					continue // the evaluation that denies, and the reporting rules
				}
				if rules[id] == nil {
					rules[id] = &ruleRow{ID: id}
				}
				rules[id].Matched++
				if denied {
					rules[id].Denied++
				}
			}
			continue
		}
		a := &res.Attack
		c, p := group(classes, o.Class), group(places, o.Place)
		switch o.Outcome {
		case outNginx:
			a.Nginx++
			c.Nginx++
			p.Nginx++
			continue
		case outError:
			a.Errors++
			continue
		}
		a.Total++
		c.Total++
		p.Total++
		if o.Outcome == outDenied {
			a.Detected++
			c.Hits++
			p.Hits++
		} else {
			res.PassedAttacks = append(res.PassedAttacks, o)
		}
	}
	flat := func(m map[string]*count) []count {
		var out []count
		for _, c := range m {
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b count) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	res.Benign.ByKind, res.Attack.ByClass, res.Attack.ByPlace = flat(kinds), flat(classes), flat(places)
	for _, r := range rules {
		res.Benign.ByRule = append(res.Benign.ByRule, *r)
	}
	slices.SortFunc(res.Benign.ByRule, func(a, b ruleRow) int {
		return cmp.Or(b.Denied-a.Denied, b.Matched-a.Matched, a.ID-b.ID)
	})
	return res
}

// ruleTitles reads the msg of every CRS rule from the rule files embedded in the
// coraza-coreruleset module, the same files sidewall loads.
func ruleTitles() map[int]string {
	out := map[int]string{}
	for _, fsys := range []fs.FS{coreruleset.FS, waf.RuleFiles()} {
		readTitles(fsys, out)
	}
	// The rules of coraza.conf-recommended that log, which the walk above does not read.
	for id, msg := range map[int]string{200002: "Failed to parse request body", 200003: "Multipart request body failed strict validation",
		200004: "Argument limit reached (GET/PATH args)", 200005: "Argument limit reached (body args)", 200009: "URI failed to parse"} {
		if out[id] == "" {
			out[id] = msg + " (coraza.conf-recommended)"
		}
	}
	return out
}

// readTitles adds the msg of every rule of the .conf files of fsys to out.
func readTitles(fsys fs.FS, out map[int]string) {
	idRe := regexp.MustCompile(`id:'?(\d+)`)
	msgRe := regexp.MustCompile(`msg:'([^']*)'`)
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".conf") {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil
		}
		for _, rule := range strings.Split(string(b), "\nSecRule ") {
			id, msg := idRe.FindStringSubmatch(rule), msgRe.FindStringSubmatch(rule)
			if id != nil && msg != nil {
				n, _ := strconv.Atoi(id[1])
				if _, ok := out[n]; !ok {
					out[n] = msg[1]
				}
			}
		}
		return nil
	})
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d × %s, %s", runtime.NumCPU(), model, runtime.Version())
}

// write puts report.md, report.svg and results.json into dir.
func (r *report) write(dir string) error {
	var b strings.Builder
	r.markdown(&b)
	return runreport.Write(dir, r, r.chart(), b.String())
}

func pct(n, total int) string { return fmt.Sprintf("%.1f%%", 100*share(n, total)) }

// topRules is how many rules the report's table lists per setting.
const topRules = 25

func (r *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "# sidewall precision and recall\n\n")
	fmt.Fprintf(w, "Run %s on %s; took %s. %d benign and %d attack requests (`eval/testdata`, see its README), replayed byte for byte through nginx and sidewall (`make eval`).\n\n",
		r.Started.Format("2006-01-02 15:04 MST"), r.Machine, r.Elapsed, r.Benign, r.Attack)
	fmt.Fprintln(w, "![benign denied by kind, detection by class](report.svg)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| configuration | benign denied | attacks detected |")
	fmt.Fprintln(w, "|---|---:|---:|")
	for _, s := range r.Settings {
		fmt.Fprintf(w, "| %s | %d of %d (%s) | %d of %d (%s) |\n", s.Setting.Title, s.Benign.Denied, s.Benign.Total, pct(s.Benign.Denied, s.Benign.Total),
			s.Attack.Detected, s.Attack.Total, pct(s.Attack.Detected, s.Attack.Total))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Benign requests denied, by kind")
	fmt.Fprintln(w)
	r.groupTable(w, "kind", func(s *settingResult) []count { return s.Benign.ByKind })
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Attacks detected, by class")
	fmt.Fprintln(w)
	r.groupTable(w, "class", func(s *settingResult) []count { return s.Attack.ByClass })
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## Attacks detected, by where the payload is")
	fmt.Fprintln(w)
	r.groupTable(w, "place", func(s *settingResult) []count { return s.Attack.ByPlace })
	for _, s := range r.Settings {
		fmt.Fprintf(w, "\n## Rules in benign requests: %s\n\n", s.Setting.Title)
		fmt.Fprintf(w, "The %d rules that matched most often in denied benign requests: in how many of the %d denied requests each matched, and in how many of all %d benign requests. A denied request usually counts under several rules (949110, the evaluation that denies, is left out).\n\n",
			min(topRules, len(s.Benign.ByRule)), s.Benign.Denied, s.Benign.Total)
		fmt.Fprintln(w, "| rule | message | in denied | in all |")
		fmt.Fprintln(w, "|---|---|---:|---:|")
		for i, rr := range s.Benign.ByRule {
			if i == topRules {
				break
			}
			fmt.Fprintf(w, "| %d | %s | %d | %d |\n", rr.ID, mdEscape(r.Rules[rr.ID]), rr.Denied, rr.Matched)
		}
	}
	notes := false
	for _, s := range r.Settings {
		if len(s.Problems) == 0 && s.Benign.Nginx == 0 && s.Attack.Nginx == 0 {
			continue
		}
		if !notes {
			fmt.Fprint(w, "\n## Notes\n\n")
			notes = true
		}
		fmt.Fprintf(w, "- %s: %d attack samples and %d benign requests were answered by nginx without asking sidewall (counted in neither share).", s.Setting.ID, s.Attack.Nginx, s.Benign.Nginx)
		if len(s.Problems) > 0 {
			fmt.Fprintf(w, " %d other results are not the WAF's verdict (results.json, problems); the first: %s", len(s.Problems), s.Problems[0])
		}
		fmt.Fprintln(w)
	}
	if r.Tuning != nil {
		r.Tuning.markdown(w)
	}
	fmt.Fprint(w, "\n## How it was measured\n\n")
	fmt.Fprintln(w, "sidewall runs with the project's `config.toml` (listen address rewritten, plus one profile the eval adds: `[waf]` at paranoia level 2), nginx with the project's `nginx/` files and one server block per configuration, each the example site's `location /` (the body path, `sidewall-body.conf`) with `set $sidewall_profile` for the profile. Every request is sent as its bytes, from an address of its own in X-Forwarded-For (which the blocks trust from 127.0.0.1, as the demo site does), and its answer carries sidewall's status, action and rule ids (`add_header` of the `sidewall` log format's variables). Denied: sidewall answered 400, 403, 413, 415 or 429 (the body path's own answers included: a body that does not parse or decode, too large, in a coding sidewall does not read). Shares are of the requests sidewall judged; nginx's own refusals (a malformed target) are counted apart. `results.json` lists every denied benign request with the rules' messages and matched data, and every attack sample that passed.")
}

// groupTable writes one row per group and one share column per setting.
func (r *report) groupTable(w io.Writer, what string, groups func(*settingResult) []count) {
	fmt.Fprintf(w, "| %s | n |", what)
	for _, s := range r.Settings {
		fmt.Fprintf(w, " %s |", s.Setting.ID)
	}
	fmt.Fprint(w, "\n|---|---:|")
	for range r.Settings {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	if len(r.Settings) == 0 {
		return
	}
	for i, g := range groups(r.Settings[0]) {
		fmt.Fprintf(w, "| %s | %d |", g.Name, g.Total+g.Nginx)
		for _, s := range r.Settings {
			c := groups(s)[i]
			fmt.Fprintf(w, " %d (%s) |", c.Hits, pct(c.Hits, c.Total))
		}
		fmt.Fprintln(w)
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
