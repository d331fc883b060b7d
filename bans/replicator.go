package bans

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"github.com/sidewall/sidewall/internal/redisconn"
)

// Replicator shares a Store's bans with the other sidewall replicas that use the same Redis
// and key, so that a ban made on one (admin API or auto-ban) applies on all within a
// second, and a replica that starts loads the bans in force.
//
// # How it works
//
// The shared set is a Redis hash at Key: field = the prefix, value = a record in JSON:
// the ban, or a tombstone for a ban that was lifted, with an expiry in Unix milliseconds
// (for the clean-up below). Every change is one Lua script that writes the record and
// publishes the change on the channel of the same name, so that the order of the
// messages is the order of the hash's changes.
//
// On a Redis Cluster the hash is one key, in one slot, and the channel has the key's
// name, so its slot is the key's: where the server has sharded pub/sub (Redis 7), the
// script announces with SPUBLISH, which the key's shard alone carries (a script may
// publish on a shard channel of its own slot), and replicas SSUBSCRIBE there; an older
// cluster PUBLISHes, which every node relays to every other, so a subscription anywhere
// hears it. Through Sentinel the hash and the channel are the master's, as on one
// server. A failover ends the subscription; the next session subscribes to the new
// master and synchronises as after any reconnection (below).
//
// Each replica subscribes, and once the subscription is confirmed it synchronises:
// pushes its local changes not yet shared, reads the whole hash (HGETALL) and reconciles
// its set with it (Store.Reconcile: the hash's bans apply, its tombstones lift), then
// applies the messages received since it subscribed. Those that the snapshot already
// holds apply again harmlessly (each sets or lifts one prefix), and those after it bring
// it up to date, so no change falls between the read and the subscription. It does the
// same after every reconnection, which also catches whatever it missed while Redis was
// away, or lost in a failover: a change the old master had not yet copied to its
// replica is still in the set of the replica that made it, which pushes it again.
//
// Local changes (Store.TakeChanges) are pushed from Run's goroutine, never on the hot
// path nor inside an admin request: the ban applies locally at once, and on the other
// replicas a round trip later. While Redis is unreachable they wait, the latest per
// prefix, and go out on reconnection; a message about a prefix with a local change still
// waiting is not applied, since the local change is newer and will override it.
//
// Why tombstones: a lifted ban leaves a record saying so, rather than no record, so that
// a prefix absent from the hash means "Redis does not know it", never "lifted". A local
// ban the hash does not know is therefore pushed, not dropped: when Redis loses its data
// (a restart without persistence) the replicas rebuild the shared set from their own
// sets as they reconnect, and a new replica with no ban file cannot wipe the others'.
// A tombstone lives for tombstoneTTL; a replica cut off from Redis for longer than that
// may bring back a ban lifted meanwhile.
//
// Expiry: every replica ends a ban at its expiry by its own clock, and a replica
// removes expired records (bans and tombstones) from the hash when it synchronises and
// every minute (a Lua script that reads each record's expiry).
//
// # Limits
//
// Replicas' clocks should agree to a second or so, since each judges expiry alone. Two
// replicas changing the same prefix at the same instant end with the one Redis ran
// last, everywhere. All bans live in one hash, so on a cluster one shard holds them (a
// hundred thousand bans are some 20 MB) and carries their few writes.
type Replicator struct {
	conn  *redisconn.Conn
	store *Store
	key   string
	id    string // this replica, to skip its own messages

	publish, spublish, clean *rueidis.Lua

	pending map[netip.Prefix]*Ban // taken from the store, not yet pushed; Run's only
}

// redisOpTimeout bounds one call to Redis; redisBackoff is the pause before trying again
// after a failure; redisCleanEvery is how often expired entries are removed from the
// hash.
const (
	redisOpTimeout  = 2 * time.Second
	redisBackoff    = time.Second
	redisCleanEvery = time.Minute
	// tombstoneTTL is how long the record of a lifted ban stays in the hash.
	tombstoneTTL = 7 * 24 * time.Hour
)

