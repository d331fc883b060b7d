package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/blocklist"
	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/filewatch"
	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/limiter"
	"github.com/sidewall/sidewall/server"
	"github.com/sidewall/sidewall/waf"
)

// builder translates a configuration into a server.Policy. It remembers the limiters it
// built, so that a reload that leaves a rule's limit unchanged keeps that rule's counters
// (a reload must not hand every client a fresh quota), and the Redis client, so that a
// reload that leaves [ratelimit.redis] unchanged keeps its connection.
type builder struct {
	log  *slog.Logger // for the Redis limiters' switches; nil discards
	live limiters     // those of the policy last built for publishing
	// Of the policy last built for publishing: the versions of the list files it read
	// (for the list watcher), and its auto-ban, kept by a reload that leaves [autoban]
	// unchanged so that its counts survive.
	stamps  []filewatch.Stamp
	autoBan *bans.AutoBan
}

// limiters are the rate limiters of one policy, by rule name.
type limiters struct {
	windows map[string]*limiter.Window // backend "memory", and the local fallbacks of "redis"
	shared  map[string]sharedLimiter   // backend "redis"
	redis   *redisClient               // nil when no rule is shared
}

// sharedLimiter is a Redis limiter with what it was built from, to tell whether a reload
// may keep it (and with it its fallback state, so a switch is not logged twice).
type sharedLimiter struct {
	r   *limiter.Redis
	key sharedKey
}

type sharedKey struct {
	client   *redisClient
	opts     limiter.Options
	prefix   string
	timeout  time.Duration
	fallback *limiter.Window
}

// redisClient is a connection with the settings it connects with.
type redisClient struct {
	conn   redisConn
	client *redisconn.Conn
}

// logger returns b.log, or a logger that discards (tests build without one).
func (b *builder) logger() *slog.Logger {
	if b.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return b.log
}

// close releases the Redis client of the running policy, when the process ends.
func (b *builder) close() {
	if b.live.redis != nil {
		b.live.redis.client.Close()
	}
}

// build makes a complete policy from cfg, or reports every part that failed.
func (b *builder) build(cfg *config.Config) (*server.Policy, error) {
	p := &server.Policy{
		TrustedPeers: trustedPeers(cfg.Server.TrustedPeers),
		FailOpen:     cfg.Server.FailurePolicy == "open",
		LogAllowed:   cfg.Log.Allowed,
		SkipWAF: server.StaticAssets{
			PathPrefixes: cfg.WAF.SkipPathPrefixes,
			Extensions:   cfg.WAF.SkipExtensions,
		},
	}
	var errs []error
	var stamps []filewatch.Stamp
	// blocklist.enabled = false turns the lists off, not the allowlist: it exempts its
	// addresses from the bans too, which have no switch of their own.
	lists := cfg.Blocklist
	if !lists.Enabled {
		lists.Entries, lists.Files = nil, nil
	}
	sets, err := buildBlocklist(lists, b.logger())
	if err != nil {
		errs = append(errs, err)
	}
	p.Allow, stamps = sets.allow, sets.stamps
	if lists.Enabled {
		p.Block = sets.block
	}
	if cfg.AutoBan.Enabled {
		var err error
		if p.AutoBan, err = b.buildAutoBan(cfg.AutoBan, cfg.RateLimit.MaxKeys); err != nil {
			errs = append(errs, err)
		}
	}
	var lims limiters
	if cfg.RateLimit.Enabled {
		var err error
		if p.Limits, lims, err = b.buildLimits(cfg.RateLimit); err != nil {
			errs = append(errs, err)
		}
	}
	if cfg.WAF.Enabled {
		engine, err := waf.New(wafOptions(cfg.WAF, config.WAFProfile{}))
		if err != nil {
			errs = append(errs, err)
		}
		p.WAF = engine
		for i, pr := range cfg.WAF.Profiles {
			engine, err := waf.New(wafOptions(cfg.WAF, pr))
			if err != nil {
				errs = append(errs, fmt.Errorf("waf.profiles[%d] (%s): %w", i, pr.Name, err))
				continue
			}
			if p.Profiles == nil {
				p.Profiles = make(map[string]*waf.Engine, len(cfg.WAF.Profiles))
			}
			p.Profiles[pr.Name] = engine
		}
	}
	if len(errs) > 0 {
		p.CloseEngines()
		if lims.redis != nil && lims.redis != b.live.redis {
			lims.redis.client.Close()
		}
		return nil, errors.Join(errs...)
	}
	// Only a policy that will be published decides which limiters live on.
	if old := b.live.redis; old != nil && old != lims.redis {
		// Requests that started with the old policy may still be deciding through the
		// old client; nginx gives up on them after 5s.
		time.AfterFunc(10*time.Second, old.client.Close)
	}
	b.live = lims
	b.stamps, b.autoBan = stamps, p.AutoBan
	return p, nil
}

