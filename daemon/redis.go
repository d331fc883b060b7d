package daemon

import (
	"github.com/redis/rueidis"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/limiter"
)

// dialRedis connects to the Redis of c (its address, user, password and database) the
// one way sidewall dials Redis, for the rate limits and for the sharing of bans alike:
// limiter.DialRedis's (one server, no client-side cache, no retries, a bounded dial).
// Like DialRedis it returns a working client with the error when Redis is down (the
// client connects once it answers), and a nil client when the options are unusable.
func dialRedis(c config.Redis) (rueidis.Client, error) {
	return limiter.DialRedis(rueidis.ClientOption{
		InitAddress: []string{c.Address},
		Username:    c.Username,
		Password:    c.Password,
		SelectDB:    c.DB,
	})
}
