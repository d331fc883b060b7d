package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// BuildSidewall compiles the sidewall command into dir and returns the binary's path.
func BuildSidewall(dir string) (string, error) {
	root, err := ProjectDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sidewall")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("stack: go build: %w\n%s", err, out)
	}
	return bin, nil
}

// DefaultAdminAddr is where config.toml's demo admin API listens (admin.listen).
const DefaultAdminAddr = "127.0.0.1:9091"

// ProjectConfig returns the project's config.toml with its listen address replaced by
// listen (strictly: the default must be there once), so tests run the demo's own
// configuration on a free port. The demo's admin API is turned off, so that sidewalls
// started side by side do not compete for its fixed port; ProjectConfigAdmin moves it
// instead.
func ProjectConfig(listen string) (string, error) {
	return ProjectConfigAdmin(listen, "")
}

// ProjectConfigAdmin is ProjectConfig with the admin API on adminListen (a free loopback
// address), or off when it is "".
func ProjectConfigAdmin(listen, adminListen string) (string, error) {
	root, err := ProjectDir()
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(root, "config.toml"))
	if err != nil {
		return "", err
	}
	text, err := replaceOnce("../config.toml", string(b), `listen = "`+DefaultSidewallAddr+`"`, `listen = "`+listen+`"`)
	if err != nil {
		return "", err
	}
	return replaceOnce("../config.toml", text, `listen = "`+DefaultAdminAddr+`"`, `listen = "`+adminListen+`"`)
}

// Sidewall is a running sidewall process.
type Sidewall struct {
	Addr   string // the TCP address it listens on
	Config string // the configuration file it runs with
	// StartedAt is when the latest start (StartSidewall, LaunchSidewall, Restart) ran the
	// binary.
	StartedAt time.Time
	bin       string
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the process has exited
	err       error         // its exit status, once exited is closed
	mu        sync.Mutex
	logs      bytes.Buffer // its stderr: the JSON log lines
}

// StartSidewall runs bin with the configuration file config, whose server.listen must be
// addr, and waits until /healthz answers.
func StartSidewall(ctx context.Context, bin, config, addr string) (*Sidewall, error) {
	s := &Sidewall{Addr: addr, Config: config, bin: bin}
	if err := s.start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// LaunchSidewall is StartSidewall without the wait: it returns once the process runs, for
// tests of what sidewall does while it starts. Ready waits for it to listen.
func LaunchSidewall(bin, config, addr string) (*Sidewall, error) {
	s := &Sidewall{Addr: addr, Config: config, bin: bin}
	if err := s.launch(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sidewall) start(ctx context.Context) error {
	if err := s.launch(); err != nil {
		return err
	}
	return s.Ready(ctx)
}

// launch starts the process and notes when.
func (s *Sidewall) launch() error {
	cmd := exec.Command(s.bin, "-config", s.Config)
	cmd.Stdout = &lockedWriter{s}
	cmd.Stderr = &lockedWriter{s}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s.StartedAt = time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("stack: start sidewall: %w", err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	s.exited = exited
	go func() { s.err = cmd.Wait(); close(exited) }()
	return nil
}

// Ready waits until the process (of the latest start) answers on /healthz, for 30 s at
// most; it fails at once when the process exits instead. A process that does not
// answer in time is killed.
func (s *Sidewall) Ready(ctx context.Context) error {
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ready := make(chan error, 1)
	go func() { ready <- WaitHTTP(waitCtx, "http://"+s.Addr+"/healthz") }()
	select {
	case err := <-ready:
		if err != nil {
			s.Kill()
			return fmt.Errorf("stack: sidewall did not start: %w\n%s", err, s.Logs())
		}
	case <-s.exited:
		return fmt.Errorf("stack: sidewall exited at start: %v\n%s", s.err, s.Logs())
	}
	return nil
}

// Exited returns a channel that is closed when the process (of the latest start) has
// exited; ExitErr then says how.
func (s *Sidewall) Exited() <-chan struct{} { return s.exited }

// ExitErr is the process's exit status as exec.Cmd.Wait returns it (nil for exit code 0),
// once Exited is closed.
func (s *Sidewall) ExitErr() error {
	<-s.exited
	return s.err
}

type lockedWriter struct{ s *Sidewall }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.logs.Write(p)
}

// Logs returns everything sidewall has written so far.
func (s *Sidewall) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// LogLines returns the log lines that contain every one of the given substrings.
func (s *Sidewall) LogLines(substrings ...string) []string {
	var out []string
	for _, line := range strings.Split(s.Logs(), "\n") {
		ok := line != ""
		for _, sub := range substrings {
			ok = ok && strings.Contains(line, sub)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// LogTime returns the time of the latest log line that contains every one of the given
// substrings, as sidewall wrote it (the "time" of a JSON line).
func (s *Sidewall) LogTime(substrings ...string) (time.Time, bool) {
	lines := s.LogLines(substrings...)
	for i := len(lines) - 1; i >= 0; i-- {
		var l struct {
			Time time.Time `json:"time"`
		}
		if json.Unmarshal([]byte(lines[i]), &l) == nil && !l.Time.IsZero() {
			return l.Time, true
		}
	}
	return time.Time{}, false
}

// Signal sends sig to the process.
func (s *Sidewall) Signal(sig os.Signal) error { return s.cmd.Process.Signal(sig) }

// Stop asks sidewall to stop (SIGTERM) and waits for it; it kills it after ten seconds.
func (s *Sidewall) Stop() error {
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.err
	case <-time.After(10 * time.Second):
		s.Kill()
		return fmt.Errorf("stack: sidewall did not stop on SIGTERM")
	}
}

// Kill stops the process at once (SIGKILL), as a crash would.
func (s *Sidewall) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
	}
}

// Restart starts the same binary with the same configuration again after Stop or Kill.
func (s *Sidewall) Restart(ctx context.Context) error { return s.start(ctx) }
