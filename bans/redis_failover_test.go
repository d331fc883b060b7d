package bans

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/sidewall/sidewall/internal/redisconn"
	"github.com/sidewall/sidewall/internal/stack"
)

// Bans shared on a Redis Cluster and through Sentinel, across a failover: a ban made
// before, during and after the master holding the hash is killed reaches every replica.

func TestRedisClusterSharesBansThroughFailover(t *testing.T) {
	ctx := context.Background()
	cl, err := stack.StartRedisCluster(ctx, t.TempDir(), 3, 1)
	skipWithoutRedis(t, err)
	t.Cleanup(cl.Stop)
	master, err := cl.MasterOf(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	testBansThroughFailover(t, redisconn.Options{Cluster: cl.Seeds()}, master, func(rs []*replica) {
		// Sharded pub/sub: the three subscriptions are on the hash's own shard.
		reply, err := master.Do(ctx, "PUBSUB", "SHARDNUMSUB", key)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := reply.ToArray(); err != nil || len(v) != 2 {
			t.Fatalf("PUBSUB SHARDNUMSUB: %v %v", v, err)
		} else if n, _ := v[1].AsInt64(); n != int64(len(rs)) {
			t.Errorf("%d shard-channel subscribers on the hash's master, want %d", n, len(rs))
		}
	})
}

func TestRedisSentinelSharesBansThroughFailover(t *testing.T) {
	ctx := context.Background()
	set, err := stack.StartRedisSentinel(ctx, t.TempDir())
	skipWithoutRedis(t, err)
	t.Cleanup(set.Stop)
	master, err := set.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	testBansThroughFailover(t, redisconn.Options{Sentinels: set.Addrs(), MasterSet: stack.SentinelMasterSet}, master, nil)
}

// testBansThroughFailover runs three replicas through o, bans on A, kills master (the
// hash's) at once, bans on B while it is down, and on C once the replicas have
// synchronised with the new master: each ban reaches every replica, and the new master's
// hash holds all three. check looks at the replicas before the kill.
func testBansThroughFailover(t *testing.T, o redisconn.Options, master *stack.Redis, check func([]*replica)) {
	rs := []*replica{startReplica(t, o, ""), startReplica(t, o, ""), startReplica(t, o, "")}
	eventually(t, "the replicas synchronised", func() bool {
		return rs[0].syncs() > 0 && rs[1].syncs() > 0 && rs[2].syncs() > 0
	})
	if check != nil {
		check(rs)
	}
	ban := func(r *replica, prefix string) {
		t.Helper()
		now := time.Now()
		if _, err := r.store.Ban(Ban{Prefix: netip.MustParsePrefix(prefix), Reason: "failover test",
			Source: SourceAdmin, Expires: now.Add(time.Hour)}, now); err != nil {
			t.Fatal(err)
		}
	}
	everywhere := func(what, addr string) time.Duration {
		t.Helper()
		return eventually(t, what+" reaches every replica", func() bool {
			return rs[0].banned(addr) && rs[1].banned(addr) && rs[2].banned(addr)
		})
	}

	ban(rs[0], "192.0.2.1/32")
	everywhere("a ban before the failover", "192.0.2.1")
	synced := []int{rs[0].syncs(), rs[1].syncs(), rs[2].syncs()}

	master.Kill() // at once: A's ban may not have reached the replica yet
	killed := time.Now()
	ban(rs[1], "192.0.2.2/32")
	during := everywhere("a ban during the failover", "192.0.2.2")
	eventually(t, "every replica synchronised again", func() bool {
		return rs[0].syncs() > synced[0] && rs[1].syncs() > synced[1] && rs[2].syncs() > synced[2]
	})
	resynced := time.Since(killed)
	ban(rs[2], "192.0.2.3/32")
	after := everywhere("a ban after the failover", "192.0.2.3")
	for i, r := range rs {
		if !r.banned("192.0.2.1") {
			t.Errorf("replica %d lost the ban made before the failover", i)
		}
		r.mu.Lock()
		down := 0
		for _, e := range r.events {
			if e.Kind == EventRedisDown {
				down++
			}
		}
		r.mu.Unlock()
		if down != 1 {
			t.Errorf("replica %d reported the outage %d times, want once", i, down)
		}
	}
	client, err := rs[0].redis.conn.Client()
	if err != nil {
		t.Fatal(err)
	}
	if n, err := client.Do(context.Background(), client.B().Hlen().Key(key).Build()).AsInt64(); err != nil || n != 3 {
		t.Errorf("the new master's hash has %d records (%v), want the 3 bans", n, err)
	}
	t.Logf("after the kill: the ban made during it reached every replica after %v, every replica synchronised after %v; "+
		"a ban after it took %v", during.Round(time.Millisecond), resynced.Round(time.Millisecond), after.Round(time.Millisecond))
}
