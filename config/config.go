// Package config is sidewall's TOML schema: the Config type, its built-in
// defaults, and a strict loader that reports every problem in a file at once.
//
// # Strictness
//
// A configuration file tunes protections, so a mistake in it must never pass
// silently: a misspelled key would otherwise leave a protection at its default
// (or off) while the operator believes it is set. [Parse] therefore rejects
//
//   - syntax errors (from the TOML library),
//   - unknown keys and tables, with a "did you mean" hint,
//   - values of the wrong TOML type (a string where an integer belongs, an
//     integer where a duration string belongs),
//   - values out of range ([Config.Validate]).
//
// Every problem becomes an [*Error] naming the file, the line, the key as a
// user would write it and the reason, e.g.
//
//	config.toml:42: ratelimit.rules[0].limit: must be at least 1, got 0
//
// and all of them are returned together as [Errors], one per line, in line
// order, so a file is fixed in one round rather than one error at a time.
//
// # How it works
//
// The TOML library decodes the file into a generic tree (map[string]any) only:
// decoding straight into the structs would stop at the first type mismatch and
// gives no line numbers for unknown keys or for values that fail validation.
// The tree is then walked against the Config structs by reflection (their
// `toml` tags are the schema), checking each key's type and copying values
// over a copy of [Default] — and over a per-rule default for each
// [[ratelimit.rules]] element — so keys missing from a file keep their
// defaults. Lines come from a small scanner over the file (lines.go) that
// understands tables, arrays of tables, dotted and quoted keys, inline tables,
// arrays and multi-line strings, and maps each key path, including array
// elements such as blocklist.entries[3], to the line where it is written.
//
// # Limits
//
// The TOML library stops at the first syntax error, so a file that does not
// parse reports exactly one problem, and the type and range checks run only
// on a file that parses. A syntax error is named by the key on its line when
// there is one; a broken [table] header may leave it with no key. A key
// whose line cannot be found (none is known) is reported without one. Key
// paths in messages use indexes for arrays of tables (ratelimit.rules[1].name),
// which TOML itself has no syntax for.
//
// The package builds no check: package daemon translates a Config into the options of
// the check packages, so the file format can change without touching them.
package config

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"
)

// Config mirrors the configuration file, one field per table.
//
// A Config is a plain value with no internal synchronisation: build it (with
// [Parse], [Load] or [Default]), then treat it as read-only while it is shared.
// Each call to Parse, Load or Default returns a new Config that shares nothing
// with any other.
type Config struct {
	Server    Server    `toml:"server"`
	Log       Log       `toml:"log"`
	Blocklist Blocklist `toml:"blocklist"`
	RateLimit RateLimit `toml:"ratelimit"`
	WAF       WAF       `toml:"waf"`
	Bans      Bans      `toml:"bans"`
	AutoBan   AutoBan   `toml:"autoban"`
	Admin     Admin     `toml:"admin"`
}

// Server is the [server] table: where sidewall listens and how it treats
// connections from nginx.
type Server struct {
	Listen         string      `toml:"listen"`           // TCP host:port
	Socket         string      `toml:"socket"`           // unix socket path; "" for none
	SocketMode     fs.FileMode `toml:"socket_mode"`      // written in the file as an octal string, "0660"
	FailurePolicy  string      `toml:"failure_policy"`   // "closed" or "open"
	MaxHeaderBytes int         `toml:"max_header_bytes"` // largest request head read
	MaxBodyBytes   int         `toml:"max_body_bytes"`   // largest body read on the body path
	ReadTimeout    Duration    `toml:"read_timeout"`
	WriteTimeout   Duration    `toml:"write_timeout"`
	IdleTimeout    Duration    `toml:"idle_timeout"`
	// TrustedPeers are the addresses and CIDR prefixes of the TCP peers (nginx)
	// whose X-Sidewall-* headers are believed; as written, each checked to parse.
	TrustedPeers []string `toml:"trusted_peers"`
}

// Log is the [log] table.
type Log struct {
	Level   string `toml:"level"`   // "debug", "info", "warn" or "error"
	Format  string `toml:"format"`  // "json" or "text"
	Allowed bool   `toml:"allowed"` // also log allowed requests
}

