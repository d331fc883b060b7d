package config

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// validator checks the values of a decoded Config. It knows the file and
// its lines only to place its errors; Config.Validate runs it without them.
type validator struct {
	file  string
	lines lineIndex
	skip  map[string]bool // paths the decoder rejected
	errs  Errors
}

func (v *validator) errorf(p keyPath, format string, args ...any) {
	// A value the decoder rejected holds a default, not what the file says;
	// judging it would report a second, misleading problem.
	for q := p; len(q) > 0; q = q[:len(q)-1] {
		if v.skip[q.String()] {
			return
		}
	}
	v.errs = append(v.errs, &Error{File: v.file, Line: v.lines.line(p), Key: p.String(), Msg: fmt.Sprintf(format, args...)})
}

// missing reports whether the file leaves p out. Without a file (from
// Config.Validate) nothing is known to be missing.
func (v *validator) missing(p keyPath) bool {
	if v.lines == nil {
		return false
	}
	_, ok := v.lines[p.String()]
	return !ok
}

func (v *validator) config(c *Config) {
	var root keyPath
	v.server(root.key("server"), &c.Server)

	p := root.key("log")
	v.oneOf(p.key("level"), c.Log.Level, "debug", "info", "warn", "error")
	v.oneOf(p.key("format"), c.Log.Format, "json", "text")

	p = root.key("blocklist")
	if r := c.Blocklist.FalsePositiveRate; !(r > 0 && r < 0.5) { // also catches NaN
		v.errorf(p.key("false_positive_rate"), "must be between 0 and 0.5 (exclusive), got %g", r)
	}
	v.addrs(p.key("entries"), c.Blocklist.Entries)
	v.files(p.key("files"), c.Blocklist.Files)
	v.addrs(p.key("allow"), c.Blocklist.Allow)
	v.oneOf(p.key("on_bad_line"), c.Blocklist.OnBadLine, "fail", "skip")
	if d := c.Blocklist.WatchInterval.Duration; d != 0 && d < 100*time.Millisecond {
		v.errorf(p.key("watch_interval"), `must be "0s" (off) or at least "100ms", got %q`, c.Blocklist.WatchInterval.String())
	}

	p = root.key("ratelimit")
	v.oneOf(p.key("backend"), c.RateLimit.Backend, "memory", "redis")
	v.atLeast(p.key("max_keys"), c.RateLimit.MaxKeys, 1)
	v.redis(p.key("redis"), &c.RateLimit.Redis)
	names := make(map[string]keyPath, len(c.RateLimit.Rules))
	for i := range c.RateLimit.Rules {
		v.rule(p.key("rules").index(i), &c.RateLimit.Rules[i], names)
	}

	p = root.key("waf")
	v.oneOf(p.key("mode"), c.WAF.Mode, "block", "detect")
	v.between(p.key("paranoia_level"), c.WAF.ParanoiaLevel, 1, 4)
	v.atLeast(p.key("inbound_anomaly_threshold"), c.WAF.InboundAnomalyThreshold, 1)
	v.between(p.key("body_limit"), c.WAF.BodyLimit, 1024, 1<<30)
	if c.WAF.BodyLimit > c.Server.MaxBodyBytes && c.WAF.BodyLimitAction == "inspect_partial" {
		// A body sidewall does not read in full cannot be inspected in part either.
		v.errorf(p.key("body_limit"), "is %d, above server.max_body_bytes (%d): bodies that large are refused before the WAF sees them", c.WAF.BodyLimit, c.Server.MaxBodyBytes)
	}
	v.oneOf(p.key("body_limit_action"), c.WAF.BodyLimitAction, "reject", "inspect_partial")
	l, lp := &c.WAF.Limits, p.key("limits")
	v.between(lp.key("args"), l.Args, 1, 1_000_000)
	v.between(lp.key("arg_name_bytes"), l.ArgNameBytes, 1, 1<<30)
	v.between(lp.key("arg_value_bytes"), l.ArgValueBytes, 1, 1<<30)
	v.between(lp.key("depth"), l.Depth, 1, 10_000)
	v.between(lp.key("multipart_parts"), l.MultipartParts, 1, 1_000_000)
	v.between(lp.key("cookies"), l.Cookies, 1, 1_000_000)
	v.between(lp.key("headers"), l.Headers, 1, 1_000_000)
	v.between(lp.key("decompression_ratio"), l.DecompressionRatio, 2, 100_000)
	v.between(lp.key("decode_depth"), l.DecodeDepth, 1, 16)
	v.between(lp.key("decoded_bytes"), l.DecodedBytes, 1024, 1<<30)
	for i, id := range c.WAF.RemoveRules {
		if id <= 0 {
			v.errorf(p.key("remove_rules").index(i), "must be a rule id greater than 0, got %d", id)
		}
	}
	v.files(p.key("rule_files"), c.WAF.RuleFiles)
	for i, pre := range c.WAF.SkipPathPrefixes {
		v.path(p.key("skip_path_prefixes").index(i), pre)
		if pre == "" || pre == "/" {
			v.errorf(p.key("skip_path_prefixes").index(i), `must be a path prefix such as "/static/" (not empty or "/", which would skip every request), got %s`, quoteShort(pre))
		}
	}
	for i, ext := range c.WAF.SkipExtensions {
		if len(ext) < 2 || ext[0] != '.' || strings.ContainsAny(ext, "/?") {
			v.errorf(p.key("skip_extensions").index(i), `must be a file extension such as ".css", got %s`, quoteShort(ext))
		}
	}
	for i := range c.WAF.Exclusions {
		v.exclusion(p.key("exclusions").index(i), &c.WAF.Exclusions[i])
	}
	profiles := map[string]bool{}
	for i, pr := range c.WAF.Profiles {
		pp := p.key("profiles").index(i)
		switch {
		case pr.Name == "":
			v.errorf(pp.key("name"), "is required")
		case !isToken(pr.Name) || strings.ToLower(pr.Name) != pr.Name:
			v.errorf(pp.key("name"), "must be a lower-case token such as \"api\", got %s", quoteShort(pr.Name))
		case pr.Name == "default" || profiles[pr.Name]:
			v.errorf(pp.key("name"), "duplicate profile name %s (\"default\" is [waf] itself)", quoteShort(pr.Name))
		}
		profiles[pr.Name] = true
		if pr.Mode != "" {
			v.oneOf(pp.key("mode"), pr.Mode, "block", "detect")
		}
		if pr.ParanoiaLevel != 0 {
			v.between(pp.key("paranoia_level"), pr.ParanoiaLevel, 1, 4)
		}
		if pr.InboundAnomalyThreshold != 0 {
			v.atLeast(pp.key("inbound_anomaly_threshold"), pr.InboundAnomalyThreshold, 1)
		}
		for j, id := range pr.RemoveRules {
			if id <= 0 {
				v.errorf(pp.key("remove_rules").index(j), "must be a rule id greater than 0, got %d", id)
			}
		}
		v.files(pp.key("rule_files"), pr.RuleFiles)
	}

	if c.Bans.RedisKey == "" || strings.ContainsAny(c.Bans.RedisKey, " \t\r\n") {
		v.errorf(root.key("bans").key("redis_key"), `must be a Redis key without white space such as "sidewall:bans", got %s`, quoteShort(c.Bans.RedisKey))
	}
	v.autoBan(root.key("autoban"), &c.AutoBan)
	v.admin(root.key("admin"), &c.Admin)
}

