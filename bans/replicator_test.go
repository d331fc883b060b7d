package bans

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/internal/stack"
)

// These tests run real redis-server processes (skipped when it is not installed, but
// never under make test, which installs it: stack.RedisRequired). They wait for
// replication with generous deadlines and log how long it took: the deadlines catch a
// change that never arrives, not a slow one.

const key = "sidewall:bans:test"

func skipWithoutRedis(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, stack.ErrNoRedis) && !stack.RedisRequired() {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func startRedis(t *testing.T) *stack.Redis {
	t.Helper()
	srv, err := stack.StartRedis(context.Background(), t.TempDir())
	skipWithoutRedis(t, err)
	t.Cleanup(func() { srv.Stop() })
	return srv
}

// standalone is how to reach srv.
func standalone(srv *stack.Redis) redisconn.Options { return redisconn.Options{Addr: srv.Addr} }

// replica is a store shared through Redis, with its replicator running.
type replica struct {
	store  *Store
	redis  *Replicator
	mu     sync.Mutex
	events []Event
}

func startReplica(t *testing.T, o redisconn.Options, file string) *replica {
	t.Helper()
	conn, err := redisconn.Dial(o)
	if conn == nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Close)
	store, err := Open(Options{File: file, Journal: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{store: store}
	if r.redis, err = NewReplicator(conn, store, key); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		r.redis.Run(ctx, time.Now, func(e Event) {
			r.mu.Lock()
			r.events = append(r.events, e)
			r.mu.Unlock()
		})
		close(done)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// syncs counts the EventSynced the replica reported.
func (r *replica) syncs() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == EventSynced {
			n++
		}
	}
	return n
}

func (r *replica) banned(addr string) bool {
	m, ok := r.store.Lookup(netip.MustParseAddr(addr))
	return ok && m.Active(time.Now())
}

// eventually waits up to ten seconds for cond, and returns how long it took.
func eventually(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s: not after %v", what, time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestRedisSharesBans(t *testing.T) {
	srv := startRedis(t)
	a := startReplica(t, standalone(srv), "")
	b := startReplica(t, standalone(srv), "")
	eventually(t, "both replicas synchronised", func() bool { return a.syncs() > 0 && b.syncs() > 0 })

	now := time.Now()
	if _, err := a.store.Ban(Ban{Prefix: netip.MustParsePrefix("203.0.113.9/32"), Reason: "shared",
		Source: SourceAdmin, Expires: now.Add(time.Hour)}, now); err != nil {
		t.Fatal(err)
	}
	took := eventually(t, "a ban on A reaches B", func() bool { return b.banned("203.0.113.9") })
	t.Logf("ban replicated in %v", took)
	if got := b.store.List(time.Now()); len(got) != 1 || got[0].Reason != "shared" || got[0].Source != SourceAdmin {
		t.Errorf("B holds %+v", got)
	}

	// Auto-bans, applied from the queue, are shared too.
	a.store.Submit(Ban{Prefix: netip.MustParsePrefix("2001:db8:1:2::/64"), Reason: "autoban", Source: SourceAutoBan,
		Expires: time.Now().Add(time.Hour)})
	if _, err := a.store.ApplyQueued(time.Now()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an auto-ban on A reaches B", func() bool { return b.banned("2001:db8:1:2::77") })

	// Unban on B lifts it on A.
	if _, err := b.store.Unban(netip.MustParsePrefix("203.0.113.9/32")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "an unban on B reaches A", func() bool { return !a.banned("203.0.113.9") })

	// A replica that starts later loads the bans in force.
	c := startReplica(t, standalone(srv), "")
	eventually(t, "a new replica loads the shared set", func() bool { return c.banned("2001:db8:1:2::1") })
	if c.banned("203.0.113.9") {
		t.Error("a new replica loaded a lifted ban")
	}
}

// TestRedisOutage: changes made while Redis is down go out when it is back, and a Redis
// that lost its data (no persistence) is rebuilt from the replicas' sets.
func TestRedisOutage(t *testing.T) {
	srv := startRedis(t)
	a := startReplica(t, standalone(srv), "")
	b := startReplica(t, standalone(srv), "")
	eventually(t, "both replicas synchronised", func() bool { return a.syncs() > 0 && b.syncs() > 0 })
	now := time.Now()
	if _, err := a.store.Ban(Ban{Prefix: netip.MustParsePrefix("192.0.2.1/32"), Source: SourceAdmin}, now); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first ban reaches B", func() bool { return b.banned("192.0.2.1") })

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	// Down: the ban applies locally at once, and waits to be shared.
	if _, err := a.store.Ban(Ban{Prefix: netip.MustParsePrefix("192.0.2.2/32"), Source: SourceAdmin}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !a.banned("192.0.2.2") {
		t.Fatal("a ban made while Redis is down does not apply locally")
	}
	syncsA, syncsB := a.syncs(), b.syncs()
	if err := srv.Start(context.Background()); err != nil { // empty: it saved nothing
		t.Fatal(err)
	}
	// A new replica with no bans, likely to synchronise first (the others wait out their
	// backoff): it must not make the empty hash everyone's set.
	c := startReplica(t, standalone(srv), "")
	eventually(t, "all replicas synchronised again", func() bool { return a.syncs() > syncsA && b.syncs() > syncsB && c.syncs() > 0 })
	eventually(t, "the ban made during the outage reaches B", func() bool { return b.banned("192.0.2.2") })
	for name, r := range map[string]*replica{"A": a, "B": b, "C": c} {
		eventually(t, "replica "+name+" holds both bans after Redis lost its data", func() bool {
			return r.banned("192.0.2.1") && r.banned("192.0.2.2")
		})
	}
	d := startReplica(t, standalone(srv), "")
	eventually(t, "a new replica loads the rebuilt set", func() bool { return d.banned("192.0.2.1") && d.banned("192.0.2.2") })

	var down bool
	a.mu.Lock()
	for _, e := range a.events {
		down = down || e.Kind == EventRedisDown
	}
	a.mu.Unlock()
	if !down {
		t.Error("the outage was not reported")
	}
}

// TestRedisCleansExpired: entries past their expiry are removed from the hash.
func TestRedisCleansExpired(t *testing.T) {
	srv := startRedis(t)
	a := startReplica(t, standalone(srv), "")
	eventually(t, "synchronised", func() bool { return a.syncs() > 0 })
	now := time.Now()
	a.store.Ban(Ban{Prefix: netip.MustParsePrefix("192.0.2.1/32"), Source: SourceAdmin, Expires: now.Add(time.Hour)}, now)
	a.store.Ban(Ban{Prefix: netip.MustParsePrefix("192.0.2.2/32"), Source: SourceAdmin}, now)

	client, err := a.redis.conn.Client()
	if err != nil {
		t.Fatal(err)
	}
	fields := func() int {
		n, err := client.Do(context.Background(), client.B().Hlen().Key(key).Build()).AsInt64()
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	a.store.Ban(Ban{Prefix: netip.MustParsePrefix("192.0.2.3/32"), Source: SourceAdmin}, now)
	a.store.Unban(netip.MustParsePrefix("192.0.2.3/32")) // a tombstone for tombstoneTTL
	eventually(t, "three records in the hash", func() bool { return fields() == 3 })
	if err := a.redis.cleanExpired(context.Background(), client, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := fields(); n != 2 {
		t.Errorf("%d fields after the clean-up at +2h, want 2 (the permanent ban and the tombstone)", n)
	}
	if err := a.redis.cleanExpired(context.Background(), client, now.Add(tombstoneTTL+time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := fields(); n != 1 {
		t.Errorf("%d fields after the tombstone expired, want 1", n)
	}
}

func TestNewReplicatorNeedsJournal(t *testing.T) {
	store, _ := Open(Options{}, t0)
	if _, err := NewReplicator(nil, store, key); err == nil {
		t.Error("NewReplicator accepted a store that does not journal")
	}
}

// TestApplyRemoteKeepsLocalChanges: a remote change never overrides a newer local one.
func TestApplyRemoteKeepsLocalChanges(t *testing.T) {
	store, _ := Open(Options{Journal: true}, t0)
	p := netip.MustParsePrefix("192.0.2.1/32")
	store.Ban(Ban{Prefix: p, Reason: "local", Source: SourceAdmin}, t0)
	if changed, _ := store.ApplyRemote(p, nil, t0); changed {
		t.Error("a remote unban overrode a local ban not yet shared")
	}
	if got := store.TakeChanges(); len(got) != 1 || got[p] == nil || got[p].Reason != "local" {
		t.Errorf("TakeChanges = %v", got)
	}
	if changed, _ := store.ApplyRemote(p, nil, t0); !changed {
		t.Error("a remote unban did not apply once the local ban was shared")
	}
	if got := store.TakeChanges(); got != nil {
		t.Errorf("a remote change was journaled: %v", got)
	}
	// Reconcile keeps a local change not yet taken, even against a tombstone.
	store.Ban(Ban{Prefix: p, Reason: "again", Source: SourceAdmin}, t0)
	if _, _, _, err := store.Reconcile(nil, []netip.Prefix{p}, t0); err != nil {
		t.Fatal(err)
	}
	if got := store.List(t0); len(got) != 1 || got[0].Reason != "again" {
		t.Errorf("Reconcile dropped a local change not yet shared: %+v", got)
	}
}

// TestReconcile: the shared version wins, tombstones lift, and local bans the shared set
// does not know are kept and returned for sharing.
func TestReconcile(t *testing.T) {
	store, _ := Open(Options{Journal: true}, t0)
	pfx := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	for _, b := range []Ban{
		{Prefix: pfx("192.0.2.1/32"), Reason: "local version"},
		{Prefix: pfx("192.0.2.2/32"), Reason: "lifted elsewhere"},
		{Prefix: pfx("192.0.2.3/32"), Reason: "unknown to redis"},
	} {
		store.Ban(b, t0)
	}
	store.TakeChanges() // shared already
	unshared, added, removed, err := store.Reconcile([]Ban{
		{Prefix: pfx("192.0.2.1/32"), Reason: "shared version"},
		{Prefix: pfx("192.0.2.4/32"), Reason: "from another replica"},
		{Prefix: pfx("192.0.2.5/32"), Reason: "expired", Expires: t0},
	}, []netip.Prefix{pfx("192.0.2.2/32")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(unshared) != 1 || unshared[0].Reason != "unknown to redis" {
		t.Errorf("unshared = %+v", unshared)
	}
	var got []string
	for _, b := range store.List(t0) {
		got = append(got, b.Prefix.String()+" "+b.Reason)
	}
	want := []string{"192.0.2.1/32 shared version", "192.0.2.3/32 unknown to redis", "192.0.2.4/32 from another replica"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || added != 2 || removed != 1 {
		t.Errorf("after Reconcile (added %d, removed %d):\n%s\nwant:\n%s", added, removed, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if store.TakeChanges() != nil {
		t.Error("Reconcile journaled")
	}
}