// NewReplicator returns a replicator of store (which must journal: Options.Journal) through
// conn, under key. It does not contact Redis: Run does.
func NewReplicator(conn *redisconn.Conn, store *Store, key string) (*Replicator, error) {
	if !store.opts.Journal {
		return nil, errors.New("bans: redis: the store does not journal its changes (Options.Journal)")
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	// The change scripts are sent whole (EVAL), not by their SHA: ExecMulti would first
	// load them on every node of a cluster, and fail while one is down. Changes are few
	// and the scripts short.
	return &Replicator{
		conn: conn, store: store, key: key, id: hex.EncodeToString(id[:]),
		publish:  rueidis.NewLuaScriptNoSha(fmt.Sprintf(changeScript, "PUBLISH")),
		spublish: rueidis.NewLuaScriptNoSha(fmt.Sprintf(changeScript, "SPUBLISH")),
		clean:    rueidis.NewLuaScript(cleanScript),
		pending:  make(map[netip.Prefix]*Ban),
	}, nil
}

// The scripts. KEYS[1] is the hash; the channel has the same name.
const (
	// ARGV: prefix, record, message. %s is PUBLISH, or SPUBLISH for a cluster's shard
	// channel.
	changeScript = `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('%s', KEYS[1], ARGV[3])
return 1`
	// ARGV: now in Unix milliseconds. Removes the entries whose expiry has passed.
	cleanScript = `local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  local ok, r = pcall(cjson.decode, all[i + 1])
  if ok and type(r) == 'table' and type(r.exp) == 'number' and r.exp > 0 and r.exp <= now then
    redis.call('HDEL', KEYS[1], all[i])
    n = n + 1
  end
end
return n`
)

// record is a hash value: a ban, or the tombstone of one (Ban nil).
type record struct {
	Exp int64 `json:"exp"` // Unix milliseconds; 0: never
	Ban *Ban  `json:"ban,omitempty"`
}

// message is what the channel carries: a ban, or the prefix of an unban.
type message struct {
	From   string       `json:"from"`
	Ban    *Ban         `json:"ban,omitempty"`
	Prefix netip.Prefix `json:"prefix"`
}

// Event kinds Replicator.Run reports, beside those of Store.Run.
const (
	EventRemoteBan   EventKind = iota + 10 // a ban from another replica applied (Bans)
	EventRemoteUnban                       // a ban lifted on another replica (Bans: the prefix only)
	EventSynced                            // (re)synchronised with Redis (Added, Removed)
	EventRedisDown                         // Redis failed (Err); reported once per outage
)

// Run shares the store's bans until ctx is done, reading the time from now and reporting
// to report (from Run's goroutine). It reconnects after every failure.
func (r *Replicator) Run(ctx context.Context, now func() time.Time, report func(Event)) {
	down := false
	fail := func(err error) {
		if !down && ctx.Err() == nil {
			report(Event{Kind: EventRedisDown, Err: fmt.Errorf("bans: redis: %w", err)})
		}
		down = true
	}
	for ctx.Err() == nil {
		if err := r.session(ctx, now, report, &down); err != nil {
			fail(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(redisBackoff):
		}
	}
}

// session is one subscription: synchronise, then follow the channel and push local
// changes until something fails.
func (r *Replicator) session(ctx context.Context, now func() time.Time, report func(Event), down *bool) error {
	client, err := r.conn.Client()
	if err != nil {
		return err
	}
	sharded, err := r.sharded(ctx, client)
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan string, queueSize)
	overflow := make(chan struct{})
	subscribed := make(chan struct{})
	done := make(chan error, 1)
	subscribe, kind := client.B().Subscribe().Channel(r.key).Build(), "subscribe"
	if sharded {
		subscribe, kind = client.B().Ssubscribe().Channel(r.key).Build(), "ssubscribe"
	}
	hooked := rueidis.WithOnSubscriptionHook(sctx, func(s rueidis.PubSubSubscription) {
		if s.Kind == kind {
			close(subscribed)
		}
	})
	go func() {
		err := client.Receive(hooked, subscribe, func(m rueidis.PubSubMessage) {
			select {
			case msgs <- m.Message:
			default:
				// Too far behind: drop the subscription and synchronise afresh.
				select {
				case <-overflow:
				default:
					close(overflow)
				}
			}
		})
		if err == nil { // a subscription that ends is a failure however it ends
			err = errors.New("subscription ended")
		}
		done <- err
	}()
	wait := func() { // ends the subscription
		cancel()
		<-done
	}
	select {
	case <-ctx.Done():
		wait()
		return nil
	case err := <-done:
		return err
	case <-subscribed:
	}

	change := r.publish
	if sharded {
		change = r.spublish
	}
	added, removed, err := r.sync(ctx, client, change, now)
	if err != nil {
		wait()
		return err
	}
	*down = false
	report(Event{Kind: EventSynced, Added: added, Removed: removed})

	clean := time.NewTicker(redisCleanEvery)
	defer clean.Stop()
	for {
		select {
		case <-ctx.Done():
			wait()
			return nil
		case err := <-done:
			return err
		case <-overflow:
			wait()
			return errors.New("fell behind the channel; synchronising again")
		case m := <-msgs:
			r.receive(m, now(), report)
		case <-r.store.Changes():
			if err := r.push(ctx, client, change, now()); err != nil {
				wait()
				return err
			}
		case <-clean.C:
			if err := r.cleanExpired(ctx, client, now()); err != nil {
				wait()
				return err
			}
		}
	}
}

// sharded reports whether the session announces on a shard channel: on a cluster whose
// servers have sharded pub/sub (Redis 7 and later). Any node can tell, but not every
// node answers (a dead master stays among the client's nodes while it is a seed): it
// asks up to three.
func (r *Replicator) sharded(ctx context.Context, client rueidis.Client) (bool, error) {
	if !r.conn.Cluster() {
		return false, nil
	}
	var err error
	tries := 0
	for _, n := range client.Nodes() {
		if tries++; tries > 3 {
			break
		}
		var info string
		if info, err = r.do(ctx, n, n.B().Info().Section("server").Build()).ToString(); err != nil {
			continue
		}
		_, v, _ := strings.Cut(info, "redis_version:")
		major, _, _ := strings.Cut(v, ".")
		n, _ := strconv.Atoi(major)
		return n >= 7, nil
	}
	if err == nil {
		err = errors.New("no cluster node known")
	}
	return false, err
}

// sync pushes the changes waiting, removes expired records, reconciles the store with
// the hash, and shares the local bans the hash did not know.
func (r *Replicator) sync(ctx context.Context, client rueidis.Client, change *rueidis.Lua, now func() time.Time) (added, removed int, err error) {
	if err := r.push(ctx, client, change, now()); err != nil {
		return 0, 0, err
	}
	if err := r.cleanExpired(ctx, client, now()); err != nil {
		return 0, 0, err
	}
	all, err := r.do(ctx, client, client.B().Hgetall().Key(r.key).Build()).AsStrMap()
	if err != nil {
		return 0, 0, err
	}
	var live []Ban
	var lifted []netip.Prefix
	var errs []error
	for field, v := range all {
		var rec record
		if err := json.Unmarshal([]byte(v), &rec); err != nil {
			errs = append(errs, fmt.Errorf("bans: redis: %s field %q: %w", r.key, field, err))
			continue
		}
		if rec.Ban != nil {
			live = append(live, *rec.Ban)
		} else if p, err := netip.ParsePrefix(field); err == nil {
			lifted = append(lifted, p)
		}
	}
	unshared, added, removed, err := r.store.Reconcile(live, lifted, now())
	errs = append(errs, err)
	for _, b := range unshared {
		r.pending[b.Prefix] = &b
	}
	if err := r.push(ctx, client, change, now()); err != nil {
		return added, removed, err
	}
	return added, removed, errors.Join(errs...)
}

// do runs one command with its own timeout.
func (r *Replicator) do(ctx context.Context, client rueidis.Client, cmd rueidis.Completed) rueidis.RedisResult {
	cctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	return client.Do(cctx, cmd)
}

// push sends the local changes, those the store journaled and those that failed before,
// pipelined: one run of the change script per change, in one round trip. now dates
// tombstones.
func (r *Replicator) push(ctx context.Context, client rueidis.Client, change *rueidis.Lua, now time.Time) error {
	for p, b := range r.store.TakeChanges() {
		r.pending[p] = b
	}
	if len(r.pending) == 0 {
		return nil
	}
	prefixes := make([]netip.Prefix, 0, len(r.pending))
	execs := make([]rueidis.LuaExec, 0, len(r.pending))
	for p, b := range r.pending {
		args, err := r.changeArgs(p, b, now)
		if err != nil {
			return err
		}
		prefixes = append(prefixes, p)
		execs = append(execs, rueidis.LuaExec{Keys: []string{r.key}, Args: args})
	}
	cctx, cancel := context.WithTimeout(ctx, redisOpTimeout+time.Duration(len(execs))*time.Millisecond)
	defer cancel()
	var errs []error
	for i, res := range change.ExecMulti(cctx, client, execs...) {
		if err := res.Error(); err != nil {
			errs = append(errs, err)
			continue
		}
		delete(r.pending, prefixes[i])
	}
	if len(errs) > 0 {
		return errs[0] // the rest are likely the same failure
	}
	return nil
}

// changeArgs are the script's arguments for one change: b, or nil for an unban of p (a
// tombstone until now+tombstoneTTL).
func (r *Replicator) changeArgs(p netip.Prefix, b *Ban, now time.Time) ([]string, error) {
	msg, err := json.Marshal(message{From: r.id, Ban: b, Prefix: p})
	if err != nil {
		return nil, err
	}
	rec := record{Ban: b, Exp: now.Add(tombstoneTTL).UnixMilli()}
	if b != nil {
		rec.Exp = 0
		if !b.Expires.IsZero() {
			rec.Exp = b.Expires.UnixMilli()
		}
	}
	val, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return []string{p.String(), string(val), string(msg)}, nil
}

// receive applies a message from the channel, unless this replica sent it.
func (r *Replicator) receive(text string, now time.Time, report func(Event)) {
	var m message
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		report(Event{Kind: EventError, Err: fmt.Errorf("bans: redis: a message on %s: %w", r.key, err)})
		return
	}
	if m.From == r.id {
		return
	}
	if _, waiting := r.pending[m.Prefix]; waiting {
		return // a newer local change goes out after this one
	}
	changed, err := r.store.ApplyRemote(m.Prefix, m.Ban, now)
	if err != nil {
		report(Event{Kind: EventError, Err: err})
	}
	switch {
	case !changed:
	case m.Ban != nil:
		report(Event{Kind: EventRemoteBan, Bans: []Ban{*m.Ban}})
	default:
		report(Event{Kind: EventRemoteUnban, Bans: []Ban{{Prefix: m.Prefix}}})
	}
}

// cleanExpired removes the entries whose expiry has passed from the hash.
func (r *Replicator) cleanExpired(ctx context.Context, client rueidis.Client, now time.Time) error {
	cctx, cancel := context.WithTimeout(ctx, redisOpTimeout)
	defer cancel()
	// The script's reply is the number of entries removed; only its failure matters.
	return r.clean.Exec(cctx, client, []string{r.key}, []string{strconv.FormatInt(now.UnixMilli(), 10)}).Error()
}