// autoBan checks [autoban], enabled or not, so that turning it on later meets no
// surprise.
func (v *validator) autoBan(p keyPath, a *AutoBan) {
	v.between(p.key("threshold"), a.Threshold, 1, 1_000_000)
	if a.Window.Duration < time.Second || a.Window.Duration > 24*time.Hour {
		v.errorf(p.key("window"), `must be between "1s" and "24h", got %q`, a.Window.String())
	}
	v.positive(p.key("ban_for"), a.BanFor)
	seen := make(map[string]bool, len(a.On))
	for i, kind := range a.On {
		switch {
		case kind != "waf" && kind != "ratelimit":
			v.errorf(p.key("on").index(i), `must be "waf" or "ratelimit", got %s`, quoteShort(kind))
		case seen[kind]:
			v.errorf(p.key("on").index(i), "%s is listed twice", quoteShort(kind))
		}
		seen[kind] = true
	}
	if a.Enabled && len(a.On) == 0 {
		v.errorf(p.key("on"), `must name at least one kind of denial ("waf", "ratelimit") when auto-ban is enabled`)
	}
}

// admin checks [admin]. The API changes what sidewall denies, so it must not be
// reachable from the network: a TCP address must be on loopback, and a token is required.
func (v *validator) admin(p keyPath, a *Admin) {
	if a.Listen != "" {
		v.hostPort(p.key("listen"), a.Listen, "127.0.0.1:9091")
		if host, _, err := net.SplitHostPort(a.Listen); err == nil && !isLoopback(host) {
			v.errorf(p.key("listen"), `must be a loopback address such as "127.0.0.1:9091" or "[::1]:9091" (the admin API must not be reachable from the network), got %s`, quoteShort(a.Listen))
		}
	}
	if a.SocketMode&^0o777 != 0 {
		v.errorf(p.key("socket_mode"), `must be at most "0777", got "%#o"`, uint32(a.SocketMode))
	}
	switch {
	case a.Token != "" && a.TokenFile != "":
		v.errorf(p.key("token_file"), "set token or token_file, not both")
	case a.Enabled() && a.Token == "" && a.TokenFile == "":
		key := "listen"
		if a.Listen == "" {
			key = "socket"
		}
		v.errorf(p.key(key), "the admin API needs admin.token or admin.token_file")
	}
	if a.Token != "" {
		if msg := checkToken(a.Token); msg != "" {
			v.errorf(p.key("token"), "%s", msg)
		}
	}
}