// listSets are the sets buildBlocklist makes, and the versions of the list files it read
// them from.
type listSets struct {
	block, allow *blocklist.Set
	stamps       []filewatch.Stamp // one per config.Blocklist.Files
}

// maxLoggedBadLines bounds the skipped lines logged one by one per file; a feed that is
// garbage from end to end gets a count after them, not a million log lines.
const maxLoggedBadLines = 20

// buildBlocklist reads the inline entries and the list files. With on_bad_line "fail" (the
// default) a bad line in a file is an error that names the file and line, and the whole
// load fails, so that a truncated or corrupted feed is noticed instead of silently
// protecting less; with "skip" each bad line is logged with its file and line and the rest
// loads. A file that cannot be read fails the load either way.
func buildBlocklist(c config.Blocklist, logger *slog.Logger) (sets listSets, err error) {
	var errs []error
	sets.stamps = make([]filewatch.Stamp, len(c.Files))
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
	for i, name := range c.Files {
		f, err := os.Open(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("blocklist.files: %w", err))
			continue
		}
		// The version of the file being read, not one stat'ed later: a change made
		// while it is read is then seen by the watcher.
		if fi, err := f.Stat(); err == nil {
			sets.stamps[i] = filewatch.StampOf(fi)
		}
		ps, lineErrs, err := blocklist.Parse(f, name)
		f.Close()
		if err != nil {
			errs = append(errs, fmt.Errorf("blocklist.files: %w", err))
		}
		if c.OnBadLine == "skip" {
			logSkipped(logger, name, lineErrs)
		} else {
			for _, le := range lineErrs {
				errs = append(errs, le)
			}
		}
		prefixes = append(prefixes, ps...)
	}
	allowed := parseAll("allow", c.Allow)
	if len(errs) > 0 {
		return listSets{}, errors.Join(errs...)
	}
	opts := blocklist.Options{FalsePositiveRate: c.FalsePositiveRate}
	sets.block = blocklist.New(prefixes, opts)
	if len(allowed) > 0 {
		sets.allow = blocklist.New(allowed, opts)
	}
	return sets, nil
}

// logSkipped logs the bad lines of a list file that on_bad_line "skip" left out.
func logSkipped(logger *slog.Logger, file string, lineErrs []*blocklist.LineError) {
	for i, le := range lineErrs {
		if i == maxLoggedBadLines {
			logger.Warn("blocklist: more bad lines skipped", "file", file, "count", len(lineErrs)-i)
			return
		}
		logger.Warn("blocklist: bad line skipped", "file", file, "line", le.Line, "text", le.Text,
			"error", le.Err.Error(), "at", fmt.Sprintf("%s:%d", le.File, le.Line))
	}
}