// Blocklist is the [blocklist] table.
type Blocklist struct {
	Enabled           bool    `toml:"enabled"`
	FalsePositiveRate float64 `toml:"false_positive_rate"` // of the bloom filter, in (0, 0.5)

	// Entries and Allow hold addresses and CIDR prefixes exactly as written;
	// each has been checked to parse with net/netip.
	Entries []string `toml:"entries"`
	// Files are paths of blocklist files, already resolved against the
	// directory of the configuration file.
	Files []string `toml:"files"`
	Allow []string `toml:"allow"`
	// OnBadLine is what a bad line in a list file does: "fail" (the load
	// fails; on a reload the running set stays) or "skip" (the line is
	// logged with its file and number, and the rest of the file loads).
	OnBadLine string `toml:"on_bad_line"`
	// WatchInterval is how often the list files are checked for changes;
	// 0 turns watching off (SIGHUP still reloads them).
	WatchInterval Duration `toml:"watch_interval"`
}

// Bans is the [bans] table: the dynamic bans set through the admin API or by
// auto-ban.
type Bans struct {
	// File keeps the bans across restarts, resolved like Blocklist.Files;
	// "" keeps them in memory only.
	File string `toml:"file"`
	// RedisKey names the Redis hash (and the channel) through which replicas
	// share their bans when ratelimit.backend is "redis".
	RedisKey string `toml:"redis_key"`
}

// AutoBan is the [autoban] table: banning a client that earns Threshold
// denials of the kinds in On within Window, for BanFor.
type AutoBan struct {
	Enabled   bool     `toml:"enabled"`
	Threshold int      `toml:"threshold"`
	Window    Duration `toml:"window"`
	BanFor    Duration `toml:"ban_for"`
	On        []string `toml:"on"` // "waf", "ratelimit"
}

// Admin is the [admin] table: the admin API, off unless Listen or Socket is
// set.
type Admin struct {
	Listen     string      `toml:"listen"` // loopback host:port; "" for none
	Socket     string      `toml:"socket"` // unix socket path; "" for none
	SocketMode fs.FileMode `toml:"socket_mode"`
	// Token is the bearer token every request must carry; TokenFile names a
	// file holding it instead (resolved like Blocklist.Files), so that the
	// secret need not live in the configuration. Exactly one is required
	// when the API is on.
	Token     string `toml:"token"`
	TokenFile string `toml:"token_file"`
}

// Enabled reports whether the admin API listens anywhere.
func (a *Admin) Enabled() bool { return a.Listen != "" || a.Socket != "" }

// RateLimit is the [ratelimit] table.
type RateLimit struct {
	Enabled bool   `toml:"enabled"`
	Backend string `toml:"backend"`  // "memory" (each process counts alone) or "redis" (shared)
	MaxKeys int    `toml:"max_keys"` // client keys tracked per rule (with "redis": by the fallback)
	Redis   Redis  `toml:"redis"`    // the [ratelimit.redis] table, used with backend "redis"
	Rules   []Rule `toml:"rules"`    // the [[ratelimit.rules]] blocks, in file order
}

// Redis is the [ratelimit.redis] table: the Redis that replicas share their rate-limit
// counts (and bans) through, and what happens when it cannot be reached. Exactly one of
// Address, Cluster and Sentinels is set: Address keeps its default only while the file
// names neither of the others.
type Redis struct {
	Address   string   `toml:"address"`    // host:port of a standalone Redis
	Cluster   []string `toml:"cluster"`    // host:port of Redis Cluster nodes, to learn the rest from
	Sentinels []string `toml:"sentinels"`  // host:port of Sentinels watching MasterSet
	MasterSet string   `toml:"master_set"` // the master Sentinel watches, by name

	Username         string   `toml:"username"`
	Password         string   `toml:"password"`
	SentinelUsername string   `toml:"sentinel_username"`
	SentinelPassword string   `toml:"sentinel_password"`
	DB               int      `toml:"db"`
	TLS              RedisTLS `toml:"tls"`

	Timeout  Duration `toml:"timeout"`  // for one decision's round trip
	Fallback string   `toml:"fallback"` // "local" (each process limits alone) or "allow"
	Prefix   string   `toml:"prefix"`   // of every key; the rule's name follows it
}