// MinTokenBytes is the shortest admin token accepted.
const MinTokenBytes = 16

// checkToken returns what is wrong with an admin token, or "". It is exported
// through CheckToken for tokens read from admin.token_file.
func checkToken(t string) string {
	if len(t) < MinTokenBytes {
		return fmt.Sprintf("must be at least %d characters long, got %d", MinTokenBytes, len(t))
	}
	for _, c := range []byte(t) {
		if c <= ' ' || c > '~' {
			return "must be printable ASCII without spaces (it travels in an HTTP header)"
		}
	}
	return ""
}

// CheckToken reports what is wrong with an admin token read from
// admin.token_file, or nil.
func CheckToken(t string) error {
	if msg := checkToken(t); msg != "" {
		return fmt.Errorf("config: the admin token %s", msg)
	}
	return nil
}

// isLoopback reports whether host (from host:port) names only the loopback
// interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

func (v *validator) server(p keyPath, s *Server) {
	v.hostPort(p.key("listen"), s.Listen, "127.0.0.1:9090")
	if s.SocketMode&^0o777 != 0 {
		v.errorf(p.key("socket_mode"), `must be at most "0777", got "%#o"`, uint32(s.SocketMode))
	}
	v.oneOf(p.key("failure_policy"), s.FailurePolicy, "closed", "open")
	v.between(p.key("max_header_bytes"), s.MaxHeaderBytes, 4096, 16<<20)
	v.between(p.key("max_body_bytes"), s.MaxBodyBytes, 1024, 1<<30)
	v.addrs(p.key("trusted_peers"), s.TrustedPeers)
	v.positive(p.key("read_timeout"), s.ReadTimeout)
	v.positive(p.key("write_timeout"), s.WriteTimeout)
	v.positive(p.key("idle_timeout"), s.IdleTimeout)
}

