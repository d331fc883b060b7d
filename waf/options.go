package waf

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/corazawaf/coraza/v3"
)

// Options configure an Engine. The zero value is the CRS default: blocking mode,
// paranoia level 1, inbound anomaly threshold 5.
//
// SecLang from the Options is loaded in this order, which matters because the CRS reads
// its setup variables in its first rules and because a SecLang directive can only change
// rules that were loaded before it:
//
//	@coraza.conf-recommended        Coraza's defaults: body access, body processors by Content-Type
//	SecRuleEngine, SecResponseBodyAccess Off, SecAuditEngine Off
//	@crs-setup.conf.example         SecDefaultAction, CRS version
//	SecAction 900000/900001/900110  ParanoiaLevel, InboundAnomalyThreshold
//	SecRequestBodyLimit...          BodyLimit, BodyPartial
//	SecAction 480020-480022         sidewall's CRS setup (baseline.go): methods, content types, headers
//	SecRule 480010..                the body processor planBody chose (body.go)
//	Limits                          SecArgumentsLimit, the depth limit, sidewall's limit rules
//	SecAction 480001/480002         derived arguments (derive.go)
//	BeforeCRS
//	Exclusions                      phase 1 rules with ctl:ruleRemoveTargetById (exclusions.go)
//	SecAction 480003                the CRS's setup defaults, one action for its 22 rules (crsdefaults.go)
//	@owasp_crs/REQUEST-901..944     the CRS's detection rules, less those 22
//	narrowed CRS rules              a few CRS rules replaced by narrower versions (narrow.go)
//	@sidewall/*.conf                sidewall's own rules (ids 4802xx and up), scoring as the CRS does
//	@owasp_crs/REQUEST-949.., RESPONSE-*  the CRS's blocking evaluation and the rest
//	SecRuleRemoveById               RemoveRuleIDs
//	RuleFiles                       in order
//	Directives
type Options struct {
	// ParanoiaLevel is the CRS paranoia level, 1..4 (0 means 1). It sets both the
	// blocking and the detection level: rules above it do not run at all.
	ParanoiaLevel int

	// InboundAnomalyThreshold is the anomaly score at which a request is denied
	// (0 means 5, the CRS default: one critical match).
	InboundAnomalyThreshold int

	// DetectionOnly runs every rule and reports matches and the score, but never
	// interrupts a request (SecRuleEngine DetectionOnly). Verdict.WouldInterrupt says
	// which requests blocking mode would have denied.
	DetectionOnly bool

	// RemoveRuleIDs are removed after the CRS is loaded (SecRuleRemoveById), the
	// simplest cure for a rule that misfires on a site. An id that no rule has is an
	// error; rules of RuleFiles and Directives, which load later, cannot be removed
	// this way (delete them instead).
	RemoveRuleIDs []int

	// BeforeCRS is SecLang loaded after the CRS setup and before the CRS rules. It is the
	// only place for CRS setup variables (for example tx.allowed_methods, id 900200,
	// which the CRS reads in its first rules and which by default does not include PUT,
	// PATCH or DELETE) and for runtime exclusions (ctl:ruleRemoveById in a phase 1 rule),
	// because both must run before the rules they change.
	BeforeCRS string

	// RuleFiles are extra SecLang files loaded after the CRS, in order: custom rules and
	// configure-time exclusions (SecRuleUpdateTargetById). Paths must be absolute and are
	// read from the operating system's filesystem; a path may be a glob
	// ("/etc/sidewall/rules/*.conf"). Files they include, and data files (@pmFromFile),
	// resolve relative to the including file.
	RuleFiles []string

	// Directives is extra SecLang loaded last.
	Directives string

	// Limits bound what the engine reads of a request; a request beyond one is denied.
	Limits Limits

	// BodyLimit is the most bytes of a body the engine inspects, after decoding its
	// Content-Encoding (SecRequestBodyLimit); 0 means 1 MiB. A larger body is refused
	// with 413, or, with BodyPartial, inspected in part (Verdict.Truncated) and passed
	// if that part passes.
	BodyLimit   int
	BodyPartial bool

	// Exclusions stop rules from reading a variable, or from running, on the requests
	// they name (exclusions.go). They load after BeforeCRS, before the CRS.
	Exclusions []Exclusion
}

