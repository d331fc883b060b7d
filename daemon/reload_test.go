package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/sidewall/sidewall/config"
)

// TestRestartOnly: a reload that changes a key only a restart can apply is refused naming
// the key (every such key, when several change); every other key passes.
func TestRestartOnly(t *testing.T) {
	memory := "[admin]\nlisten = \"127.0.0.1:9091\"\ntoken = \"0123456789abcdef\"\n"
	shared := memory + "[ratelimit]\nbackend = \"redis\"\n"
	sharedCluster := shared + "[ratelimit.redis]\ncluster = [\"10.0.0.1:6379\"]\n"
	sharedSentinels := shared + "[ratelimit.redis]\nsentinels = [\"10.0.0.1:26379\"]\nmaster_set = \"m\"\n"
	tests := []struct {
		name    string
		running string // the running configuration's text
		edit    func(*config.Config)
		refused []string // the keys the error must name; none: the reload may go on
	}{
		// Applied live.
		{"trusted peers", memory, func(c *config.Config) { c.Server.TrustedPeers = []string{"10.0.0.0/8"} }, nil},
		{"failure policy", memory, func(c *config.Config) { c.Server.FailurePolicy = "open" }, nil},
		{"log level", memory, func(c *config.Config) { c.Log.Level = "debug" }, nil},
		{"log allowed", memory, func(c *config.Config) { c.Log.Allowed = true }, nil},
		{"blocklist", memory, func(c *config.Config) { c.Blocklist.Entries = []string{"192.0.2.1"} }, nil},
		{"rate limits", memory, func(c *config.Config) { c.RateLimit.MaxKeys = 1000 }, nil},
		{"unused redis", memory, func(c *config.Config) { c.RateLimit.Redis.Address = "127.0.0.1:6380" }, nil},
		{"redis timeout, fallback and prefix, shared", shared, func(c *config.Config) {
			c.RateLimit.Redis.Timeout.Duration, c.RateLimit.Redis.Fallback, c.RateLimit.Redis.Prefix = time.Second, "allow", "other:"
		}, nil},
		{"unused redis cluster", memory, func(c *config.Config) {
			c.RateLimit.Redis.Address, c.RateLimit.Redis.Cluster = "", []string{"10.0.0.1:6379"}
		}, nil},
		{"unused redis sentinels and tls", memory, func(c *config.Config) {
			r := &c.RateLimit.Redis
			r.Address, r.Sentinels, r.MasterSet, r.SentinelPassword = "", []string{"10.0.0.1:26379"}, "m", "p"
			r.TLS = config.RedisTLS{Enabled: true, CAFile: "/etc/ca.pem", ServerName: "redis"}
		}, nil},
		{"waf", memory, func(c *config.Config) { c.WAF.ParanoiaLevel = 2 }, nil},
		{"autoban", memory, func(c *config.Config) { c.AutoBan.Enabled = true }, nil},
		{"admin token", memory, func(c *config.Config) { c.Admin.Token = "fedcba9876543210" }, nil},
		{"bans key, not shared", memory, func(c *config.Config) { c.Bans.RedisKey = "other" }, nil},

		// Refused: the listeners.
		{"listen", memory, func(c *config.Config) { c.Server.Listen = "127.0.0.1:9092" }, []string{"server.listen"}},
		{"socket", memory, func(c *config.Config) { c.Server.Socket = "/run/sidewall/auth.sock" }, []string{"server.socket"}},
		{"socket mode", memory, func(c *config.Config) { c.Server.SocketMode = 0o666 }, []string{"server.socket_mode"}},
		{"admin listen", memory, func(c *config.Config) { c.Admin.Listen = "127.0.0.1:9092" }, []string{"admin.listen"}},
		{"admin socket", memory, func(c *config.Config) { c.Admin.Socket = "/run/sidewall/admin.sock" }, []string{"admin.socket"}},
		{"admin socket mode", memory, func(c *config.Config) { c.Admin.SocketMode = 0o660 }, []string{"admin.socket_mode"}},
		// Refused: the connection limits.
		{"max header bytes", memory, func(c *config.Config) { c.Server.MaxHeaderBytes = 8192 }, []string{"server.max_header_bytes"}},
		{"max body bytes", memory, func(c *config.Config) { c.Server.MaxBodyBytes = 1 << 20 }, []string{"server.max_body_bytes"}},
		{"timeouts", memory, func(c *config.Config) {
			c.Server.ReadTimeout.Duration, c.Server.WriteTimeout.Duration, c.Server.IdleTimeout.Duration = time.Second, time.Second, time.Second
		}, []string{"server.read_timeout", "server.write_timeout", "server.idle_timeout"}},
		// Refused: the log's format.
		{"log format", memory, func(c *config.Config) { c.Log.Format = "text" }, []string{"log.format"}},
		// Refused: the bans store and its sharing.
		{"bans file", memory, func(c *config.Config) { c.Bans.File = "/var/lib/sidewall/bans.json" }, []string{"bans.file"}},
		{"backend to redis", memory, func(c *config.Config) { c.RateLimit.Backend = "redis" }, []string{"ratelimit.backend"}},
		{"backend to memory", shared, func(c *config.Config) { c.RateLimit.Backend = "memory" }, []string{"ratelimit.backend"}},
		{"shared redis address", shared, func(c *config.Config) { c.RateLimit.Redis.Address = "127.0.0.1:6380" }, []string{"ratelimit.redis.address"}},
		{"shared redis db", shared, func(c *config.Config) { c.RateLimit.Redis.DB = 2 }, []string{"ratelimit.redis.db"}},
		{"shared redis to a cluster", shared, func(c *config.Config) {
			c.RateLimit.Redis.Address, c.RateLimit.Redis.Cluster = "", []string{"10.0.0.1:6379"}
		}, []string{"ratelimit.redis.address", "ratelimit.redis.cluster"}},
		{"shared cluster nodes", sharedCluster, func(c *config.Config) {
			c.RateLimit.Redis.Cluster = append(c.RateLimit.Redis.Cluster, "10.0.0.2:6379")
		}, []string{"ratelimit.redis.cluster"}},
		{"shared sentinels", sharedSentinels, func(c *config.Config) {
			r := &c.RateLimit.Redis
			r.Sentinels, r.MasterSet, r.SentinelUsername, r.SentinelPassword = []string{"10.0.0.9:26379"}, "other", "u", "p"
		}, []string{"ratelimit.redis.sentinels", "ratelimit.redis.master_set", "ratelimit.redis.sentinel_username", "ratelimit.redis.sentinel_password"}},
		{"shared redis tls", shared, func(c *config.Config) {
			c.RateLimit.Redis.TLS = config.RedisTLS{Enabled: true, CAFile: "/etc/ca.pem", CertFile: "/etc/c.pem", KeyFile: "/etc/c.key", ServerName: "redis"}
		}, []string{"ratelimit.redis.tls.enabled", "ratelimit.redis.tls.ca_file", "ratelimit.redis.tls.cert_file",
			"ratelimit.redis.tls.key_file", "ratelimit.redis.tls.server_name"}},
		{"shared bans key", shared, func(c *config.Config) { c.Bans.RedisKey = "other" }, []string{"bans.redis_key"}},
		// Several at once: all are named, beside a live change.
		{"several", memory, func(c *config.Config) {
			c.Server.MaxHeaderBytes, c.Log.Format, c.WAF.ParanoiaLevel = 8192, "text", 3
		}, []string{"server.max_header_bytes", "log.format"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			running, next := parseConfig(t, tc.running), parseConfig(t, tc.running)
			tc.edit(next)
			if err := next.Validate(); err != nil {
				t.Fatalf("the edited configuration is invalid: %v", err)
			}
			err := restartOnly(running, next)
			if len(tc.refused) == 0 {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("passed; want a refusal naming %v", tc.refused)
			}
			for _, key := range tc.refused {
				if !strings.Contains(err.Error(), key) {
					t.Errorf("the refusal does not name %s: %v", key, err)
				}
			}
			named, _, _ := strings.Cut(err.Error(), " cannot change")
			if n := len(strings.Split(named, ", ")); n != len(tc.refused) {
				t.Errorf("the refusal names %d keys, want %d: %v", n, len(tc.refused), err)
			}
		})
	}
}
