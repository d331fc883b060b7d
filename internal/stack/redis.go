package stack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNoRedis is returned by StartRedis when redis-server is not installed, so that a test
// can skip with a clear message instead of failing.
var ErrNoRedis = errors.New("stack: redis-server not found; install it with `apt-get install redis-server` (make test does)")

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
// down and bring it back on the same port (empty: it saves nothing), as an outage would.
// Its methods are not safe for concurrent use with each other.
type Redis struct {
	Addr   string // 127.0.0.1:PORT
	Port   int
	dir    string
	bin    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	mu     sync.Mutex
	logs   bytes.Buffer // its stdout and stderr
}

// StartRedis runs redis-server on a free loopback port with dir as its working directory
// (it writes nothing there with persistence off, but a stray dump would land there, not
// in the test's working directory), and waits until it answers PING.
func StartRedis(ctx context.Context, dir string) (*Redis, error) {
	bin, err := RedisBinary()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, dir: dir, bin: bin}
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
	cmd := exec.Command(r.bin,
		"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir,
		"--daemonize", "no", "--loglevel", "warning")
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
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", r.Addr)
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
