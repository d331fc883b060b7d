// Package redisconn connects sidewall to the Redis its replicas share, in each of the
// three shapes a deployment runs: one standalone server, a Redis Cluster (or a managed
// cluster-mode service), or a master with replicas watched by Sentinels. It is the one
// place that decides how sidewall dials Redis; the rate limiter and the sharing of bans
// each hold a [Conn] and take its client for every call.
//
// # How it works
//
// rueidis does the work: it routes each command to the master of its key's hash slot on
// a cluster (and learns the new map when a master fails over), and asks the Sentinels for
// the master and switches when they announce a new one. This package chooses its options:
// no client-side cache and no retries (a decision that fails is decided by the fallback,
// which is sidewall's retry), a bounded dial, a cluster map refreshed every second and a
// Sentinel view reconciled every two seconds besides the events that move them, so that
// a missed event delays a failover's end by seconds, not forever.
//
// A Redis that is down must fail neither sidewall's start nor `sidewall -t`. A
// standalone client connects when first used, so it exists from the start; but rueidis
// gives no cluster or Sentinel client until it has read the cluster's slots or a
// Sentinel's answer. So [Dial] tries once, and when that fails it returns a Conn without a
// client and keeps trying in the background, once a second, until it has one:
// [Conn.Client] says "not connected" meanwhile, and its callers fall back as they do
// when Redis stops answering.
//
// For the log, a cluster or Sentinel Conn watches which node is master: Sentinel's is
// the client's own (what its commands go to, read every 100 ms); a cluster's is the map
// that CLUSTER SLOTS gives, asked of a node that answers every half second (the client
// keeps its own map, refreshed every second and after a redirection or a lost node).
// It reports each change through Options.Report, so an operator sees when sidewall
// follows a failover. The package does not log.
package redisconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"
)

// DefaultDialTimeout is Options.DialTimeout when it is 0: a connection attempt at start,
// when no decision's own timeout applies yet, waits at most this long.
const DefaultDialTimeout = time.Second

// How often the background work runs: a connection attempt while there is no client,
// the Sentinel client's master read, the cluster's slot map read, rueidis's own cluster
// refresh and its Sentinel reconciliation.
const (
	redialEvery          = time.Second
	sentinelWatchEvery   = 100 * time.Millisecond
	clusterWatchEvery    = 500 * time.Millisecond
	clusterRefreshEvery  = time.Second
	sentinelRefreshEvery = 2 * time.Second
)

// Options say which Redis to connect to and how. Exactly one of Addr, Cluster and
// Sentinels is set.
type Options struct {
	// Addr is host:port of a standalone Redis.
	Addr string
	// Cluster are host:port of nodes of a Redis Cluster, to learn the rest from.
	Cluster []string
	// Sentinels are host:port of Sentinels that watch MasterSet.
	Sentinels []string
	MasterSet string

	// Username and Password authenticate to Redis (ACL; Username "" is the default
	// user), SentinelUsername and SentinelPassword to the Sentinels.
	Username, Password                 string
	SentinelUsername, SentinelPassword string
	// DB is the database number; a cluster has 0 only.
	DB int
	// TLS, when set, encrypts every connection with it: to the nodes and the Sentinels.
	TLS *tls.Config
	// DialTimeout bounds each connection attempt; 0 means DefaultDialTimeout.
	DialTimeout time.Duration

	// Report, if set, receives the Conn's events, from its own goroutine.
	Report func(Event)
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventConnected: a Conn whose Dial failed has its client at last.
	EventConnected EventKind = iota
	// EventMasters: the masters, first seen (Masters).
	EventMasters
	// EventNewMaster: Where (the Sentinel master set, or a cluster's slot range) has a
	// new master, To, in place of From; the client follows it.
	EventNewMaster
)

// Event is something a Conn reports.
type Event struct {
	Kind     EventKind
	Masters  []string // EventMasters: "set host:port" or "slots host:port", one per master
	Where    string   // EventNewMaster
	From, To string   // EventNewMaster
}

// ErrNotConnected is what Conn.Client returns (wrapped with the last attempt's error)
// while a Conn has no client yet.
var ErrNotConnected = errors.New("redisconn: not connected yet")