// redis checks [ratelimit.redis], whichever backend is chosen, so that switching to it
// later meets no surprise.
func (v *validator) redis(p keyPath, r *Redis) {
	// One shape of Redis: a standalone address, cluster nodes, or Sentinels.
	var shapes []string
	if r.Address != "" {
		shapes = append(shapes, "address")
	}
	if len(r.Cluster) > 0 {
		shapes = append(shapes, "cluster")
	}
	if len(r.Sentinels) > 0 {
		shapes = append(shapes, "sentinels")
	}
	if len(shapes) > 1 {
		v.errorf(p.key(shapes[1]), `set one of address, cluster and sentinels, not %s (to use %[2]s, leave address out or set it to "")`,
			strings.Join(shapes, " and "), shapes[1])
	}
	if r.Address != "" || len(shapes) == 0 {
		v.hostPort(p.key("address"), r.Address, "127.0.0.1:6379")
	}
	for i, a := range r.Cluster {
		v.hostPort(p.key("cluster").index(i), a, "10.0.0.1:6379")
	}
	for i, a := range r.Sentinels {
		v.hostPort(p.key("sentinels").index(i), a, "10.0.0.1:26379")
	}
	switch {
	case len(r.Sentinels) > 0 && r.MasterSet == "":
		v.errorf(p.key("master_set"), `is required with sentinels: the name the Sentinels monitor, such as "mymaster"`)
	case len(r.Sentinels) > 0 && strings.ContainsAny(r.MasterSet, " \t\r\n"):
		v.errorf(p.key("master_set"), "must be a name without white space, got %s", quoteShort(r.MasterSet))
	}
	for _, k := range []struct {
		key string
		set bool
	}{{"master_set", r.MasterSet != ""}, {"sentinel_username", r.SentinelUsername != ""}, {"sentinel_password", r.SentinelPassword != ""}} {
		if k.set && len(r.Sentinels) == 0 {
			v.errorf(p.key(k.key), "is for sentinels, and sentinels is empty")
		}
	}
	v.atLeast(p.key("db"), r.DB, 0)
	if len(r.Cluster) > 0 && r.DB != 0 {
		v.errorf(p.key("db"), "must be 0 with cluster (a Redis Cluster has database 0 only), got %d", r.DB)
	}
	v.redisTLS(p.key("tls"), &r.TLS)
	// nginx gives up on sidewall's answer after 5s (sidewall-auth-proxy.conf); a decision
	// that waits on Redis longer would fail the request rather than fall back.
	if d := r.Timeout.Duration; d < time.Millisecond || d > 5*time.Second {
		v.errorf(p.key("timeout"), `must be between "1ms" and "5s", got %q`, r.Timeout.String())
	}
	v.oneOf(p.key("fallback"), r.Fallback, "local", "allow")
	// A hash tag in the prefix would put every key in one hash slot: on a cluster, one
	// shard would carry every decision. sidewall tags each key with its own hash.
	if strings.ContainsAny(r.Prefix, "{}") {
		v.errorf(p.key("prefix"), "must not contain { or } (sidewall makes each key's hash its hash tag), got %s", quoteShort(r.Prefix))
	}
}

// redisTLS checks [ratelimit.redis.tls]: its files are read when sidewall starts (and by
// -t), not here.
func (v *validator) redisTLS(p keyPath, t *RedisTLS) {
	for _, k := range []struct{ key, val string }{
		{"ca_file", t.CAFile}, {"cert_file", t.CertFile}, {"key_file", t.KeyFile}, {"server_name", t.ServerName},
	} {
		if k.val != "" && !t.Enabled {
			v.errorf(p.key(k.key), "is set, but tls.enabled is false")
		}
	}
	// Reported on the key that is there, whose line the file has.
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		v.errorf(p.key("cert_file"), "needs key_file, the client certificate's private key")
	case t.KeyFile != "" && t.CertFile == "":
		v.errorf(p.key("key_file"), "needs cert_file, the client certificate it is the key of")
	}
	if strings.ContainsAny(t.ServerName, " \t\r\n/:") {
		v.errorf(p.key("server_name"), `must be a host name such as "redis.example.com", got %s`, quoteShort(t.ServerName))
	}
}

// hostPort checks a TCP address; example is a valid one, for the message.
func (v *validator) hostPort(p keyPath, s, example string) {
	if host, port, err := net.SplitHostPort(s); err != nil {
		v.errorf(p, "must be host:port such as %q, got %s", example, quoteShort(s))
	} else if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		v.errorf(p, "port must be a number from 1 to 65535, got %s", quoteShort(port))
	} else if strings.ContainsAny(host, " \t") {
		v.errorf(p, "host must not contain spaces, got %s", quoteShort(host))
	}
}

