package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// configFile is the repository's config.toml: the embedded default, the
// demo's configuration and the documentation of every key, in one.
const configFile = "../config.toml"

func TestConfigFile(t *testing.T) {
	cfg, err := Load(configFile)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", configFile, err)
	}
	got := []struct {
		key       string
		got, want any
	}{
		{"server.listen", cfg.Server.Listen, "127.0.0.1:9090"},
		{"server.socket_mode", cfg.Server.SocketMode, fs.FileMode(0o660)},
		{"server.idle_timeout", cfg.Server.IdleTimeout.Duration, 75 * time.Second},
		{"log.format", cfg.Log.Format, "json"},
		{"blocklist.false_positive_rate", cfg.Blocklist.FalsePositiveRate, 0.001},
		{"blocklist.entries", cfg.Blocklist.Entries, []string{"203.0.113.0/24", "2001:db8:bad::/48"}},
		{"ratelimit.max_keys", cfg.RateLimit.MaxKeys, 1_000_000},
		// The demo needs no Redis.
		{"ratelimit.backend", cfg.RateLimit.Backend, "memory"},
		{"ratelimit.redis", cfg.RateLimit.Redis, Redis{
			Address:   "127.0.0.1:6379",
			Cluster:   []string{},
			Sentinels: []string{},
			Timeout:   Duration{50 * time.Millisecond},
			Fallback:  "local",
			Prefix:    "sidewall:rl:",
		}},
		{"ratelimit.rules", cfg.RateLimit.Rules, []Rule{{
			Name:       "login",
			Path:       "/login",
			Methods:    []string{},
			By:         []string{"addr"},
			IPv4Prefix: 32,
			IPv6Prefix: 64,
			Limit:      5,
			Window:     Duration{time.Minute},
			Action:     "deny",
			Algorithm:  "auto",
		}}},
		{"waf.inbound_anomaly_threshold", cfg.WAF.InboundAnomalyThreshold, 5},
	}
	for _, g := range got {
		if !reflect.DeepEqual(g.got, g.want) {
			t.Errorf("%s = %#v, want %#v", g.key, g.got, g.want)
		}
	}
}

// TestConfigFileIsDefault keeps config.toml honest: apart from the demo's
// blocklist entries, rate-limit rule and admin API, it sets every key to the built-in
// default, so that "sidewall with no -config" and "a file that leaves a key
// out" behave alike.
func TestConfigFileIsDefault(t *testing.T) {
	cfg, err := Load(configFile)
	if err != nil {
		t.Fatal(err)
	}
	demo := map[string]bool{"blocklist.entries": true, "ratelimit.rules": true,
		"admin.listen": true, "admin.token": true, // the demo's admin API
		"waf.profiles": true} // and WAF profiles
	file, def := leaves(cfg), leaves(Default())
	for key, want := range def {
		if demo[key] {
			continue
		}
		if got := file[key]; !sameValue(got, want) {
			t.Errorf("config.toml sets %s = %v; Default() has %v", key, got.Interface(), want.Interface())
		}
	}
}

// TestConfigFileComments checks the defaults config.toml's comments name
// ("Default 65536.", `"info" (the default)`, "Defaults 32 and 64.")
// against Default() and ruleDefaults(), and that the file shows every key.
func TestConfigFileComments(t *testing.T) {
	// Keys whose comments rightly name no default: a rule's name, limit
	// and window are required, and its conditions default to "match all".
	noClaim := map[string]bool{}
	for _, k := range []string{"name", "host", "path", "path_prefix", "methods", "limit", "window"} {
		noClaim["ratelimit.rules[0]."+k] = true
	}
	data, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	withRule := Default()
	withRule.RateLimit.Rules = []Rule{ruleDefaults()}
	def := leaves(withRule)
	claims := commentClaims(t, data)

	for key, want := range def {
		if want.Kind() == reflect.Slice && want.Type().Elem().Kind() == reflect.Struct {
			continue // [[ratelimit.rules]]: its keys are checked one by one
		}
		claim, ok := claims[key]
		switch {
		case !ok:
			t.Errorf("config.toml does not show %s", key)
		case claim == "" && !noClaim[key]:
			t.Errorf("config.toml: the comment of %s names no default", key)
		case claim == "":
		case !sameValue(parseClaim(t, key, claim, want.Type()), want):
			t.Errorf("config.toml: the comment of %s says default %s; Default() has %v", key, claim, want.Interface())
		}
	}
}