// RedisTLS is the [ratelimit.redis.tls] table: TLS to the Redis nodes and the Sentinels.
// The files are resolved like Blocklist.Files; package daemon reads them.
type RedisTLS struct {
	Enabled    bool   `toml:"enabled"`
	CAFile     string `toml:"ca_file"`     // PEM CA certificates to verify the servers; "" for the system's
	CertFile   string `toml:"cert_file"`   // PEM client certificate, with KeyFile; "" for none
	KeyFile    string `toml:"key_file"`    // its private key
	ServerName string `toml:"server_name"` // the name the servers' certificates must hold; "" for the host dialled
}

// Rule is one [[ratelimit.rules]] block. A rule in a file starts from
// ruleDefaults: By ["addr"], IPv4Prefix 32, IPv6Prefix 64, Action "deny",
// Algorithm "auto".
type Rule struct {
	Name string `toml:"name"` // required, unique

	// What the rule matches; an empty condition matches anything.
	Host       string   `toml:"host"`
	Path       string   `toml:"path"`
	PathPrefix string   `toml:"path_prefix"`
	Methods    []string `toml:"methods"`

	// What the rule counts by: "addr", "host", "path", "method",
	// "header:NAME" or "cookie:NAME".
	By         []string `toml:"by"`
	IPv4Prefix int      `toml:"ipv4_prefix"` // address bits of an IPv4 "addr" key
	IPv6Prefix int      `toml:"ipv6_prefix"` // address bits of an IPv6 "addr" key

	Limit  int      `toml:"limit"`  // requests allowed per Window
	Window Duration `toml:"window"` // sliding window, at least one second
	Burst  int      `toml:"burst"`  // extra requests tolerated above Limit
	Action string   `toml:"action"` // "deny" or "log"
	// Algorithm is "auto" (the sliding-window counter, with an exact log for each key
	// near its limit while a pool of logs lasts), "counter" (the counter alone: 12 bytes
	// per key) or "exact" (a log for every key that needs one; limit+burst at most
	// MaxExact).
	Algorithm string `toml:"algorithm"`
	Headers   bool   `toml:"headers"`
}

// WAF is the [waf] table.
type WAF struct {
	Enabled                 bool     `toml:"enabled"`
	Mode                    string   `toml:"mode"`           // "block" or "detect"
	ParanoiaLevel           int      `toml:"paranoia_level"` // CRS paranoia level, 1 to 4
	InboundAnomalyThreshold int      `toml:"inbound_anomaly_threshold"`
	RemoveRules             []int    `toml:"remove_rules"` // CRS rule ids
	RuleFiles               []string `toml:"rule_files"`   // resolved like Blocklist.Files
	Directives              string   `toml:"directives"`
	// BeforeCRS is SecLang read after the CRS setup and before the CRS rules: CRS
	// setup variables (tx.allowed_methods) and runtime exclusions go here.
	BeforeCRS string `toml:"before_crs"`
	// SkipPathPrefixes and SkipExtensions name static assets the WAF does not inspect:
	// a GET or HEAD without a query string whose path starts with one of the prefixes or
	// ends with one of the extensions. The blocklist and rate limits still apply.
	SkipPathPrefixes []string `toml:"skip_path_prefixes"`
	SkipExtensions   []string `toml:"skip_extensions"`
	// BodyLimit is the body size the WAF inspects (SecRequestBodyLimit), and
	// BodyLimitAction what happens to a larger body: "reject" (413) or
	// "inspect_partial" (inspect the first BodyLimit bytes and go on).
	BodyLimit       int    `toml:"body_limit"`
	BodyLimitAction string `toml:"body_limit_action"`
	// Limits are the [waf.limits] table: how much of a request the WAF reads.
	Limits WAFLimits `toml:"limits"`
	// Profiles are other WAF settings for some sites or locations, chosen by the
	// profile name nginx sends (set $sidewall_profile NAME;).
	Profiles []WAFProfile `toml:"profiles"`
	// Exclusions are the [[waf.exclusions]] blocks: rules that stop reading a variable,
	// or stop running, on some requests (what `sidewall tune` proposes).
	Exclusions []WAFExclusion `toml:"exclusions"`
}