// rule checks one [[ratelimit.rules]] block. names maps each rule name seen
// so far to the path of its rule, to report duplicates against the first.
func (v *validator) exclusion(p keyPath, x *WAFExclusion) {
	if len(x.Rules) == 0 && len(x.Tags) == 0 {
		v.errorf(p.key("rules"), "is required (or tags): the ids of the rules to exclude, e.g. [942100]")
	}
	for i, tag := range x.Tags {
		if !isToken(tag) {
			v.errorf(p.key("tags").index(i), `must be a rule tag such as "attack-rce", got %s`, quoteShort(tag))
		}
	}
	for i, id := range x.Rules {
		if id <= 0 {
			v.errorf(p.key("rules").index(i), "must be a rule id greater than 0, got %d", id)
		}
	}
	if x.Target != "" {
		col, key, hasKey := strings.Cut(x.Target, ":")
		switch {
		case !slices.Contains(ExclusionTargets, col):
			v.errorf(p.key("target"), "must be COLLECTION or COLLECTION:name with COLLECTION one of %s, got %s",
				strings.Join(ExclusionTargets, ", "), quoteShort(x.Target))
		case hasKey && (key == "" || strings.ContainsAny(key, "\"\n")):
			v.errorf(p.key("target"), "must name a key after the colon, without quotes, got %s", quoteShort(x.Target))
		}
	}
	v.path(p.key("path"), x.Path)
	v.path(p.key("path_prefix"), x.PathPrefix)
	if x.Path != "" && x.PathPrefix != "" {
		v.errorf(p.key("path_prefix"), "cannot be given with path: give one of them")
	}
	for i, m := range x.Methods {
		if !isToken(m) || strings.ToUpper(m) != m {
			v.errorf(p.key("methods").index(i), `must be an upper-case method such as "POST", got %s`, quoteShort(m))
		}
	}
}

func (v *validator) rule(p keyPath, r *Rule, names map[string]keyPath) {
	switch first, dup := names[r.Name]; {
	case r.Name == "":
		v.errorf(p.key("name"), "is required")
	case dup:
		where := first.String()
		if line := v.lines.line(first.key("name")); line > 0 {
			where += fmt.Sprintf(" at line %d", line)
		}
		v.errorf(p.key("name"), "duplicate rule name %s, first used by %s", quoteShort(r.Name), where)
	case !isHeaderSafe(r.Name):
		// The name goes out in the RateLimit-Policy header and in logs.
		v.errorf(p.key("name"), `must be printable ASCII without '"' or '\', got %s`, quoteShort(r.Name))
	default:
		names[r.Name] = p
	}

	v.path(p.key("path"), r.Path)
	v.path(p.key("path_prefix"), r.PathPrefix)
	for i, m := range r.Methods {
		if !isToken(m) || strings.ToUpper(m) != m {
			v.errorf(p.key("methods").index(i), `must be an upper-case method such as "POST", got %s`, quoteShort(m))
		}
	}
	for i, part := range r.By {
		v.byPart(p.key("by").index(i), part)
	}
	v.between(p.key("ipv4_prefix"), r.IPv4Prefix, 1, 32)
	v.between(p.key("ipv6_prefix"), r.IPv6Prefix, 1, 128)
	// Limit and window have no default: "got 0" would puzzle someone who
	// never wrote a 0, so a missing one is reported as missing.
	switch {
	case r.Limit == 0 && v.missing(p.key("limit")):
		v.errorf(p.key("limit"), "is required")
	default:
		v.atLeast(p.key("limit"), r.Limit, 1)
	}
	switch {
	case r.Window.Duration == 0 && v.missing(p.key("window")):
		v.errorf(p.key("window"), "is required")
	case r.Window.Duration < time.Second:
		v.errorf(p.key("window"), `must be at least "1s", got %q`, r.Window.String())
	}
	if r.Burst < 0 {
		v.errorf(p.key("burst"), "must be at least 0, got %d", r.Burst)
	}
	v.oneOf(p.key("action"), r.Action, "deny", "log")
	v.oneOf(p.key("algorithm"), r.Algorithm, "auto", "counter", "exact")
	if r.Algorithm == "exact" && r.Limit+r.Burst > MaxExact {
		v.errorf(p.key("algorithm"), `"exact" may keep limit+burst timestamps for every key and allows at most %d, got %d; use "auto"`, MaxExact, r.Limit+r.Burst)
	}
}

