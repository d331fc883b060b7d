package stack

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/rueidis"
)

// ErrNoRedis is returned by StartRedis when redis-server is not installed (and by
// StartRedisCluster when redis-cli is not), so that a test can skip with a clear message
// instead of failing, unless RedisRequired.
var ErrNoRedis = errors.New("stack: redis-server or redis-cli not found; install them with `apt-get install redis-server redis-tools` (make test does)")

// RedisRequired reports whether the tests must not skip for want of redis-server: `make
// test` (what CI runs) installs it and sets SIDEWALL_REQUIRE_REDIS=1, so that a test that
// would skip fails instead, and none of the Redis tests can quietly stop running.
func RedisRequired() bool { return os.Getenv("SIDEWALL_REQUIRE_REDIS") == "1" }

// RedisBinary finds Debian's redis-server: on PATH, or in /usr/bin or /usr/sbin.
func RedisBinary() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/redis-server", "/usr/sbin/redis-server"} {
		if fileExists(p) {
			return p, nil
		}
	}
	return "", ErrNoRedis
}

// Redis is a redis-server on a loopback port, with no persistence. Stop and Start take it
// down and bring it back on the same port (empty: it saves nothing), as an outage would;
// Kill ends it as a crash does. Its methods are not safe for concurrent use with each
// other.
type Redis struct {
	Addr   string // 127.0.0.1:PORT
	Port   int
	dir    string
	bin    string
	opts   RedisOptions
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	mu     sync.Mutex
	logs   bytes.Buffer // its stdout and stderr
}

// RedisOptions change how a redis-server runs.
type RedisOptions struct {
	// Args are more arguments for redis-server, e.g. "--cluster-enabled", "yes".
	Args []string
	// TLS, when set, makes the server listen with TLS only, on Port (the certificate
	// files are for Args to name: --tls-cert-file and the rest), and Ping speak TLS with
	// this client configuration.
	TLS *tls.Config
	// Sentinel, when set, runs a Sentinel instead of a server, with these lines of
	// configuration (sentinel monitor ...) in the file a Sentinel needs to rewrite.
	Sentinel string
}

// StartRedis runs redis-server on a free loopback port with dir as its working directory
// (it writes nothing there with persistence off, but a stray dump would land there, not
// in the test's working directory), and waits until it answers PING.
func StartRedis(ctx context.Context, dir string) (*Redis, error) {
	return StartRedisWith(ctx, dir, RedisOptions{})
}

// StartRedisWith is StartRedis with options.
func StartRedisWith(ctx context.Context, dir string, o RedisOptions) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	return startRedisOn(ctx, dir, port, o)
}

