package daemon

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sidewall/sidewall/config"
)

// restartOnly refuses a configuration that changes a setting a running sidewall cannot
// apply, naming every such key, so that a reload never leaves one silently stale while
// the log says "reloaded". Every other key applies with the reload:
//
//   - through the new policy: server.failure_policy, server.trusted_peers, log.allowed,
//     [blocklist], [ratelimit], [waf], [autoban];
//   - beside it: log.level (the logger's level is a slog.LevelVar), admin.token and
//     admin.token_file (the admin API's token is swapped), blocklist.watch_interval and
//     blocklist.files (the list watcher follows).
//
// Refused, because they are fixed when the process starts:
//
//   - server.listen, server.socket, server.socket_mode, admin.listen, admin.socket,
//     admin.socket_mode: the listeners are opened once (a second bind could fail
//     halfway, after the old ones were given up);
//   - server.max_header_bytes, server.max_body_bytes and the read, write and idle
//     timeouts: fasthttp reads them from its Server while serving, unsynchronised;
//   - log.format: a log shipper reading the stream would meet lines in another format
//     from one line to the next;
//   - bans.file: the bans store reads it once and writes it from then on;
//   - ratelimit.backend, how sidewall connects to Redis (ratelimit.redis.address,
//     .cluster, .sentinels, .master_set, .username, .password, .sentinel_username,
//     .sentinel_password, .db and the [ratelimit.redis.tls] keys) and bans.redis_key,
//     while bans are shared through that Redis (backend "redis", see sharingOf): the
//     bans store keeps a journal only when it shares, and its replicator holds its
//     connection from the start. With backend "memory" before and after, the
//     [ratelimit.redis] keys are unused and change freely. (A renewed certificate under
//     the same file name is read at the next restart too.) ratelimit.redis.timeout,
//     .fallback and .prefix apply live: each rate-limit rule takes them.
//
// blocklist.false_positive_rate sizes the bans' filter at start too; it changes the
// lists' filters at once, and since it trades memory against lookup time without
// changing a verdict (every hit is confirmed exactly), the bans' filter follows at the
// next restart rather than refusing the reload.
func restartOnly(running, next *config.Config) error {
	r, n := running, next
	sharing := sharingOf(r) != sharingOf(n)
	rr, nr := &r.RateLimit.Redis, &n.RateLimit.Redis
	var keys []string
	for _, k := range []struct {
		key     string
		changed bool
	}{
		{"server.listen", r.Server.Listen != n.Server.Listen},
		{"server.socket", r.Server.Socket != n.Server.Socket},
		{"server.socket_mode", r.Server.SocketMode != n.Server.SocketMode},
		{"server.max_header_bytes", r.Server.MaxHeaderBytes != n.Server.MaxHeaderBytes},
		{"server.max_body_bytes", r.Server.MaxBodyBytes != n.Server.MaxBodyBytes},
		{"server.read_timeout", r.Server.ReadTimeout != n.Server.ReadTimeout},
		{"server.write_timeout", r.Server.WriteTimeout != n.Server.WriteTimeout},
		{"server.idle_timeout", r.Server.IdleTimeout != n.Server.IdleTimeout},
		{"log.format", r.Log.Format != n.Log.Format},
		{"ratelimit.backend", sharing && r.RateLimit.Backend != n.RateLimit.Backend},
		{"ratelimit.redis.address", sharing && rr.Address != nr.Address},
		{"ratelimit.redis.cluster", sharing && !slices.Equal(rr.Cluster, nr.Cluster)},
		{"ratelimit.redis.sentinels", sharing && !slices.Equal(rr.Sentinels, nr.Sentinels)},
		{"ratelimit.redis.master_set", sharing && rr.MasterSet != nr.MasterSet},
		{"ratelimit.redis.username", sharing && rr.Username != nr.Username},
		{"ratelimit.redis.password", sharing && rr.Password != nr.Password},
		{"ratelimit.redis.sentinel_username", sharing && rr.SentinelUsername != nr.SentinelUsername},
		{"ratelimit.redis.sentinel_password", sharing && rr.SentinelPassword != nr.SentinelPassword},
		{"ratelimit.redis.db", sharing && rr.DB != nr.DB},
		{"ratelimit.redis.tls.enabled", sharing && rr.TLS.Enabled != nr.TLS.Enabled},
		{"ratelimit.redis.tls.ca_file", sharing && rr.TLS.CAFile != nr.TLS.CAFile},
		{"ratelimit.redis.tls.cert_file", sharing && rr.TLS.CertFile != nr.TLS.CertFile},
		{"ratelimit.redis.tls.key_file", sharing && rr.TLS.KeyFile != nr.TLS.KeyFile},
		{"ratelimit.redis.tls.server_name", sharing && rr.TLS.ServerName != nr.TLS.ServerName},
		{"bans.file", r.Bans.File != n.Bans.File},
		{"bans.redis_key", sharing && r.Bans.RedisKey != n.Bans.RedisKey},
		{"admin.listen", r.Admin.Listen != n.Admin.Listen},
		{"admin.socket", r.Admin.Socket != n.Admin.Socket},
		{"admin.socket_mode", r.Admin.SocketMode != n.Admin.SocketMode},
	} {
		if k.changed {
			keys = append(keys, k.key)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return fmt.Errorf("%s cannot change while running; restart sidewall to apply the change", strings.Join(keys, ", "))
}