// WAFLimits is the [waf.limits] table: the most of each thing the WAF reads of a request.
// A request beyond any of them is denied, never passed partly unread.
type WAFLimits struct {
	Args           int `toml:"args"`            // per source: query string, body
	ArgNameBytes   int `toml:"arg_name_bytes"`  // longest argument name
	ArgValueBytes  int `toml:"arg_value_bytes"` // longest argument value
	Depth          int `toml:"depth"`           // nesting of a JSON or XML body
	MultipartParts int `toml:"multipart_parts"`
	Cookies        int `toml:"cookies"`
	Headers        int `toml:"headers"` // request header fields
	// DecompressionRatio bounds how much a compressed body may grow when decoded.
	DecompressionRatio int `toml:"decompression_ratio"`
	// DecodeDepth and DecodedBytes bound the decoding of values (base64, URL encoding,
	// JSON in strings, JavaScript escapes, JWTs).
	DecodeDepth  int `toml:"decode_depth"`
	DecodedBytes int `toml:"decoded_bytes"`
}

// WAFExclusion is one [[waf.exclusions]] block.
type WAFExclusion struct {
	Rules      []int    `toml:"rules"`  // rule ids, or
	Tags       []string `toml:"tags"`   // rule tags ("attack-rce"); at least one of either
	Target     string   `toml:"target"` // "ARGS:json.content", "REQUEST_COOKIES:name"...; "" for the whole rule
	Path       string   `toml:"path"`
	PathPrefix string   `toml:"path_prefix"`
	Methods    []string `toml:"methods"`
}

