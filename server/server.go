package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/bans"
)

// Options are the server's settings that cannot change while it runs.
type Options struct {
	// MaxHeaderBytes bounds the request head read from nginx; a larger one is denied as
	// invalid. 0 means 64 KiB.
	MaxHeaderBytes int
	// MaxBodyBytes bounds the body read on the body path; a larger one is answered 413.
	// 0 means 13 MiB (12.5 MiB is Coraza's default body limit).
	MaxBodyBytes int
	// ReadTimeout, WriteTimeout and IdleTimeout bound each connection from nginx.
	// 0 means 5s, 5s and 75s.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Logger receives one line per denial (and per allowed request when the policy asks).
	// Nil discards.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests set it to fixed instants.
	Now func() time.Time
	// Bans are the dynamic bans, checked right after the allowlist; auto-ban (Policy.AutoBan)
	// submits its bans to it. Nil means none, and turns auto-ban off.
	Bans *bans.Store
}

// Server answers nginx's auth_request subrequests. It is safe for concurrent use; the
// policy can be replaced at any time with SetPolicy.
type Server struct {
	policy atomic.Pointer[Policy]
	log    *slog.Logger
	now    func() time.Time
	fast   *fasthttp.Server
	bans   *bans.Store
	m      *metrics
}

var errUntrustedPeer = errors.New("peer is not in server.trusted_peers")

// peerTrusted reports whether the connection's peer may speak for clients under p.
func peerTrusted(ctx *fasthttp.RequestCtx, p *Policy) bool {
	if p.TrustedPeers == nil {
		return true
	}
	tcp, ok := ctx.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return true // a unix socket
	}
	a, ok := netip.AddrFromSlice(tcp.IP)
	if !ok {
		return false
	}
	a = a.Unmap()
	for _, pre := range p.TrustedPeers {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// New returns a server that decides with p.
func New(p *Policy, opts Options) *Server {
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 64 << 10
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 13 << 20
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = 5 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 5 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 75 * time.Second
	}
	s := &Server{log: opts.Logger, now: opts.Now, bans: opts.Bans, m: newMetrics()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.policy.Store(p)
	s.fast = &fasthttp.Server{
		Handler:      s.Handler,
		ErrorHandler: s.errorHandler,
		Name:         "sidewall",
		// The read buffer bounds the request head: fasthttp answers a head that does not
		// fit through ErrorHandler, where it becomes a deliberate 403.
		ReadBufferSize:               opts.MaxHeaderBytes,
		ReadTimeout:                  opts.ReadTimeout,
		WriteTimeout:                 opts.WriteTimeout,
		IdleTimeout:                  opts.IdleTimeout,
		NoDefaultDate:                true,
		NoDefaultServerHeader:        true,
		NoDefaultContentType:         true,
		MaxRequestBodySize:           opts.MaxBodyBytes,
		DisablePreParseMultipartForm: true,
		CloseOnShutdown:              true,
		Logger:                       fasthttpLogger{s.log},
	}
	return s
}

// Policy returns the live policy.
func (s *Server) Policy() *Policy { return s.policy.Load() }

// SetPolicy publishes p for all requests that start from now on.
func (s *Server) SetPolicy(p *Policy) { s.policy.Store(p) }

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.fast.Serve(ln) }

// Shutdown stops accepting connections and waits for the decisions in flight, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.fast.ShutdownWithContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// Handler routes a request: /auth decides, /healthz reports liveness.
func (s *Server) Handler(ctx *fasthttp.RequestCtx) {
	switch string(ctx.Path()) {
	case "/auth":
		s.auth(ctx)
	case "/inspect":
		s.inspectBody(ctx)
	case "/healthz":
		ctx.SetStatusCode(fasthttp.StatusOK)
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("ok\n")
	default:
		ctx.SetStatusCode(fasthttp.StatusNotFound)
	}
}

// errorHandler answers what fasthttp could not parse (a head larger than the read
// buffer, a malformed request line). nginx's auth_request turns any status other than
// 2xx/401/403 into a 500, so even this answer is a deliberate 403.
//
// A body over MaxBodyBytes is the exception: on the body path sidewall answers the client
// itself, and 413 is the answer the client should get.
func (s *Server) errorHandler(ctx *fasthttp.RequestCtx, err error) {
	s.m.invalid.Inc()
	var small *fasthttp.ErrSmallBuffer
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		s.limitReachedByServer(ctx, limitBodyBytes, err)
		deny(ctx, actionInvalid, "request body too large")
		ctx.SetStatusCode(fasthttp.StatusRequestEntityTooLarge)
	case errors.As(err, &small):
		s.limitReachedByServer(ctx, limitHeaderBytes, err)
		deny(ctx, actionInvalid, "request head too large")
	default:
		s.log.Warn("malformed request", "action", actionInvalid, "error", err.Error(),
			"peer", ctx.RemoteAddr().String())
		deny(ctx, actionInvalid, "malformed request")
	}
	ctx.SetConnectionClose()
}

// limitReachedByServer logs and counts a request fasthttp refused for one of the server's
// limits.
func (s *Server) limitReachedByServer(ctx *fasthttp.RequestCtx, limit string, err error) {
	s.m.limitReached(limit)
	s.log.Warn("inspection limit reached", "action", actionInvalid, "limit", limit,
		"error", err.Error(), "peer", ctx.RemoteAddr().String())
}

// fasthttpLogger sends fasthttp's own messages (connection errors) to the slog logger.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug("fasthttp", "msg", fmt.Sprintf(format, args...))
}