// CRS defaults that the zero Options stand for.
const (
	defaultParanoiaLevel = 1
	defaultThreshold     = 5
	defaultBodyLimit     = 1 << 20
)

// withDefaults returns o with zero fields replaced by their defaults, or an error listing
// every field that is out of range, so that an operator fixes a configuration in one
// round rather than one field at a time.
func (o Options) withDefaults() (Options, error) {
	var errs []error
	switch {
	case o.ParanoiaLevel == 0:
		o.ParanoiaLevel = defaultParanoiaLevel
	case o.ParanoiaLevel < 1 || o.ParanoiaLevel > 4:
		errs = append(errs, fmt.Errorf("paranoia level %d out of range 1..4", o.ParanoiaLevel))
	}
	switch {
	case o.InboundAnomalyThreshold == 0:
		o.InboundAnomalyThreshold = defaultThreshold
	case o.InboundAnomalyThreshold < 0:
		errs = append(errs, fmt.Errorf("inbound anomaly threshold %d is negative", o.InboundAnomalyThreshold))
	}
	switch {
	case o.BodyLimit == 0:
		o.BodyLimit = defaultBodyLimit
	case o.BodyLimit < 0:
		errs = append(errs, fmt.Errorf("body limit %d is negative", o.BodyLimit))
	}
	for i, x := range o.Exclusions {
		if err := x.check(); err != nil {
			errs = append(errs, fmt.Errorf("exclusion %d: %w", i, err))
		}
	}
	var err error
	if o.Limits, err = o.Limits.withDefaults(); err != nil {
		errs = append(errs, err)
	}
	for _, id := range o.RemoveRuleIDs {
		if id <= 0 {
			errs = append(errs, fmt.Errorf("rule id %d to remove is not positive", id))
		}
	}
	for _, f := range o.RuleFiles {
		// A relative path would resolve against the process's working directory, which
		// is rarely what the person who wrote the configuration meant; config resolves
		// paths against the configuration file's directory instead.
		if !filepath.IsAbs(f) {
			errs = append(errs, fmt.Errorf("rule file %q is not an absolute path", f))
		}
	}
	return o, errors.Join(errs...)
}

// source is one piece of SecLang that New hands to Coraza, with the name an error
// message gives it.
type source struct {
	name string // "" for the built-in configuration, else the Options field (and file)
	add  func(coraza.WAFConfig) coraza.WAFConfig
}