var (
	keyLine    = regexp.MustCompile(`^([a-z0-9_]+)\s*=`)
	theDefault = regexp.MustCompile(`("[^"]*")[^"]*?\(the default`)
	claimValue = regexp.MustCompile(`^(?:"[^"]*"|\[[^\]]*\]|[^\s,;:(]*[^\s,;:(.])`)
)

// commentClaims maps each key config.toml sets to the default its comment
// names, as TOML text ("" for none). Keys written one after another with no
// comment between them share the comment above the first; "Defaults A and B"
// gives such a group one value each.
func commentClaims(t *testing.T, data []byte) map[string]string {
	t.Helper()
	onLine := make(map[int][]string) // line -> key paths defined on it
	for key, line := range indexLines(data) {
		onLine[line] = append(onLine[line], key)
	}
	lines := strings.Split(string(data), "\n")
	claims := make(map[string]string)
	var group []string // the claimed values of the current group of keys
	inGroup := 0
	for i, text := range lines {
		m := keyLine.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		var key string
		for _, k := range onLine[i+1] {
			if k == m[1] || strings.HasSuffix(k, "."+m[1]) {
				key = k
			}
		}
		if key == "" {
			t.Fatalf("config.toml:%d: sets %s, but the scanner found only %q there", i+1, m[1], onLine[i+1])
		}
		if i > 0 && keyLine.MatchString(lines[i-1]) {
			inGroup++
		} else {
			var comment []string
			for j := i - 1; j >= 0 && strings.HasPrefix(lines[j], "#"); j-- {
				comment = append([]string{strings.TrimLeft(lines[j], "# ")}, comment...)
			}
			group, inGroup = parseClaims(strings.Join(comment, " ")), 0
		}
		switch {
		case len(group) == 0:
			claims[key] = ""
		case len(group) == 1:
			claims[key] = group[0]
		case inGroup < len(group):
			claims[key] = group[inGroup]
		}
	}
	return claims
}

func parseClaims(comment string) []string {
	if _, rest, ok := strings.Cut(comment, "Defaults "); ok {
		var vals []string
		for _, part := range strings.Split(strings.ReplaceAll(rest, " and ", ", "), ", ") {
			v := claimValue.FindString(part)
			if v == "" {
				break
			}
			vals = append(vals, v)
		}
		return vals
	}
	if _, rest, ok := strings.Cut(comment, "Default "); ok {
		return []string{claimValue.FindString(rest)}
	}
	if m := theDefault.FindStringSubmatch(comment); m != nil {
		return []string{m[1]}
	}
	return nil
}

// parseClaim decodes the TOML text of a claimed default as a value of type
// t, the way Parse would decode it for key.
func parseClaim(t *testing.T, key, claim string, typ reflect.Type) reflect.Value {
	t.Helper()
	var tree map[string]any
	if _, err := toml.Decode("v = "+claim, &tree); err != nil {
		t.Errorf("config.toml: the default the comment of %s names, %s, is not TOML: %v", key, claim, err)
		return reflect.Value{}
	}
	d := decoder{file: configFile, failed: map[string]bool{}}
	v := reflect.New(typ).Elem()
	d.value(keyPath{key}, tree["v"], v)
	if d.errs != nil {
		t.Errorf("config.toml: the default the comment of %s names: %v", key, d.errs)
	}
	return v
}

