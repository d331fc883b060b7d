package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ClusterNodeTimeout is the cluster-node-timeout of the clusters StartRedisCluster runs:
// a master that stops answering is failed over about three of these later (the others
// agree it failed, then its replica waits its turn and is elected). Production clusters
// run 15 s; the tests keep failovers short.
const ClusterNodeTimeout = 500 * time.Millisecond

// RedisCluster is a Redis Cluster on loopback: masters with replicas, made by `redis-cli
// --cluster create` as an operator would. Its methods are not safe for concurrent use.
type RedisCluster struct {
	Nodes []*Redis // masters first as created; which is master changes with failovers
	dir   string
}

// StartRedisCluster runs masters redis-servers with replicas replicas each (Debian's
// redis-server and redis-cli), lets redis-cli assign the slots and the replicas, and waits
// until every node sees the cluster ok and every replica's link to its master is up, so
// that a failover can pick it. A link up does not mean the replica holds its master's
// writes: a test that kills a master waits for that with Redis.WaitReplicated.
func StartRedisCluster(ctx context.Context, dir string, masters, replicas int) (*RedisCluster, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, ErrNoRedis
	}
	c := &RedisCluster{dir: dir}
	n := masters * (1 + replicas)
	errs := make([]error, n)
	c.Nodes = make([]*Redis, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			nodeDir := filepath.Join(dir, fmt.Sprintf("node%d", i))
			if errs[i] = os.MkdirAll(nodeDir, 0o755); errs[i] != nil {
				return
			}
			c.Nodes[i], errs[i] = StartRedisWith(ctx, nodeDir, RedisOptions{Args: []string{
				"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", strconv.Itoa(int(ClusterNodeTimeout.Milliseconds())),
				// Any replica may take over, however long it was cut off: the tests kill
				// masters seconds after the start.
				"--cluster-replica-validity-factor", "0",
				"--repl-diskless-sync-delay", "0", // a replica syncs at once, not 5 s later
			}})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.Stop()
		return nil, err
	}
	args := []string{"--cluster", "create"}
	for _, node := range c.Nodes {
		args = append(args, node.Addr)
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("stack: redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.WaitHealthy(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Seeds are the addresses of every node, for a client's seed list.
func (c *RedisCluster) Seeds() []string { return addrs(c.Nodes) }

func addrs(nodes []*Redis) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Addr
	}
	return out
}

// WaitHealthy waits (10 s at most) until every running node reports cluster_state:ok, its
// slots all covered, and every running replica's link to its master is up.
func (c *RedisCluster) WaitHealthy(ctx context.Context) error {
	return pollUntil(ctx, 10*time.Second, "redis cluster not healthy", c.healthy)
}

// pollUntil runs check every 50 ms until it returns nil, for up to limit; then it
// returns the last error, after what.
func pollUntil(ctx context.Context, limit time.Duration, what string, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stack: %s: %w", what, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (c *RedisCluster) healthy(ctx context.Context) error {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		info, err := n.Info(ctx, "CLUSTER", "INFO")
		if err != nil {
			return err
		}
		if info["cluster_state"] != "ok" || info["cluster_slots_ok"] != "16384" {
			return fmt.Errorf("%s: cluster_state %s, slots ok %s", n.Addr, info["cluster_state"], info["cluster_slots_ok"])
		}
		repl, err := n.Info(ctx, "INFO", "replication")
		if err != nil {
			return err
		}
		if repl["role"] == "slave" && repl["master_link_status"] != "up" {
			return fmt.Errorf("%s: replica's link to its master is %s", n.Addr, repl["master_link_status"])
		}
	}
	return nil
}

// MasterOf returns the node that serves key's slot now, as the running nodes agree.
func (c *RedisCluster) MasterOf(ctx context.Context, key string) (*Redis, error) {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		slot, err := n.Do(ctx, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			return nil, err
		}
		s, err := slot.AsInt64()
		if err != nil {
			return nil, err
		}
		return c.masterOfSlot(ctx, n, s)
	}
	return nil, errors.New("stack: no redis cluster node is running")
}

// masterOfSlot asks n which node serves slot.
func (c *RedisCluster) masterOfSlot(ctx context.Context, n *Redis, slot int64) (*Redis, error) {
	reply, err := n.Do(ctx, "CLUSTER", "SLOTS")
	if err != nil {
		return nil, err
	}
	ranges, err := reply.ToArray()
	if err != nil {
		return nil, err
	}
	for _, r := range ranges {
		f, err := r.ToArray()
		if err != nil || len(f) < 3 {
			continue
		}
		from, _ := f[0].AsInt64()
		to, _ := f[1].AsInt64()
		if slot < from || slot > to {
			continue
		}
		master, err := f[2].ToArray()
		if err != nil || len(master) < 2 {
			return nil, fmt.Errorf("stack: CLUSTER SLOTS: a malformed master of %d-%d", from, to)
		}
		host, _ := master[0].ToString()
		port, _ := master[1].AsInt64()
		addr := fmt.Sprintf("%s:%d", host, port)
		for _, node := range c.Nodes {
			if node.Addr == addr {
				return node, nil
			}
		}
		return nil, fmt.Errorf("stack: slot %d is served by %s, not a node of this cluster", slot, addr)
	}
	return nil, fmt.Errorf("stack: slot %d is served by no node", slot)
}

// KeyOn returns a key with a hash tag, prefix + "{N}", whose slot master serves now, for
// a test that wants its data on the node it will kill.
func (c *RedisCluster) KeyOn(ctx context.Context, prefix string, master *Redis) (string, error) {
	for i := range 1000 {
		key := prefix + "{" + strconv.Itoa(i) + "}"
		m, err := c.MasterOf(ctx, key)
		if err != nil {
			return "", err
		}
		if m == master {
			return key, nil
		}
	}
	return "", fmt.Errorf("stack: no key of 1000 lands on %s", master.Addr)
}

// Stop stops every node.
func (c *RedisCluster) Stop() {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		if n != nil {
			wg.Go(func() { n.Stop() })
		}
	}
	wg.Wait()
}

// Info runs a command that answers in INFO's "key:value" lines (INFO, CLUSTER INFO) on
// r and returns its fields.
func (r *Redis) Info(ctx context.Context, args ...string) (map[string]string, error) {
	reply, err := r.Do(ctx, args...)
	if err != nil {
		return nil, err
	}
	text, err := reply.ToString()
	if err != nil {
		return nil, err
	}
	// RESP3 sends INFO's text as a verbatim string, whose format prefix stays.
	text = strings.TrimPrefix(text, "txt:")
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			out[k] = v
		}
	}
	return out, nil
}