// sources returns the SecLang for o, in the order documented on Options, as separate
// pieces so that New can tell which one Coraza rejected. Rule files are named as fsys
// expects them. o must have been through withDefaults.
func (o Options) sources(fsys rulesFS) []source {
	src := []source{{add: directives(o.head())}}
	if o.BeforeCRS != "" {
		src = append(src, source{name: "BeforeCRS", add: directives(o.BeforeCRS)})
	}
	if len(o.Exclusions) > 0 {
		src = append(src, source{name: "Exclusions", add: directives(exclusionsSecLang(o.Exclusions))})
	}
	// sidewall's rules score into the CRS's inbound anomaly score: they run after the
	// CRS's initialisation (901, which zeroes the scores in phase 1) and its detection
	// rules, and before its blocking evaluation (949) adds the scores up.
	// (The globs name the CRS's files by number: 901-944, then 949 and 999.)
	// New has made sure crsDefaultsSecLang has no error.
	defaults, removeDefaults, _ := crsDefaultsSecLang()
	src = append(src, source{name: "the CRS's defaults in one rule (crsdefaults.go)", add: directives(defaults)})
	src = append(src, source{add: directives("Include @owasp_crs/REQUEST-9[0-3]*.conf\n" +
		"Include @owasp_crs/REQUEST-94[0-4]*.conf")})
	src = append(src, source{name: "the CRS's default rules, replaced by 480003 (crsdefaults.go)", add: directives(removeDefaults)})
	// New has made sure narrowedSecLang has no error.
	narrowed, _ := narrowedSecLang()
	src = append(src, source{name: "sidewall's narrowed CRS rules (narrow.go)", add: directives(narrowed)})
	src = append(src, source{add: directives("Include @sidewall/*.conf")})
	onHeaders, _ := onHeadersSecLang() // checked by New, as narrowedSecLang
	src = append(src, source{name: "CRS rules sidewall also runs on headers (narrow.go)", add: directives(onHeaders)})
	src = append(src, source{add: directives("Include @owasp_crs/REQUEST-94[5-9]*.conf\n" +
		"Include @owasp_crs/REQUEST-9[5-9]*.conf\n" +
		"Include @owasp_crs/RESPONSE-*.conf")})
	if len(o.RemoveRuleIDs) > 0 {
		var b strings.Builder
		b.WriteString("SecRuleRemoveById")
		for _, id := range o.RemoveRuleIDs {
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(id))
		}
		src = append(src, source{name: "RemoveRuleIDs", add: directives(b.String())})
	}
	for _, f := range o.RuleFiles {
		src = append(src, source{
			name: fmt.Sprintf("rule file %q", f),
			add:  func(c coraza.WAFConfig) coraza.WAFConfig { return c.WithDirectivesFromFile(fsys.path(f)) },
		})
	}
	if o.Directives != "" {
		src = append(src, source{name: "Directives", add: directives(o.Directives)})
	}
	return src
}

func directives(s string) func(coraza.WAFConfig) coraza.WAFConfig {
	return func(c coraza.WAFConfig) coraza.WAFConfig { return c.WithDirectives(s) }
}

// head renders the SecLang that comes before BeforeCRS and the CRS rules.
func (o Options) head() string {
	var b strings.Builder
	b.WriteString("Include @coraza.conf-recommended\n")
	if o.DetectionOnly {
		b.WriteString("SecRuleEngine DetectionOnly\n")
	} else {
		b.WriteString("SecRuleEngine On\n")
	}
	// Nothing in an auth_request sidecar ever sees a response.
	b.WriteString("SecResponseBodyAccess Off\n")
	// The package does not log: the Verdict carries what the audit log would say, and
	// with the engine on Coraza assembles an audit record for every denied request even
	// though coraza.conf-recommended gives it nowhere to write it.
	b.WriteString("SecAuditEngine Off\n")
	b.WriteString("Include @crs-setup.conf.example\n")
	// The ids are the ones crs-setup.conf.example documents for these settings, so that
	// an operator who knows the CRS recognises them (and a duplicate in BeforeCRS is
	// reported as such).
	fmt.Fprintf(&b, `SecAction "id:900000,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',setvar:tx.blocking_paranoia_level=%d"`+"\n", o.ParanoiaLevel)
	fmt.Fprintf(&b, `SecAction "id:900001,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',setvar:tx.detection_paranoia_level=%d"`+"\n", o.ParanoiaLevel)
	fmt.Fprintf(&b, `SecAction "id:900110,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',setvar:tx.inbound_anomaly_score_threshold=%d"`+"\n", o.InboundAnomalyThreshold)
	action := "Reject"
	if o.BodyPartial {
		action = "ProcessPartial"
	}
	// Coraza refuses an in-memory limit above the body limit.
	fmt.Fprintf(&b, "SecRequestBodyLimit %d\nSecRequestBodyInMemoryLimit %d\nSecRequestBodyLimitAction %s\n",
		o.BodyLimit, min(o.BodyLimit, 128<<10), action)
	b.WriteString(crsSetup)
	b.WriteString(bodyProcessorSecLang)
	b.WriteString(o.Limits.secLang())
	b.WriteString(deriveSecLang(o.Limits))
	return b.String()
}