// Conn is a connection to the Redis of Options, in whichever shape. Its methods are safe
// for concurrent use. Close it when done: it releases the client and ends the background
// goroutine.
type Conn struct {
	opts   Options
	ropts  rueidis.ClientOption
	client atomic.Pointer[client]
	last   atomic.Pointer[error] // while not connected: why the last attempt failed
	ctx    context.Context       // the background work's, cancelled by Close
	stop   context.CancelFunc
	done   chan struct{}
}

// client boxes the interface for atomic.Pointer.
type client struct{ rueidis.Client }

// Dial connects to the Redis of o. It returns an error and no Conn only when o itself is
// wrong. When Redis cannot be reached it returns a working Conn together with the error:
// the Conn connects once Redis answers (see the package comment).
func Dial(o Options) (*Conn, error) {
	ro, err := clientOption(o)
	if err != nil {
		return nil, err
	}
	c := &Conn{opts: o, ropts: ro, done: make(chan struct{})}
	c.ctx, c.stop = context.WithCancel(context.Background())
	rc, err := rueidis.NewClient(ro)
	if err != nil {
		err = fmt.Errorf("redisconn: %s: %w", c, err)
	}
	if rc != nil {
		c.client.Store(&client{rc})
	} else {
		c.last.Store(&err)
	}
	if o.Addr != "" {
		close(c.done) // nothing to watch: the standalone client reconnects by itself
	} else {
		go c.run()
	}
	return c, err
}

// clientOption is rueidis's option for o, or why o is wrong.
func clientOption(o Options) (rueidis.ClientOption, error) {
	shapes := 0
	for _, set := range []bool{o.Addr != "", len(o.Cluster) > 0, len(o.Sentinels) > 0} {
		if set {
			shapes++
		}
	}
	var errs []error
	if shapes != 1 {
		errs = append(errs, errors.New("redisconn: want exactly one of an address, cluster nodes and sentinels"))
	}
	if (len(o.Sentinels) > 0) != (o.MasterSet != "") {
		errs = append(errs, errors.New("redisconn: sentinels and a master set go together"))
	}
	if len(o.Cluster) > 0 && o.DB != 0 {
		errs = append(errs, fmt.Errorf("redisconn: a cluster has database 0 only, got %d", o.DB))
	}
	if len(errs) > 0 {
		return rueidis.ClientOption{}, errors.Join(errs...)
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	ro := rueidis.ClientOption{
		Username:     o.Username,
		Password:     o.Password,
		SelectDB:     o.DB,
		TLSConfig:    o.TLS,
		ClientName:   "sidewall",
		DisableCache: true,
		DisableRetry: true,
	}
	ro.Dialer.Timeout = o.DialTimeout
	switch {
	case o.Addr != "":
		ro.InitAddress = []string{o.Addr}
		ro.ForceSingleClient = true
	case len(o.Cluster) > 0:
		ro.InitAddress = slices.Clone(o.Cluster)
		ro.ShuffleInit = true // replicas that start together do not all ask the first seed
		ro.ClusterOption.ShardsRefreshInterval = clusterRefreshEvery
	default:
		ro.InitAddress = slices.Clone(o.Sentinels)
		ro.Sentinel.MasterSet = o.MasterSet
		ro.Sentinel.Username = o.SentinelUsername
		ro.Sentinel.Password = o.SentinelPassword
		ro.Sentinel.TLSConfig = o.TLS
		ro.Sentinel.Dialer.Timeout = o.DialTimeout
		ro.Sentinel.TopologyRefreshInterval = sentinelRefreshEvery
	}
	return ro, nil
}

// Client returns the client, or ErrNotConnected (with why) while there is none yet. Its
// calls go to the current master of each key.
func (c *Conn) Client() (rueidis.Client, error) {
	if p := c.client.Load(); p != nil {
		return p.Client, nil
	}
	if err := c.last.Load(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotConnected, *err)
	}
	return nil, ErrNotConnected
}

// Cluster reports whether the Conn is to a Redis Cluster.
func (c *Conn) Cluster() bool { return len(c.opts.Cluster) > 0 }