// startRedisOn is StartRedisWith on a port chosen beforehand.
func startRedisOn(ctx context.Context, dir string, port int, o RedisOptions) (*Redis, error) {
	bin, err := RedisBinary()
	if err != nil {
		return nil, err
	}
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, dir: dir, bin: bin, opts: o}
	if err := r.Start(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Start runs redis-server again on the same port after Stop, and waits until it answers
// PING. It is an error to Start a running server.
func (r *Redis) Start(ctx context.Context) error {
	if r.cmd != nil {
		select {
		case <-r.exited:
		default:
			return errors.New("stack: redis-server is already running")
		}
	}
	args := []string{"--port", strconv.Itoa(r.Port)}
	if r.opts.TLS != nil {
		args = []string{"--port", "0", "--tls-port", strconv.Itoa(r.Port)}
	}
	if r.opts.Sentinel != "" {
		// A Sentinel rewrites its configuration file as it learns: it must have one.
		conf := filepath.Join(r.dir, fmt.Sprintf("sentinel-%d.conf", r.Port))
		if _, err := os.Stat(conf); err != nil {
			if err := os.WriteFile(conf, []byte(r.opts.Sentinel), 0o644); err != nil {
				return fmt.Errorf("stack: sentinel configuration: %w", err)
			}
		}
		args = append([]string{conf, "--sentinel"}, args...)
	}
	args = append(args, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", r.dir,
		"--daemonize", "no", "--loglevel", "warning")
	cmd := exec.Command(r.bin, append(args, r.opts.Args...)...)
	cmd.Stdout = &redisLog{r}
	cmd.Stderr = &redisLog{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("stack: start redis-server: %w", err)
	}
	r.cmd = cmd
	exited := make(chan struct{})
	r.exited = exited
	go func() { _ = cmd.Wait(); close(exited) }()

	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		err := r.Ping(waitCtx)
		if err == nil {
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("stack: redis-server exited at start:\n%s", r.Logs())
		case <-waitCtx.Done():
			r.Stop()
			return fmt.Errorf("stack: redis-server did not answer PING: %w\n%s", err, r.Logs())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Ping sends PING over a new connection and reports whether +PONG came back.
func (r *Redis) Ping(ctx context.Context) error {
	var c net.Conn
	var err error
	if r.opts.TLS != nil {
		d := tls.Dialer{Config: r.opts.TLS}
		c, err = d.DialContext(ctx, "tcp", r.Addr)
	} else {
		var d net.Dialer
		c, err = d.DialContext(ctx, "tcp", r.Addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("stack: redis-server answered PING with %q", line)
	}
	return nil
}

// Stop ends redis-server (SIGTERM; SIGKILL after five seconds), paused or not, and waits
// for it, so that its port refuses connections when Stop returns.
func (r *Redis) Stop() error {
	if r.cmd == nil || r.cmd.Process == nil {
		return nil
	}
	select {
	case <-r.exited:
		return nil
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	_ = r.cmd.Process.Signal(syscall.SIGCONT) // a paused server acts on SIGTERM only once resumed
	select {
	case <-r.exited:
		return nil
	case <-time.After(5 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.exited
		return errors.New("stack: redis-server did not stop on SIGTERM")
	}
}

// Kill ends redis-server at once (SIGKILL), as a crash or a lost machine would, and waits
// for it.
func (r *Redis) Kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.exited
}

// Running reports whether the process of the latest Start has not exited.
func (r *Redis) Running() bool {
	if r.cmd == nil {
		return false
	}
	select {
	case <-r.exited:
		return false
	default:
		return true
	}
}

// Do runs one command on this server over a connection of its own (no cluster
// redirection) and returns the reply.
func (r *Redis) Do(ctx context.Context, args ...string) (rueidis.RedisMessage, error) {
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{r.Addr}, ForceSingleClient: true,
		DisableCache: true, DisableRetry: true, TLSConfig: r.opts.TLS})
	if err != nil {
		return rueidis.RedisMessage{}, fmt.Errorf("stack: redis %s: %w", r.Addr, err)
	}
	defer c.Close()
	return c.Do(ctx, c.B().Arbitrary(args...).Build()).ToMessage()
}

// WaitReplicated waits (10 s at most) until r has a replica and every replica of r has
// acknowledged all that r had written when WaitReplicated was called: what a test must
// know before it kills r and expects a replica to take over with r's data.
//
// Redis replicates asynchronously: a write a master has answered may not have reached
// its replicas yet, and a failover then loses it. A replica whose link is up may not
// even be receiving writes yet: after a diskless sync (which the stacks here use) the
// master starts sending its stream only on the replica's first REPLCONF ACK, and a
// replica sends one a second, so for up to a second after master_link_status turns up
// every write stays on the master alone. Nor does WAIT on a connection of its own (as
// Do makes) tell: it waits for that connection's own writes, none, and counts every
// replica at once. So this compares offsets: the master's master_repl_offset now, and
// the offset each replica last acknowledged (it has applied everything up to it), which
// replicas report once a second; it takes a second or two.
func (r *Redis) WaitReplicated(ctx context.Context) error {
	info, err := r.Info(ctx, "INFO", "replication")
	if err != nil {
		return err
	}
	want, err := strconv.ParseInt(info["master_repl_offset"], 10, 64)
	if err != nil {
		return fmt.Errorf("stack: redis %s: master_repl_offset %q: %w", r.Addr, info["master_repl_offset"], err)
	}
	return pollUntil(ctx, 10*time.Second, fmt.Sprintf("the replicas of %s did not acknowledge offset %d", r.Addr, want),
		func(ctx context.Context) error {
			info, err := r.Info(ctx, "INFO", "replication")
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(info["connected_slaves"])
			if info["role"] != "master" || n == 0 {
				return fmt.Errorf("role %s, %d replicas", info["role"], n)
			}
			for i := range n {
				// slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0
				line := info[fmt.Sprintf("slave%d", i)]
				f := map[string]string{}
				for _, kv := range strings.Split(line, ",") {
					if k, v, ok := strings.Cut(kv, "="); ok {
						f[k] = v
					}
				}
				if off, err := strconv.ParseInt(f["offset"], 10, 64); f["state"] != "online" || err != nil || off < want {
					return fmt.Errorf("replica %s", line)
				}
			}
			return nil
		})
}

// Pause freezes redis-server (SIGSTOP): connections stay open and nothing answers, as
// with a hung server or a dropped network. Resume undoes it.
func (r *Redis) Pause() error { return r.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume lets a paused redis-server run again (SIGCONT).
func (r *Redis) Resume() error { return r.cmd.Process.Signal(syscall.SIGCONT) }

// Logs returns what redis-server has written so far.
func (r *Redis) Logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.logs.String()
}

type redisLog struct{ r *Redis }

func (w *redisLog) Write(p []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	return w.r.logs.Write(p)
}