// buildAutoBan makes the auto-ban of [autoban], or keeps the running one when its options
// are the same, so that a reload does not forget who is close to a ban.
func (b *builder) buildAutoBan(c config.AutoBan, maxKeys int) (*bans.AutoBan, error) {
	opts := bans.AutoBanOptions{
		Threshold: c.Threshold,
		Window:    c.Window.Duration,
		BanFor:    c.BanFor.Duration,
		WAF:       slices.Contains(c.On, "waf"),
		RateLimit: slices.Contains(c.On, "ratelimit"),
		MaxKeys:   maxKeys,
	}
	if b.autoBan != nil && b.autoBan.Options() == opts {
		return b.autoBan, nil
	}
	a, err := bans.NewAutoBan(opts)
	if err != nil {
		return nil, fmt.Errorf("autoban: %w", err)
	}
	return a, nil
}

// buildLimits makes one server.Limit per rule, reusing the limiters of an unchanged rule.
// With backend "redis" each rule gets a Redis limiter with a local window as its fallback
// ("local") or none ("allow"). It returns the limiters it used, for the next build, also
// on error: a Redis client it made must be closed.
func (b *builder) buildLimits(c config.RateLimit) ([]*server.Limit, limiters, error) {
	var errs []error
	limits := make([]*server.Limit, 0, len(c.Rules))
	lims := limiters{windows: make(map[string]*limiter.Window, len(c.Rules))}
	if c.Backend == "redis" && len(c.Rules) > 0 {
		var err error
		if lims.redis, err = b.redisClient(c.Redis); err != nil {
			return nil, lims, err
		}
		lims.shared = make(map[string]sharedLimiter, len(c.Rules))
	}
	for i, r := range c.Rules {
		opts := limiter.Options{
			Limit:   r.Limit,
			Window:  r.Window.Duration,
			Burst:   r.Burst,
			MaxKeys: c.MaxKeys,
			// "auto" is the limiter's default: the counter, with logs for the
			// keys near their limit.
			Counter: r.Algorithm == "counter",
			Exact:   r.Algorithm == "exact",
		}
		var w *limiter.Window
		if lims.redis == nil || c.Redis.Fallback == "local" {
			w = b.live.windows[r.Name]
			if w == nil || w.Options() != opts {
				var err error
				if w, err = limiter.New(opts); err != nil {
					errs = append(errs, fmt.Errorf("ratelimit.rules[%d] (%s): %w", i, r.Name, err))
					continue
				}
			}
			lims.windows[r.Name] = w
		}
		var shared *limiter.Redis
		if lims.redis != nil {
			sk := sharedKey{client: lims.redis, opts: opts, prefix: c.Redis.Prefix + r.Name + ":",
				timeout: c.Redis.Timeout.Duration, fallback: w}
			sk.opts.MaxKeys = 0
			if old, ok := b.live.shared[r.Name]; ok && old.key == sk {
				shared = old.r
			} else {
				var err error
				shared, err = limiter.NewRedis(lims.redis.client, limiter.RedisOptions{
					Options: sk.opts, Prefix: sk.prefix, Timeout: sk.timeout, Fallback: w,
					OnStateChange: b.logSwitch(r.Name, c.Redis),
				})
				if err != nil {
					errs = append(errs, fmt.Errorf("ratelimit.rules[%d] (%s): %w", i, r.Name, err))
					continue
				}
			}
			lims.shared[r.Name] = sharedLimiter{r: shared, key: sk}
		}
		key, err := buildKey(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("ratelimit.rules[%d] (%s): %w", i, r.Name, err))
			continue
		}
		m := server.Match{Host: r.Host, Path: r.Path, PathPrefix: r.PathPrefix, Methods: r.Methods}
		if shared != nil {
			limits = append(limits, server.NewSharedLimit(r.Name, m, key, shared, r.Action == "log", r.Headers))
		} else {
			limits = append(limits, server.NewLimit(r.Name, m, key, w, r.Action == "log", r.Headers))
		}
	}
	if len(errs) > 0 {
		return nil, lims, errors.Join(errs...)
	}
	return limits, lims, nil
}