// String names the Redis for messages: "127.0.0.1:6379", "cluster 10.0.0.1:6379,...",
// "sentinel mymaster at 10.0.0.1:26379,...".
func (c *Conn) String() string {
	switch {
	case c.opts.Addr != "":
		return c.opts.Addr
	case len(c.opts.Cluster) > 0:
		return "cluster " + strings.Join(c.opts.Cluster, ",")
	default:
		return "sentinel " + c.opts.MasterSet + " at " + strings.Join(c.opts.Sentinels, ",")
	}
}

// Close ends the background work and closes the client. Calls already made finish
// first (rueidis waits for them), and so does a connection attempt in progress (a
// dial timeout per address at most).
func (c *Conn) Close() {
	c.stop()
	<-c.done
	if p := c.client.Load(); p != nil {
		p.Close()
	}
}

// run connects, when Dial could not, then watches the masters until Close.
func (c *Conn) run() {
	defer close(c.done)
	if c.client.Load() == nil {
		if !c.connect() {
			return
		}
		c.report(Event{Kind: EventConnected})
	}
	every := clusterWatchEvery
	if len(c.opts.Sentinels) > 0 {
		every = sentinelWatchEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var seen map[string]string // where -> master
	for {
		if now := c.masters(); now != nil {
			c.compare(seen, now)
			seen = now
		}
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// connect makes a client, once every redialEvery, until one works (true) or Close
// (false).
func (c *Conn) connect() bool {
	for {
		select {
		case <-c.ctx.Done():
			return false
		case <-time.After(redialEvery):
		}
		rc, err := rueidis.NewClient(c.ropts)
		if err == nil {
			c.client.Store(&client{rc})
			return true
		}
		if rc != nil {
			rc.Close()
		}
		err = fmt.Errorf("redisconn: %s: %w", c, err)
		c.last.Store(&err)
	}
}

// masters returns where -> master address now, or nil when it cannot tell.
func (c *Conn) masters() map[string]string {
	p := c.client.Load()
	if p == nil {
		return nil
	}
	if len(c.opts.Sentinels) > 0 {
		for addr := range p.Nodes() { // the one master the client sends to
			return map[string]string{c.opts.MasterSet: addr}
		}
		return nil
	}
	// Any node's map will do, but not every node answers: the dead master stays among
	// the client's nodes while it is a seed. Ask up to three.
	tries := 0
	for _, n := range p.Nodes() {
		if tries++; tries > 3 {
			break
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.ropts.Dialer.Timeout)
		reply, err := n.Do(ctx, n.B().ClusterSlots().Build()).ToArray()
		cancel()
		if err != nil {
			continue
		}
		if m := slotMasters(reply); m != nil {
			return m
		}
	}
	return nil
}

// slotMasters reads CLUSTER SLOTS: "slots FROM-TO" -> the master's address, or nil when
// the reply is malformed.
func slotMasters(reply []rueidis.RedisMessage) map[string]string {
	out := make(map[string]string, len(reply))
	for _, r := range reply {
		f, err := r.ToArray()
		if err != nil || len(f) < 3 {
			return nil
		}
		from, err1 := f[0].AsInt64()
		to, err2 := f[1].AsInt64()
		node, err3 := f[2].ToArray()
		if err1 != nil || err2 != nil || err3 != nil || len(node) < 2 {
			return nil
		}
		host, err1 := node[0].ToString()
		port, err2 := node[1].AsInt64()
		if err1 != nil || err2 != nil {
			return nil
		}
		out[fmt.Sprintf("slots %d-%d", from, to)] = host + ":" + strconv.FormatInt(port, 10)
	}
	return out
}

// compare reports the masters when first seen, and each that changed since.
func (c *Conn) compare(seen, now map[string]string) {
	if seen == nil {
		var list []string
		for where, addr := range now {
			list = append(list, where+" "+addr)
		}
		slices.Sort(list)
		c.report(Event{Kind: EventMasters, Masters: list})
		return
	}
	var where []string
	for w, addr := range now {
		if seen[w] != addr {
			where = append(where, w)
		}
	}
	slices.Sort(where)
	for _, w := range where {
		c.report(Event{Kind: EventNewMaster, Where: w, From: seen[w], To: now[w]})
	}
}

func (c *Conn) report(e Event) {
	if c.opts.Report != nil {
		c.opts.Report(e)
	}
}