// ExclusionTargets are the collections a [[waf.exclusions]] target may name.
var ExclusionTargets = []string{"ARGS", "ARGS_NAMES", "ARGS_GET", "ARGS_POST", "REQUEST_COOKIES",
	"REQUEST_COOKIES_NAMES", "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "XML", "FILES", "REQUEST_FILENAME", "REQUEST_BODY"}

// WAFProfile is one [[waf.profiles]] block: a named variant of [waf]. A zero or empty
// field takes [waf]'s value; remove_rules, rule_files and directives add to [waf]'s.
type WAFProfile struct {
	Name                    string   `toml:"name"`
	Mode                    string   `toml:"mode"`
	ParanoiaLevel           int      `toml:"paranoia_level"`
	InboundAnomalyThreshold int      `toml:"inbound_anomaly_threshold"`
	RemoveRules             []int    `toml:"remove_rules"`
	RuleFiles               []string `toml:"rule_files"` // resolved like Blocklist.Files
	Directives              string   `toml:"directives"`
}

// Duration is a time.Duration written in the file as a string such as "5s".
// It embeds time.Duration, so d.Duration (and d.Seconds() and so on) reads it.
type Duration struct {
	time.Duration
}

// UnmarshalText parses a duration string with [time.ParseDuration].
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(string(text))
	if err != nil {
		return fmt.Errorf(`invalid duration %q (use a number and a unit: "500ms", "5s", "1m", "1h")`, text)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration the way UnmarshalText reads it, so a Config
// round-trips through a TOML encoder.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// Default returns the built-in defaults: the value each key takes when a file
// leaves it out. It has no blocklist entries and no rate-limit rules.
func Default() *Config {
	return &Config{
		Server: Server{
			Listen:         "127.0.0.1:9090",
			SocketMode:     0o660,
			FailurePolicy:  "closed",
			MaxHeaderBytes: 64 << 10,
			MaxBodyBytes:   16 << 20,
			ReadTimeout:    Duration{5 * time.Second},
			WriteTimeout:   Duration{5 * time.Second},
			// Above nginx's upstream keepalive_timeout (60s by default), so
			// that nginx, not sidewall, closes an idle connection (a
			// connection closed under nginx's next subrequest fails it).
			IdleTimeout:  Duration{75 * time.Second},
			TrustedPeers: []string{"127.0.0.0/8", "::1"},
		},
		Log: Log{
			Level:  "info",
			Format: "json",
		},
		Blocklist: Blocklist{
			Enabled:           true,
			FalsePositiveRate: 0.001,
			OnBadLine:         "fail",
			WatchInterval:     Duration{500 * time.Millisecond},
		},
		RateLimit: RateLimit{
			Enabled: true,
			Backend: "memory",
			MaxKeys: 1_000_000,
			Redis: Redis{
				Address:  "127.0.0.1:6379",
				Timeout:  Duration{50 * time.Millisecond},
				Fallback: "local",
				Prefix:   "sidewall:rl:",
			},
		},
		WAF: WAF{
			Enabled:                 true,
			Mode:                    "block",
			ParanoiaLevel:           1,
			InboundAnomalyThreshold: 5,
			BodyLimit:               1 << 20,
			BodyLimitAction:         "reject",
			Limits: WAFLimits{
				Args:           1000,
				ArgNameBytes:   4096,
				ArgValueBytes:  1 << 20,
				Depth:          128,
				MultipartParts: 1000,
				Cookies:        200,
				Headers:        100,

				DecompressionRatio: 1000,
				DecodeDepth:        5,
				DecodedBytes:       2 << 20,
			},
		},
		Bans: Bans{
			RedisKey: "sidewall:bans",
		},
		AutoBan: AutoBan{
			Threshold: 10,
			Window:    Duration{time.Minute},
			BanFor:    Duration{10 * time.Minute},
			On:        []string{"waf", "ratelimit"},
		},
		Admin: Admin{
			SocketMode: 0o600,
		},
	}
}

// ruleDefaults returns the values a [[ratelimit.rules]] block starts from.
// Limit and Window have no default: a rule must say both.
func ruleDefaults() Rule {
	return Rule{
		By:         []string{"addr"},
		IPv4Prefix: 32,
		IPv6Prefix: 64,
		Action:     "deny",
		Algorithm:  "auto",
	}
}

// Load reads and parses the file at path; see [Parse].
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates the contents of a configuration file. name is
// used in error messages and is the base for relative paths in
// blocklist.files, waf.rule_files, bans.file and admin.token_file: these are
// resolved against filepath.Dir(name) and cleaned.
//
// Keys missing from data keep [Default]'s values. On any problem Parse returns
// a nil Config and an [Errors] holding every problem found.
func Parse(name string, data []byte) (*Config, error) {
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		return nil, Errors{syntaxError(name, data, err)}
	}

	d := decoder{file: name, lines: indexLines(data), failed: make(map[string]bool)}
	cfg := Default()
	d.table(nil, tree, reflectValue(cfg))
	// The default address is for a file that names no other shape of Redis.
	if r := &cfg.RateLimit.Redis; len(r.Cluster) > 0 || len(r.Sentinels) > 0 {
		if _, given := d.lines["ratelimit.redis.address"]; !given {
			r.Address = ""
		}
	}
	v := validator{file: name, lines: d.lines, skip: d.failed}
	v.config(cfg)

	errs := append(d.errs, v.errs...)
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	resolvePaths(filepath.Dir(name), cfg.Blocklist.Files)
	resolvePaths(filepath.Dir(name), cfg.WAF.RuleFiles)
	for i := range cfg.WAF.Profiles {
		resolvePaths(filepath.Dir(name), cfg.WAF.Profiles[i].RuleFiles)
	}
	tls := &cfg.RateLimit.Redis.TLS
	for _, f := range []*string{&cfg.Bans.File, &cfg.Admin.TokenFile, &tls.CAFile, &tls.CertFile, &tls.KeyFile} {
		if *f != "" {
			one := []string{*f}
			resolvePaths(filepath.Dir(name), one)
			*f = one[0]
		}
	}
	return cfg, nil
}

// Validate checks every value of c against the schema's rules and returns all
// problems as [Errors], or nil. [Parse] has already done this for a Config it
// returns; Validate is for a Config built or changed in code. Its errors carry
// no file or line.
func (c *Config) Validate() error {
	v := validator{}
	v.config(c)
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}

// resolvePaths makes each relative path relative to dir, in place. Validation
// has already rejected empty paths, which would otherwise name dir itself.
func resolvePaths(dir string, paths []string) {
	for i, p := range paths {
		if filepath.IsAbs(p) {
			paths[i] = filepath.Clean(p)
		} else {
			paths[i] = filepath.Join(dir, p)
		}
	}
}