// leaves maps the key path of every non-table value in c to its value.
func leaves(c *Config) map[string]reflect.Value {
	out := make(map[string]reflect.Value)
	var walk func(p keyPath, v reflect.Value)
	walk = func(p keyPath, v reflect.Value) {
		t := v.Type()
		for i := range t.NumField() {
			f, q := v.Field(i), p.key(tomlKey(t.Field(i)))
			switch {
			case f.Kind() == reflect.Struct && f.Type() != durationType:
				walk(q, f)
			case f.Type().Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Struct:
				out[q.String()] = f
				for j := range f.Len() {
					walk(q.index(j), f.Index(j))
				}
			default:
				out[q.String()] = f
			}
		}
	}
	walk(nil, reflect.ValueOf(c).Elem())
	return out
}

// sameValue is reflect.DeepEqual, except that a nil and an empty slice are
// the same: a file's "files = []" and a default with no files agree.
func sameValue(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Kind() == reflect.Slice && b.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate():\n%v", err)
	}
}

// TestParseDefaults checks that keys left out keep Default()'s values, and
// that a rule left short starts from ruleDefaults.
func TestParseDefaults(t *testing.T) {
	cfg, err := Parse("empty.toml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("Parse of an empty file = %+v, want Default() %+v", cfg, Default())
	}

	cfg, err = Parse("short.toml", []byte("[log]\nlevel = \"debug\"\n[[ratelimit.rules]]\nname = \"r\"\nlimit = 1\nwindow = \"1s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Log.Level = "debug"
	rule := ruleDefaults()
	rule.Name, rule.Limit, rule.Window = "r", 1, Duration{time.Second}
	want.RateLimit.Rules = []Rule{rule}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Parse = %+v, want %+v", cfg, want)
	}
}

func TestParseResolvesPaths(t *testing.T) {
	data := []byte(`
[blocklist]
files = ["lists/drop.netset", "../shared/./firehol.netset", "/var/lib/sidewall/extra.netset"]
[waf]
rule_files = ["rules/exclusions.conf"]
`)
	cfg, err := Parse("/etc/sidewall/config.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"/etc/sidewall/lists/drop.netset", "/etc/shared/firehol.netset", "/var/lib/sidewall/extra.netset"}
	if !reflect.DeepEqual(cfg.Blocklist.Files, wantFiles) {
		t.Errorf("blocklist.files = %q, want %q", cfg.Blocklist.Files, wantFiles)
	}
	if want := []string{"/etc/sidewall/rules/exclusions.conf"}; !reflect.DeepEqual(cfg.WAF.RuleFiles, want) {
		t.Errorf("waf.rule_files = %q, want %q", cfg.WAF.RuleFiles, want)
	}

	cfg, err = Parse("/etc/sidewall/config.toml", []byte(`
[bans]
file = "../../var/lib/sidewall/bans.json"
[admin]
token_file = "admin.token"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Bans.File, "/var/lib/sidewall/bans.json"; got != want {
		t.Errorf("bans.file = %q, want %q", got, want)
	}
	if got, want := cfg.Admin.TokenFile, "/etc/sidewall/admin.token"; got != want {
		t.Errorf("admin.token_file = %q, want %q", got, want)
	}

	// The TLS files resolve like the others, and a file that names cluster nodes and no
	// address has none: the default address is for a file that names no other shape.
	cfg, err = Parse("/etc/sidewall/config.toml", []byte(`
[ratelimit.redis]
cluster = ["10.0.0.1:6379"]
[ratelimit.redis.tls]
enabled = true
ca_file = "tls/ca.pem"
cert_file = "/etc/ssl/client.pem"
key_file = "tls/client.key"
`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.RateLimit.Redis.TLS, (RedisTLS{Enabled: true, CAFile: "/etc/sidewall/tls/ca.pem",
		CertFile: "/etc/ssl/client.pem", KeyFile: "/etc/sidewall/tls/client.key"}); got != want {
		t.Errorf("ratelimit.redis.tls = %+v, want %+v", got, want)
	}
	if a := cfg.RateLimit.Redis.Address; a != "" {
		t.Errorf("ratelimit.redis.address = %q with cluster set, want \"\"", a)
	}

	cfg, err = Parse("config.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("lists", "drop.netset"); cfg.Blocklist.Files[0] != want {
		t.Errorf("relative to %q: blocklist.files[0] = %q, want %q", ".", cfg.Blocklist.Files[0], want)
	}
}

func TestParseAccepts(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"ipv4-mapped", `[blocklist]
entries = ["::ffff:192.0.2.1", "::ffff:192.0.2.0/120"]
allow = ["192.0.2.7"]`},
		{"int for float", "[blocklist]\nfalse_positive_rate = 0.25\n[waf]\nremove_rules = [920350, 942100]"},
		{"by parts", `[[ratelimit.rules]]
name = "api"
by = ["addr", "host", "path", "method", "header:X-Api-Key", "cookie:session"]
methods = ["GET", "M-SEARCH"]
limit = 1
window = "1h"
headers = true`},
		{"global rule", "[[ratelimit.rules]]\nname = \"all\"\nby = []\nlimit = 1000\nwindow = \"1s\""},
		{"inline rules", `ratelimit = { rules = [ { name = "a", limit = 1, window = "1s" } ] }`},
		{"listen forms", "[server]\nlisten = \"[::1]:9090\""},
		{"redis backend", `[ratelimit]
backend = "redis"
[ratelimit.redis]
address = "[::1]:6380"
username = "sidewall"
password = "s3cret"
db = 3
timeout = "1s"
fallback = "allow"
prefix = ""`},
		{"redis cluster", `[ratelimit.redis]
cluster = ["10.0.0.1:6379", "[2001:db8::2]:6379", "redis-3.internal:6379"]
password = "s3cret"
[ratelimit.redis.tls]
enabled = true`},
		{"redis sentinels, address emptied", `[ratelimit.redis]
address = ""
sentinels = ["10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"]
master_set = "mymaster"
sentinel_password = "sentinel-s3cret"
db = 2
[ratelimit.redis.tls]
enabled = true
ca_file = "/etc/sidewall/redis-ca.pem"
cert_file = "redis-client.pem"
key_file = "redis-client.key"
server_name = "redis.internal"`},
		{"ipv6 any", "[server]\nlisten = \":9090\"\nsocket_mode = \"600\""},
		{"admin on loopback", `[admin]
listen = "[::1]:9091"
token_file = "admin.token"
[autoban]
enabled = true
on = ["ratelimit"]
[blocklist]
on_bad_line = "skip"
watch_interval = "0s"`},
		{"admin on localhost and a socket", `[admin]
listen = "localhost:9091"
socket = "/run/sidewall/admin.sock"
token = "0123456789abcdef"`},
		{"admin token without a listener", "[admin]\ntoken = \"0123456789abcdef\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(tt.name+".toml", []byte(tt.data)); err != nil {
				t.Errorf("Parse:\n%v", err)
			}
		})
	}
}

// TestParseErrors runs the files in testdata, each with its exact errors.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []string // after "testdata/<file>:"
	}{
		{"unknown_top.toml", []string{
			`2: listen: unknown key (listen belongs in [server])`,
			`4: servr: unknown table (did you mean "server"?)`,
			`8: log.Level: unknown key (did you mean "level"?)`,
		}},
		{"unknown_rule_key.toml", []string{
			`8: ratelimit.rules[1].limit: is required`,
			`11: ratelimit.rules[1].limt: unknown key (did you mean "limit"?)`,
			`13: ratelimit.rules[1].max_keys: unknown key (max_keys belongs in [ratelimit])`,
		}},
		{"wrong_type.toml", []string{
			`3: server.max_header_bytes: must be an integer, got string "64k"`,
			`4: server.read_timeout: must be a duration string such as "5s", got integer 5`,
			`5: server.socket_mode: must be an octal string such as "0660", got integer 432`,
			`8: blocklist.enabled: must be true or false, got string "yes"`,
			`12: ratelimit.rules[0].methods: must be an array of strings, got string "POST"`,
		}},
		{"rules_table.toml", []string{
			`2: ratelimit.rules: must be an array of tables, got a table (write [[ratelimit.rules]], with double brackets)`,
		}},
		{"out_of_range.toml", []string{
			`3: server.listen: must be host:port such as "127.0.0.1:9090", got "127.0.0.1"`,
			`4: server.max_header_bytes: must be between 4096 and 16777216, got 1024`,
			`5: server.socket_mode: must be at most "0777", got "01777"`,
			`6: server.idle_timeout: must be greater than 0, got "0s"`,
			`9: blocklist.false_positive_rate: must be between 0 and 0.5 (exclusive), got 0.5`,
			`12: waf.mode: must be "block" or "detect", got "prevent"`,
			`13: waf.paranoia_level: must be between 1 and 4, got 5`,
			`14: waf.remove_rules[1]: must be a rule id greater than 0, got 0`,
		}},
		{"bad_cidr.toml", []string{
			`6: blocklist.entries[2]: must be an IP address or CIDR prefix, got "203.0.113.0/33": prefix length out of range`,
			`9: blocklist.allow[0]: must be an IP address or CIDR prefix, got "10.0.0.300": IPv4 field has value >255`,
		}},
		{"duplicate_rule.toml", []string{
			`9: ratelimit.rules[1].name: duplicate rule name "login", first used by ratelimit.rules[0] at line 3`,
		}},
		{"syntax.toml", []string{
			`3: server.listen: invalid TOML: Invalid float value: "127.0.0.1"`,
		}},
		{"syntax_rule.toml", []string{
			`9: ratelimit.rules[1].limit: invalid TOML: expected a top-level item to end with a newline, comment, or EOF, but got 'x' instead`,
		}},
		{"many.toml", []string{
			`4: server.failure_policy: must be "closed" or "open", got "sometimes"`,
			`5: server.read_timout: unknown key (did you mean "read_timeout"?)`,
			`8: log.level: must be "debug", "info", "warn" or "error", got "verbose"`,
			`12: ratelimit.max_keys: must be at least 1, got 0`,
			`14: ratelimit.rules[0].name: is required`,
			`15: ratelimit.rules[0].path: must start with "/", got "login"`,
			`16: ratelimit.rules[0].limit: must be at least 1, got 0`,
			`17: ratelimit.rules[0].window: must be at least "1s", got "500ms"`,
			`18: ratelimit.rules[0].burst: must be at least 0, got -1`,
			`19: ratelimit.rules[0].by[1]: must be "addr", "host", "path", "method", "header:NAME" or "cookie:NAME", got "ip"`,
			`19: ratelimit.rules[0].by[2]: header name must be a non-empty token, got "header:"`,
			`20: ratelimit.rules[0].ipv4_prefix: must be between 1 and 32, got 33`,
			`21: ratelimit.rules[0].action: must be "deny" or "log", got "block"`,
			`22: ratelimit.rules[0].methods[1]: must be an upper-case method such as "POST", got "get"`,
			`25: waf.paranoia_level: must be an integer, got string "high"`,
		}},
		{"redis_bad.toml", []string{
			`3: ratelimit.backend: must be "memory" or "redis", got "shared"`,
			`6: ratelimit.redis.address: must be host:port such as "127.0.0.1:6379", got "localhost"`,
			`7: ratelimit.redis.db: must be at least 0, got -1`,
			`8: ratelimit.redis.timeout: must be between "1ms" and "5s", got "10s"`,
			`9: ratelimit.redis.fallback: must be "local" or "allow", got "deny"`,
			`10: ratelimit.redis.pasword: unknown key (did you mean "password"?)`,
		}},
		{"redis_shapes_bad.toml", []string{
			`4: ratelimit.redis.cluster: set one of address, cluster and sentinels, not address and cluster and sentinels (to use cluster, leave address out or set it to "")`,
			`4: ratelimit.redis.cluster[1]: must be host:port such as "10.0.0.1:6379", got "10.0.0.2"`,
			`5: ratelimit.redis.sentinels[0]: port must be a number from 1 to 65535, got "0"`,
			`6: ratelimit.redis.master_set: is required with sentinels: the name the Sentinels monitor, such as "mymaster"`,
			`7: ratelimit.redis.db: must be 0 with cluster (a Redis Cluster has database 0 only), got 1`,
			`8: ratelimit.redis.prefix: must not contain { or } (sidewall makes each key's hash its hash tag), got "sw:{rl}:"`,
			`11: ratelimit.redis.tls.ca_file: is set, but tls.enabled is false`,
			`12: ratelimit.redis.tls.cert_file: is set, but tls.enabled is false`,
			`12: ratelimit.redis.tls.cert_file: needs key_file, the client certificate's private key`,
			`13: ratelimit.redis.tls.server_name: is set, but tls.enabled is false`,
			`13: ratelimit.redis.tls.server_name: must be a host name such as "redis.example.com", got "redis:6379"`,
			`14: ratelimit.redis.tls.verify: unknown key`,
		}},
		{"redis_sentinel_bad.toml", []string{
			`3: ratelimit.redis.master_set: is for sentinels, and sentinels is empty`,
			`4: ratelimit.redis.sentinel_password: is for sentinels, and sentinels is empty`,
		}},
		{"bans_bad.toml", []string{
			`3: blocklist.on_bad_line: must be "fail" or "skip", got "ignore"`,
			`4: blocklist.watch_interval: must be "0s" (off) or at least "100ms", got "10ms"`,
			`8: autoban.threshold: must be between 1 and 1000000, got 0`,
			`9: autoban.window: must be between "1s" and "24h", got "500ms"`,
			`10: autoban.ban_for: must be greater than 0, got "0s"`,
			`11: autoban.on[1]: "waf" is listed twice`,
			`11: autoban.on[2]: must be "waf" or "ratelimit", got "login"`,
			`14: admin.listen: must be a loopback address such as "127.0.0.1:9091" or "[::1]:9091" (the admin API must not be reachable from the network), got "0.0.0.0:9091"`,
			`15: admin.socket_mode: must be at most "0777", got "01700"`,
			`16: admin.token: must be at least 16 characters long, got 5`,
			`19: bans.redis_key: must be a Redis key without white space such as "sidewall:bans", got ""`,
		}},
		{"algorithm.toml", []string{
			`8: ratelimit.rules[0].algorithm: "exact" may keep limit+burst timestamps for every key and allows at most 64, got 65; use "auto"`,
			`14: ratelimit.rules[1].algorithm: must be "auto", "counter" or "exact", got "log"`,
		}},
		{"limits_bad.toml", []string{
			`3: waf.limits.args: must be between 1 and 1000000, got 0`,
			`4: waf.limits.depth: must be between 1 and 10000, got 20000`,
			`5: waf.limits.headers: must be between 1 and 1000000, got -1`,
			`6: waf.limits.cookie: unknown key (did you mean "cookies"?)`,
		}},
		{"exclusions_bad.toml", []string{
			`2: waf.exclusions[0].rules: is required (or tags): the ids of the rules to exclude, e.g. [942100]`,
			`6: waf.exclusions[1].rules[1]: must be a rule id greater than 0, got 0`,
			`7: waf.exclusions[1].target: must be COLLECTION or COLLECTION:name with COLLECTION one of ARGS, ARGS_NAMES, ARGS_GET, ARGS_POST, REQUEST_COOKIES, REQUEST_COOKIES_NAMES, REQUEST_HEADERS, REQUEST_HEADERS_NAMES, XML, FILES, REQUEST_FILENAME, REQUEST_BODY, got "BODY:x"`,
			`8: waf.exclusions[1].path: must start with "/", got "api/comments"`,
			`9: waf.exclusions[1].methods[0]: must be an upper-case method such as "POST", got "post"`,
			`14: waf.exclusions[2].path_prefix: cannot be given with path: give one of them`,
		}},
		{"admin_token.toml", []string{
			`3: admin.socket: the admin API needs admin.token or admin.token_file`,
		}},
		{"tricky_lines.toml", []string{
			`20: blocklist.allow[2]: must be an IP address or CIDR prefix, got "not an address": unable to parse IP`,
			`25: ratelimit.rules[1].limit: must be at least 1, got -1`,
		}},
	} {
		t.Run(strings.TrimSuffix(tt.file, ".toml"), func(t *testing.T) {
			name := filepath.Join("testdata", tt.file)
			cfg, err := Load(name)
			if cfg != nil {
				t.Errorf("Load returned a Config with an error")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Load error = %v (%T), want Errors", err, err)
			}
			for i := range tt.want {
				tt.want[i] = name + ":" + tt.want[i]
			}
			if got := err.Error(); got != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file.toml")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("Load of a missing file: %v, want a config: error wrapping fs.ErrNotExist", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		err  Error
		want string
	}{
		{Error{"c.toml", 42, "ratelimit.rules[0].limit", "must be at least 1, got 0"}, "c.toml:42: ratelimit.rules[0].limit: must be at least 1, got 0"},
		{Error{"c.toml", 0, "waf.mode", "bad"}, "c.toml: waf.mode: bad"},
		{Error{"", 0, "waf.mode", "bad"}, "waf.mode: bad"},
		{Error{"c.toml", 3, "", "invalid TOML: x"}, "c.toml:3: invalid TOML: x"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}

	errs := Errors{{Line: 0, Key: "c", Msg: "m"}, {Line: 9, Key: "b", Msg: "m"}, {Line: 2, Key: "a", Msg: "m"}}
	errs.sort()
	if got, want := errs.Error(), "line 2: a: m\nline 9: b: m\nc: m"; got != want {
		t.Errorf("sorted Errors:\n%s\nwant:\n%s", got, want)
	}
	var e *Error
	if !errors.As(error(errs), &e) || e.Key != "a" {
		t.Errorf("errors.As(Errors, *Error) = %v", e)
	}
}

func TestValidate(t *testing.T) {
	c := Default()
	c.Server.Listen = "localhost"
	c.RateLimit.Rules = []Rule{{Name: "x", Limit: 1, Window: Duration{time.Second}, IPv4Prefix: 32, IPv6Prefix: 0, Action: "deny", Algorithm: "auto"}}
	want := "server.listen: must be host:port such as \"127.0.0.1:9090\", got \"localhost\"\n" +
		"ratelimit.rules[0].ipv6_prefix: must be between 1 and 128, got 0"
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate:\n%v\nwant:\n%s", err, want)
	}
}

func TestAdminToken(t *testing.T) {
	_, err := Parse("both.toml", []byte("[admin]\nlisten = \"127.0.0.1:9091\"\ntoken = \"0123456789abcdef\"\ntoken_file = \"t\"\n"))
	if want := "both.toml:4: admin.token_file: set token or token_file, not both"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
	for tok, ok := range map[string]bool{
		"0123456789abcdef":  true,
		"0123456789abcde":   false, // too short
		"0123456789 abcdef": false, // a space
		"0123456789abcdéf":  false, // not ASCII
	} {
		if err := CheckToken(tok); (err == nil) != ok {
			t.Errorf("CheckToken(%q) = %v", tok, err)
		}
	}
}
