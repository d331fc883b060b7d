package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/internal/stack"
)

// The bench's helper processes, each this executable started again with roleEnv set:
//
//   - the do-nothing responder: the floor of the auth_request architecture. It answers
//     every auth subrequest 204 without looking at it, and a body-path request (/inspect)
//     204 with X-Accel-Redirect to the named location nginx asked for, as sidewall does
//     when it allows. Its fasthttp settings are sidewall's, so the difference between the
//     two is what sidewall's checks cost.
//   - the app: the upstream every configuration proxies to. It keeps the contract of
//     internal/stack's echo upstream (200, "METHOD URI\n" and the body, X-Echo-Method and
//     X-Echo-Body-Length) but on fasthttp: the app's cost is the same in every row, and
//     stack's net/http upstream spends more CPU per request than nginx does, which would
//     only blur every difference the bench is after.
//
// Separate processes keep their CPU time apart from each other and from the bench's.
const (
	roleResponder = "responder"
	roleApp       = "app"
)

// runHelper serves role on addr until SIGTERM.
func runHelper(role, addr string, stderr io.Writer) int {
	handler := respond
	if role == roleApp {
		handler = echo
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "bench %s: %v\n", role, err)
		return 1
	}
	srv := &fasthttp.Server{
		Handler:               handler,
		Name:                  "bench-" + role,
		NoDefaultDate:         true,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ReadBufferSize:        64 << 10,
		MaxRequestBodySize:    1 << 20,
		IdleTimeout:           75 * time.Second,
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; srv.Shutdown() }()
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintf(stderr, "bench %s: %v\n", role, err)
		return 1
	}
	return 0
}

func respond(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/inspect":
		ctx.Response.Header.SetBytesV("X-Accel-Redirect", ctx.Request.Header.Peek("X-Sidewall-Continue"))
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	case "/healthz":
		ctx.SetStatusCode(fasthttp.StatusOK)
	default:
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	}
}

func echo(ctx *fasthttp.RequestCtx) {
	body := ctx.Request.Body()
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.SetBytesV("X-Echo-Method", ctx.Method())
	ctx.Response.Header.Set("X-Echo-Body-Length", strconv.Itoa(len(body)))
	w := ctx.Response.BodyWriter()
	w.Write(ctx.Method())
	w.Write([]byte{' '})
	w.Write(ctx.RequestURI())
	w.Write([]byte{'\n'})
	w.Write(body)
}

// helperProc is a helper running as a child process of the bench.
type helperProc struct {
	Addr string
	cmd  *exec.Cmd
}

// startHelper starts this very executable again in role (see roleEnv), which works for
// `go run` and for the test binary alike, and waits until it answers.
func startHelper(ctx context.Context, role string) (*helperProc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), roleEnv+"="+role, addrEnv+"="+addr)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	h := &helperProc{Addr: addr, cmd: cmd}
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := stack.WaitHTTP(waitCtx, "http://"+addr+"/healthz"); err != nil {
		h.Stop()
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	return h, nil
}

func (h *helperProc) Pid() int { return h.cmd.Process.Pid }

// Stop ends the helper (SIGTERM, then SIGKILL after two seconds).
func (h *helperProc) Stop() {
	_ = h.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
	}
}
