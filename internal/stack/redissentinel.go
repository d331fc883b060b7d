package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// SentinelDownAfter is the down-after-milliseconds of the Sentinels StartRedisSentinel
// runs: a master that stops answering is failed over about this long later, plus the
// Sentinels' vote. Production runs 30 s; the tests keep failovers short.
const SentinelDownAfter = 500 * time.Millisecond

// SentinelMasterSet is the name the Sentinels of StartRedisSentinel monitor.
const SentinelMasterSet = "sidewall"

// RedisSentinel is a master and a replica watched by three Sentinels, on loopback. Its
// methods are not safe for concurrent use.
type RedisSentinel struct {
	Data      []*Redis // the master as started, then its replica; which is master changes with failovers
	Sentinels []*Redis
}

// StartRedisSentinel runs a master, a replica of it and three Sentinels with quorum 2
// (Debian's redis-server, which is also the Sentinel: redis-server --sentinel), and waits
// until the replica's link to the master is up and every Sentinel knows the replica and
// the other two, so that a failover can happen. A link up does not mean the replica
// holds the master's writes: a test that kills the master waits for that with
// Redis.WaitReplicated.
func StartRedisSentinel(ctx context.Context, dir string) (*RedisSentinel, error) {
	s := &RedisSentinel{}
	// A replica syncs at once, not after diskless sync's 5 s wait for more replicas.
	fast := []string{"--repl-diskless-sync-delay", "0"}
	master, err := StartRedisWith(ctx, mkdir(dir, "master"), RedisOptions{Args: fast})
	if err != nil {
		return nil, err
	}
	s.Data = append(s.Data, master)
	replica, err := StartRedisWith(ctx, mkdir(dir, "replica"), RedisOptions{Args: append(fast,
		"--replicaof", "127.0.0.1", strconv.Itoa(master.Port))})
	if err != nil {
		s.Stop()
		return nil, err
	}
	s.Data = append(s.Data, replica)
	// Sentinels find the replica through the master's INFO and each other through hello
	// messages every 2 s; told both in their configuration (with ids of our choosing),
	// they are ready at once instead of some 5 s later.
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = FreePort(); err != nil {
			s.Stop()
			return nil, err
		}
	}
	id := func(i int) string { return fmt.Sprintf("%040x", i+1) }
	errs := make([]error, 3)
	s.Sentinels = make([]*Redis, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		conf := fmt.Sprintf("sentinel myid %s\n", id(i)) +
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 2\n", SentinelMasterSet, master.Port) +
			fmt.Sprintf("sentinel down-after-milliseconds %s %d\n", SentinelMasterSet, SentinelDownAfter.Milliseconds()) +
			fmt.Sprintf("sentinel failover-timeout %s 5000\n", SentinelMasterSet) +
			fmt.Sprintf("sentinel known-replica %s 127.0.0.1 %d\n", SentinelMasterSet, replica.Port)
		for j := range 3 {
			if j != i {
				conf += fmt.Sprintf("sentinel known-sentinel %s 127.0.0.1 %d %s\n", SentinelMasterSet, ports[j], id(j))
			}
		}
		wg.Go(func() {
			s.Sentinels[i], errs[i] = startRedisOn(ctx, mkdir(dir, fmt.Sprintf("sentinel%d", i)), ports[i], RedisOptions{Sentinel: conf})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.Stop()
		return nil, err
	}
	if err := s.WaitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func mkdir(dir, name string) string {
	d := filepath.Join(dir, name)
	os.MkdirAll(d, 0o755) // a failure shows when redis-server cannot use it
	return d
}

// Addrs are the Sentinels' addresses.
func (s *RedisSentinel) Addrs() []string { return addrs(s.Sentinels) }

// WaitReady waits (15 s at most) until every running Sentinel names a running master
// that has a replica with its link up, and knows the other Sentinels: what a failover
// needs. What the new master will hold is another matter: see Redis.WaitReplicated.
func (s *RedisSentinel) WaitReady(ctx context.Context) error {
	return pollUntil(ctx, 15*time.Second, "sentinels not ready", s.ready)
}

func (s *RedisSentinel) ready(ctx context.Context) error {
	master, err := s.Master(ctx)
	if err != nil {
		return err
	}
	if !master.Running() {
		return fmt.Errorf("the master %s is down", master.Addr)
	}
	for _, n := range s.Data {
		if n == master || !n.Running() {
			continue
		}
		repl, err := n.Info(ctx, "INFO", "replication")
		if err != nil {
			return err
		}
		if repl["master_port"] != strconv.Itoa(master.Port) || repl["master_link_status"] != "up" {
			return fmt.Errorf("replica %s: master port %s, link %s", n.Addr, repl["master_port"], repl["master_link_status"])
		}
	}
	for _, sn := range s.Sentinels {
		reply, err := sn.Do(ctx, "SENTINEL", "MASTER", SentinelMasterSet)
		if err != nil {
			return err
		}
		m, err := reply.AsStrMap()
		if err != nil {
			return err
		}
		if m["port"] != strconv.Itoa(master.Port) || m["num-slaves"] != "1" || m["num-other-sentinels"] != "2" {
			return fmt.Errorf("sentinel %s: master port %s, %s replicas, %s other sentinels",
				sn.Addr, m["port"], m["num-slaves"], m["num-other-sentinels"])
		}
	}
	return nil
}

// Master returns the data node the first running Sentinel names as master now.
func (s *RedisSentinel) Master(ctx context.Context) (*Redis, error) {
	for _, sn := range s.Sentinels {
		if !sn.Running() {
			continue
		}
		reply, err := sn.Do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SentinelMasterSet)
		if err != nil {
			return nil, err
		}
		hp, err := reply.AsStrSlice()
		if err != nil || len(hp) != 2 {
			return nil, fmt.Errorf("stack: sentinel %s names no master: %v %v", sn.Addr, hp, err)
		}
		for _, n := range s.Data {
			if n.Addr == hp[0]+":"+hp[1] {
				return n, nil
			}
		}
		return nil, fmt.Errorf("stack: sentinel %s names %s:%s, not a node of this set", sn.Addr, hp[0], hp[1])
	}
	return nil, errors.New("stack: no sentinel is running")
}

// Stop stops every process.
func (s *RedisSentinel) Stop() {
	var wg sync.WaitGroup
	for _, n := range append(append([]*Redis(nil), s.Sentinels...), s.Data...) {
		if n != nil {
			wg.Go(func() { n.Stop() })
		}
	}
	wg.Wait()
}
