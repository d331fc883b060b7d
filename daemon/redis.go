package daemon

import (
	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/internal/redisconn"
)

// dialRedis connects to the Redis of c (its address, user, password and database) the
// one way sidewall dials Redis, for the rate limits and for the sharing of bans alike:
// redisconn's. Like redisconn.Dial it returns a working connection with the error when
// Redis is down (it connects once Redis answers), and a nil one when the options are
// unusable.
func dialRedis(c config.Redis) (*redisconn.Conn, error) {
	return redisconn.Dial(redisconn.Options{
		Addr:     c.Address,
		Username: c.Username,
		Password: c.Password,
		DB:       c.DB,
	})
}
