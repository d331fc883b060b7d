package daemon

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/redisconn"
)

// redisConn is what a connection to the shared Redis depends on: [ratelimit.redis]
// without the timeout, the fallback and the prefix, which each limiter takes. It is
// comparable, so that a reload can tell whether the connection changed: the lists are
// joined with spaces, which configuration refuses in an address.
type redisConn struct {
	address, cluster, sentinels, masterSet                 string
	username, password, sentinelUsername, sentinelPassword string
	db                                                     int
	tls                                                    config.RedisTLS
}

// redisConnOf returns the part of c that the connection depends on.
func redisConnOf(c config.Redis) redisConn {
	return redisConn{
		address: c.Address, cluster: strings.Join(c.Cluster, " "), sentinels: strings.Join(c.Sentinels, " "),
		masterSet: c.MasterSet, username: c.Username, password: c.Password,
		sentinelUsername: c.SentinelUsername, sentinelPassword: c.SentinelPassword,
		db: c.DB, tls: c.TLS,
	}
}

// dial connects to the Redis of c the one way sidewall dials Redis, for the rate limits
// and for the sharing of bans alike: redisconn's, with the TLS files read here. Like
// redisconn.Dial it returns a working connection with the error when Redis is down (it
// connects once Redis answers), and a nil one with the error, naming the key, when the
// settings are unusable (a TLS file that does not load). what ("ratelimit", "bans") says
// in the log which connection follows a new master.
func (c redisConn) dial(what string, logger *slog.Logger) (*redisconn.Conn, error) {
	tlsConfig, err := redisTLS(c.tls)
	if err != nil {
		return nil, err
	}
	o := redisconn.Options{
		Addr:             c.address,
		MasterSet:        c.masterSet,
		Username:         c.username,
		Password:         c.password,
		SentinelUsername: c.sentinelUsername,
		SentinelPassword: c.sentinelPassword,
		DB:               c.db,
		TLS:              tlsConfig,
	}
	o.Cluster = strings.Fields(c.cluster)
	o.Sentinels = strings.Fields(c.sentinels)
	desc := c.String()
	o.Report = func(e redisconn.Event) { logRedisEvent(logger, what, desc, e) }
	return redisconn.Dial(o)
}

// String names the Redis for the log, as redisconn.Conn does.
func (c redisConn) String() string {
	switch {
	case c.cluster != "":
		return "cluster " + strings.ReplaceAll(c.cluster, " ", ",")
	case c.sentinels != "":
		return "sentinel " + c.masterSet + " at " + strings.ReplaceAll(c.sentinels, " ", ",")
	}
	return c.address
}

// redisTLS is the TLS configuration of [ratelimit.redis.tls]: nil when it is off. Errors
// name the key whose file failed.
func redisTLS(c config.RedisTLS) (*tls.Config, error) {
	if !c.Enabled {
		return nil, nil
	}
	t := &tls.Config{ServerName: c.ServerName, MinVersion: tls.VersionTLS12}
	var errs []error
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err == nil {
			t.RootCAs = x509.NewCertPool()
			if !t.RootCAs.AppendCertsFromPEM(pem) {
				err = fmt.Errorf("%s holds no PEM certificate", c.CAFile)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ratelimit.redis.tls.ca_file: %w", err))
		}
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("ratelimit.redis.tls.cert_file, key_file: %w", err))
		}
		t.Certificates = []tls.Certificate{cert}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// logRedisEvent logs what a Redis connection reports: that it connected after a failed
// start, the masters it first sees, and each failover it follows.
func logRedisEvent(logger *slog.Logger, what, desc string, e redisconn.Event) {
	switch e.Kind {
	case redisconn.EventConnected:
		logger.Info("redis: connected", "for", what, "redis", desc)
	case redisconn.EventMasters:
		logger.Info("redis: masters", "for", what, "redis", desc, "masters", e.Masters)
	case redisconn.EventNewMaster:
		logger.Warn("redis: a new master; following it", "for", what, "redis", desc,
			"where", e.Where, "from", e.From, "to", e.To)
	}
}
