package waf

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Exclusion stops rules from reading one variable, or from running at all, on some
// requests: the operator's answer to a false positive of their own traffic (sidewall tune
// proposes them from the decision log). It is the narrowest exclusion the CRS documents,
// ctl:ruleRemoveTargetById in a phase 1 rule conditioned on the path, made from data
// rather than written as SecLang by hand.
type Exclusion struct {
	// RuleIDs are the rules excluded, and Tags the rules with any of these tags
	// ("attack-rce": the CRS tags each rule with its family); at least one of either.
	RuleIDs []int
	Tags    []string
	// Target is the variable the rules stop reading, as SecLang names it:
	// "ARGS:json.content", "REQUEST_COOKIES:mp_0a1b_mixpanel", "ARGS_NAMES:json.$set",
	// "REQUEST_HEADERS:x-trace". Values sidewall derives from it are excluded with it
	// ("ARGS:json.content:b64"...). Empty removes the rules for the matching requests.
	Target string
	// Path and PathPrefix choose the requests by their path (both empty: all requests);
	// Methods by their method (empty: all).
	Path, PathPrefix string
	Methods          []string
}

// targetCollections are the collections an Exclusion may name.
var targetCollections = []string{"ARGS", "ARGS_NAMES", "ARGS_GET", "ARGS_POST", "REQUEST_COOKIES",
	"REQUEST_COOKIES_NAMES", "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "XML", "FILES", "REQUEST_FILENAME", "REQUEST_BODY"}

// check reports what is wrong with x.
func (x Exclusion) check() error {
	var errs []error
	if len(x.RuleIDs) == 0 && len(x.Tags) == 0 {
		errs = append(errs, errors.New("names no rule"))
	}
	for _, tag := range x.Tags {
		if tag == "" || strings.ContainsAny(tag, ",;\" \t'") {
			errs = append(errs, fmt.Errorf("tag %q is not a tag", tag))
		}
	}
	for _, id := range x.RuleIDs {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("rule id %d is not positive", id))
		}
	}
	if x.Target != "" {
		col, _, _ := strings.Cut(x.Target, ":")
		if !slices.Contains(targetCollections, col) {
			errs = append(errs, fmt.Errorf("target %q: %q is not one of %s", x.Target, col, strings.Join(targetCollections, ", ")))
		}
	}
	for _, p := range []string{x.Path, x.PathPrefix} {
		if p != "" && (p[0] != '/' || strings.ContainsAny(p, "\" \t\n")) {
			errs = append(errs, fmt.Errorf("path %q must start with / and hold no quote or space", p))
		}
	}
	for _, m := range x.Methods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, "\" \t,") {
			errs = append(errs, fmt.Errorf("method %q is not an upper-case token", m))
		}
	}
	return errors.Join(errs...)
}

// idExclusions is the first id of the exclusions' rules; exclusion i is idExclusions+i.
const idExclusions = 489000

// exclusionsSecLang renders the exclusions as phase 1 rules, loaded before the CRS so that
// they act before the rules they change.
func exclusionsSecLang(xs []Exclusion) string {
	var b strings.Builder
	for i, x := range xs {
		var ctls []string
		for _, id := range x.RuleIDs {
			if x.Target == "" {
				ctls = append(ctls, fmt.Sprintf("ctl:ruleRemoveById=%d", id))
			} else {
				for _, t := range targetPatterns(x.Target) {
					ctls = append(ctls, fmt.Sprintf("ctl:ruleRemoveTargetById=%d;%s", id, t))
				}
			}
		}
		for _, tag := range x.Tags {
			if x.Target == "" {
				ctls = append(ctls, "ctl:ruleRemoveByTag="+tag)
			} else {
				for _, t := range targetPatterns(x.Target) {
					ctls = append(ctls, fmt.Sprintf("ctl:ruleRemoveTargetByTag=%s;%s", tag, t))
				}
			}
		}
		var conds [][2]string // variable, operator
		switch {
		case x.Path != "":
			conds = append(conds, [2]string{"REQUEST_FILENAME", "@streq " + x.Path})
		case x.PathPrefix != "":
			conds = append(conds, [2]string{"REQUEST_FILENAME", "@beginsWith " + x.PathPrefix})
		}
		if len(x.Methods) > 0 {
			conds = append(conds, [2]string{"REQUEST_METHOD", "@within " + strings.Join(x.Methods, " ")})
		}
		id := idExclusions + i
		actions := fmt.Sprintf("id:%d,phase:1,pass,nolog,t:none,%s", id, strings.Join(ctls, ","))
		if len(conds) == 0 {
			fmt.Fprintf(&b, "SecAction \"%s\"\n", actions)
			continue
		}
		for j, c := range conds {
			switch {
			case j == 0 && len(conds) == 1:
				fmt.Fprintf(&b, "SecRule %s \"%s\" \"%s\"\n", c[0], c[1], actions)
			case j == 0:
				fmt.Fprintf(&b, "SecRule %s \"%s\" \"id:%d,phase:1,pass,nolog,t:none,chain\"\n", c[0], c[1], id)
			default:
				fmt.Fprintf(&b, "    SecRule %s \"%s\" \"t:none,%s\"\n", c[0], c[1], strings.Join(ctls, ","))
			}
		}
	}
	return b.String()
}

// targetPatterns renders an exclusion's target for ctl: the key as a case-insensitive
// pattern that also takes the values sidewall derives from it (key:b64, key:json.x...),
// and for a cookie or a header, the arguments sidewall decodes from it
// (ARGS:cookie:NAME..., ARGS:header:NAME...).
func targetPatterns(target string) []string {
	col, key, ok := strings.Cut(target, ":")
	if !ok || key == "" {
		return []string{col}
	}
	out := []string{col + ":" + keyPattern("", key)}
	switch col {
	case "REQUEST_COOKIES":
		out = append(out, "ARGS:"+keyPattern("cookie:", key))
	case "REQUEST_HEADERS":
		out = append(out, "ARGS:"+keyPattern("header:", strings.ToLower(key)))
	}
	return out
}

// keyPattern is the pattern of a key and the keys derived from it, after prefix.
func keyPattern(prefix, key string) string {
	// ctl's value may hold no comma (an action separator): regexp.QuoteMeta leaves
	// commas as they are, so they are written as \x2c.
	q := strings.ReplaceAll(regexp.QuoteMeta(prefix+key), ",", `\x2c`)
	return "/(?i)^" + q + "(?::.*)?$/"
}