// MaxExact is the largest limit+burst the "exact" algorithm accepts, the limiter's own
// bound: "exact" lets every key hold a log of limit+burst 4-byte timestamps, so an
// attacker who brings max_keys keys near their limit at once could make it hold
// max_keys×4×(limit+burst) bytes. "auto" has no such bound: its pool of logs is capped.
const MaxExact = 64

func (v *validator) byPart(p keyPath, part string) {
	kind, name, named := strings.Cut(part, ":")
	switch {
	case !named && (kind == "addr" || kind == "host" || kind == "path" || kind == "method"):
	case named && (kind == "header" || kind == "cookie"):
		// Cookie names are tokens too (RFC 6265).
		if !isToken(name) {
			v.errorf(p, "%s name must be a non-empty token, got %s", kind, quoteShort(part))
		}
	default:
		v.errorf(p, `must be "addr", "host", "path", "method", "header:NAME" or "cookie:NAME", got %s`, quoteShort(part))
	}
}

func (v *validator) path(p keyPath, s string) {
	switch {
	case s == "":
	case s[0] != '/':
		v.errorf(p, `must start with "/", got %s`, quoteShort(s))
	case strings.ContainsRune(s, '?'):
		// Rules match the path alone; a query here could never match.
		v.errorf(p, "must not contain a query string, got %s", quoteShort(s))
	}
}

// addrs checks a list of addresses and CIDR prefixes.
func (v *validator) addrs(p keyPath, list []string) {
	for i, s := range list {
		if err := checkAddr(s); err != "" {
			v.errorf(p.index(i), "must be an IP address or CIDR prefix, got %s: %s", quoteShort(s), err)
		}
	}
}

// checkAddr returns why s is not an address or prefix, or "". IPv4-mapped
// IPv6 forms ("::ffff:192.0.2.1") parse like any other IPv6 address.
func checkAddr(s string) string {
	var err error
	if strings.Contains(s, "/") {
		_, err = netip.ParsePrefix(s)
	} else {
		var a netip.Addr
		a, err = netip.ParseAddr(s)
		if err == nil && a.Zone() != "" {
			return "an address with a zone names an interface, not a client"
		}
	}
	if err == nil {
		return ""
	}
	// netip's messages repeat the input: `ParseAddr("x"): unable to parse IP`.
	msg := err.Error()
	if _, why, ok := strings.Cut(msg, "): "); ok {
		return why
	}
	return msg
}

func (v *validator) files(p keyPath, paths []string) {
	for i, f := range paths {
		if f == "" {
			v.errorf(p.index(i), "must not be empty")
		}
	}
}

func (v *validator) oneOf(p keyPath, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = strconv.Quote(a)
	}
	list := strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
	v.errorf(p, "must be %s, got %s", list, quoteShort(s))
}

func (v *validator) atLeast(p keyPath, n, lo int) {
	if n < lo {
		v.errorf(p, "must be at least %d, got %d", lo, n)
	}
}

func (v *validator) between(p keyPath, n, lo, hi int) {
	if n < lo || n > hi {
		v.errorf(p, "must be between %d and %d, got %d", lo, hi, n)
	}
}

func (v *validator) positive(p keyPath, d Duration) {
	if d.Duration <= 0 {
		v.errorf(p, "must be greater than 0, got %q", d.String())
	}
}

// isToken reports whether s is an HTTP token (RFC 9110 section 5.6.2), the
// syntax of header names and methods.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !isBareKeyChar(c) && !strings.ContainsRune("!#$%&'*+.^`|~", rune(c)) {
			return false
		}
	}
	return true
}

func isHeaderSafe(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