// redisClient returns the running policy's connection when c connects the same way, or
// a new one. Redis being down is no error: the connection is made when Redis answers,
// and until then the fallback decides; the log says so. A TLS file that does not load
// is.
func (b *builder) redisClient(c config.Redis) (*redisClient, error) {
	conn := redisConnOf(c)
	if old := b.live.redis; old != nil && old.conn == conn {
		return old, nil
	}
	client, err := conn.dial("ratelimit", b.logger())
	if client == nil {
		return nil, err
	}
	if err != nil {
		b.logger().Warn("ratelimit: redis unreachable; the fallback decides until it answers",
			"redis", conn.String(), "fallback", c.Fallback, "error", err.Error())
	} else {
		b.logger().Info("ratelimit: counts shared through redis", "redis", conn.String(), "db", c.DB)
	}
	return &redisClient{conn: conn, client: client}, nil
}

// logSwitch returns the OnStateChange of rule's Redis limiter: one log line per switch.
func (b *builder) logSwitch(rule string, c config.Redis) func(fallback bool, err error) {
	log := b.logger()
	desc := redisConnOf(c).String()
	return func(fallback bool, err error) {
		if fallback {
			log.Warn("ratelimit: redis unreachable; the fallback decides", "rule", rule,
				"fallback", c.Fallback, "redis", desc, "error", err.Error())
			return
		}
		log.Info("ratelimit: redis answers again; limits are shared", "rule", rule, "redis", desc)
	}
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

// wafOptions are the engine options of [waf], or of one of its profiles: the profile's
// non-zero settings replace [waf]'s, and its rule lists and directives come on top.
func wafOptions(c config.WAF, pr config.WAFProfile) waf.Options {
	o := waf.Options{
		ParanoiaLevel:           c.ParanoiaLevel,
		InboundAnomalyThreshold: c.InboundAnomalyThreshold,
		DetectionOnly:           c.Mode == "detect",
		BeforeCRS:               c.BeforeCRS,
		RemoveRuleIDs:           append(slices.Clone(c.RemoveRules), pr.RemoveRules...),
		RuleFiles:               append(slices.Clone(c.RuleFiles), pr.RuleFiles...),
		Directives:              c.Directives + "\n" + pr.Directives,
		BodyLimit:               c.BodyLimit,
		Exclusions:              exclusions(c.Exclusions),
		BodyPartial:             c.BodyLimitAction == "inspect_partial",
		Limits: waf.Limits{
			Args:           c.Limits.Args,
			ArgNameBytes:   c.Limits.ArgNameBytes,
			ArgValueBytes:  c.Limits.ArgValueBytes,
			Depth:          c.Limits.Depth,
			MultipartParts: c.Limits.MultipartParts,
			Cookies:        c.Limits.Cookies,
			Headers:        c.Limits.Headers,

			DecompressionRatio: c.Limits.DecompressionRatio,
			DecodeDepth:        c.Limits.DecodeDepth,
			DecodedBytes:       c.Limits.DecodedBytes,
		},
	}
	if pr.Mode != "" {
		o.DetectionOnly = pr.Mode == "detect"
	}
	if pr.ParanoiaLevel != 0 {
		o.ParanoiaLevel = pr.ParanoiaLevel
	}
	if pr.InboundAnomalyThreshold != 0 {
		o.InboundAnomalyThreshold = pr.InboundAnomalyThreshold
	}
	return o
}

// exclusions converts [[waf.exclusions]] for the WAF (validated by config).
func exclusions(xs []config.WAFExclusion) []waf.Exclusion {
	out := make([]waf.Exclusion, 0, len(xs))
	for _, x := range xs {
		out = append(out, waf.Exclusion{RuleIDs: x.Rules, Tags: x.Tags, Target: x.Target, Path: x.Path, PathPrefix: x.PathPrefix, Methods: x.Methods})
	}
	return out
}

// trustedPeers converts server.trusted_peers (validated by config) for the server; an
// empty list trusts every peer.
func trustedPeers(list []string) []netip.Prefix {
	if len(list) == 0 {
		return nil
	}
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := blocklist.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
