package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/limiter"
	"github.com/sidewall/sidewall/server"
	"github.com/sidewall/sidewall/waf"
)

// builder translates a configuration into a server.Policy. It remembers the limiter
// windows it built, so that a reload that leaves a rule's limit unchanged keeps that rule's
// counters: a reload must not hand every client a fresh quota.
type builder struct {
	windows map[string]*limiter.Window // by rule name
}

// build makes a complete policy from cfg, or reports every part that failed.
func (b *builder) build(cfg *config.Config) (*server.Policy, error) {
	p := &server.Policy{
		FailOpen:    cfg.Server.FailurePolicy == "open",
		LogAllowed:  cfg.Log.Allowed,
		BodyLimit:   cfg.WAF.BodyLimit,
		BodyPartial: cfg.WAF.BodyLimitAction == "inspect_partial",
	}
	var errs []error
	if cfg.Blocklist.Enabled {
		var err error
		if p.Block, p.Allow, err = buildBlocklist(cfg.Blocklist); err != nil {
			errs = append(errs, err)
		}
	}
	var windows map[string]*limiter.Window
	if cfg.RateLimit.Enabled {
		var err error
		if p.Limits, windows, err = b.buildLimits(cfg.RateLimit); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.WAF.Enabled {
		engine, err := waf.New(waf.Options{
			ParanoiaLevel:           cfg.WAF.ParanoiaLevel,
			InboundAnomalyThreshold: cfg.WAF.InboundAnomalyThreshold,
			DetectionOnly:           cfg.WAF.Mode == "detect",
			RemoveRuleIDs:           cfg.WAF.RemoveRules,
			RuleFiles:               cfg.WAF.RuleFiles,
			Directives:              bodyLimitDirectives(cfg.WAF) + cfg.WAF.Directives,
		})
		if err != nil {
			errs = append(errs, err)
		}
		p.WAF = engine
	}
	if len(errs) > 0 {
		if p.WAF != nil {
			p.WAF.Close()
		}
		return nil, errors.Join(errs...)
	}
	// Only a policy that will be published decides which windows live on.
	b.windows = windows
	return p, nil
}

// buildBlocklist reads the inline entries and the list files. A bad line in a file is an
// error that names the file and line; the whole load fails, so that a truncated or
// corrupted feed is noticed instead of silently protecting less.
func buildBlocklist(c config.Blocklist) (block, allow *blocklist.Set, err error) {
	var errs []error
	parseAll := func(key string, entries []string) []netip.Prefix {
		out := make([]netip.Prefix, 0, len(entries))
		for i, e := range entries {
			p, err := blocklist.ParsePrefix(e)
			if err != nil {
				errs = append(errs, fmt.Errorf("blocklist.%s[%d]: %w", key, i, err))
				continue
			}
			out = append(out, p)
		}
		return out
	}
	prefixes := parseAll("entries", c.Entries)
	for _, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("blocklist.files: %w", err))
			continue
		}
		ps, lineErrs, err := blocklist.Parse(f, name)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("blocklist.files: %w", err))
		}
		for _, le := range lineErrs {
			errs = append(errs, le)
		}
		prefixes = append(prefixes, ps...)
	}
	allowed := parseAll("allow", c.Allow)
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	opts := blocklist.Options{FalsePositiveRate: c.FalsePositiveRate}
	block = blocklist.New(prefixes, opts)
	if len(allowed) > 0 {
		allow = blocklist.New(allowed, opts)
	}
	return block, allow, nil
}

// buildLimits makes one server.Limit per rule, reusing the window of an unchanged rule.
func (b *builder) buildLimits(c config.RateLimit) ([]*server.Limit, map[string]*limiter.Window, error) {
	var errs []error
	limits := make([]*server.Limit, 0, len(c.Rules))
	windows := make(map[string]*limiter.Window, len(c.Rules))
	for i, r := range c.Rules {
		opts := limiter.Options{
			Limit:   r.Limit,
			Window:  r.Window.Duration,
			Burst:   r.Burst,
			MaxKeys: c.MaxKeys,
			Exact:   r.Algorithm == "exact" || (r.Algorithm == "auto" && r.Limit+r.Burst <= config.AutoExact),
		}
		w := b.windows[r.Name]
		if w == nil || w.Options() != opts {
			var err error
			if w, err = limiter.New(opts); err != nil {
				errs = append(errs, fmt.Errorf("ratelimit.rules[%d] (%s): %w", i, r.Name, err))
				continue
			}
		}
		windows[r.Name] = w
		key, err := buildKey(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("ratelimit.rules[%d] (%s): %w", i, r.Name, err))
			continue
		}
		m := server.Match{Host: r.Host, Path: r.Path, PathPrefix: r.PathPrefix, Methods: r.Methods}
		limits = append(limits, server.NewLimit(r.Name, m, key, w, r.Action == "log", r.Headers))
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return limits, windows, nil
}

// buildKey turns a rule's `by` list into a server.Key.
func buildKey(r config.Rule) (server.Key, error) {
	k := server.Key{IPv4Bits: r.IPv4Prefix, IPv6Bits: r.IPv6Prefix}
	for _, part := range r.By {
		kind, name, _ := strings.Cut(part, ":")
		var p server.KeyPart
		switch kind {
		case "addr":
			p.Kind = server.KeyAddr
		case "host":
			p.Kind = server.KeyHost
		case "path":
			p.Kind = server.KeyPath
		case "method":
			p.Kind = server.KeyMethod
		case "header":
			p = server.KeyPart{Kind: server.KeyHeader, Name: name}
		case "cookie":
			p = server.KeyPart{Kind: server.KeyCookie, Name: name}
		default:
			return k, fmt.Errorf("by: unknown key part %q", part)
		}
		k.Parts = append(k.Parts, p)
	}
	return k, nil
}

// bodyLimitDirectives turns waf.body_limit and waf.body_limit_action into SecLang, placed
// before the operator's own directives so that those can still override them. Coraza
// refuses an in-memory limit above the body limit, so that one follows it down.
func bodyLimitDirectives(c config.WAF) string {
	action := "Reject"
	if c.BodyLimitAction == "inspect_partial" {
		action = "ProcessPartial"
	}
	return fmt.Sprintf("SecRequestBodyLimit %d\nSecRequestBodyInMemoryLimit %d\nSecRequestBodyLimitAction %s\n",
		c.BodyLimit, min(c.BodyLimit, 128<<10), action)
}
