// Package admin is sidewall's admin API: a small HTTP server apart from the decision
// service, for operators and their scripts. It listens on loopback or a unix socket only
// (the configuration refuses anything else), and every request must carry the
// configured token as `Authorization: Bearer <token>`; anything else is answered 401
// before any handler runs.
//
// The server takes its endpoints as handlers ([Server.Handle]), so that each part of
// sidewall mounts its own: the bans API ([BansAPI]: POST /bans, GET /bans,
// DELETE /bans/{prefix}) today, and room for /metrics and /reload. It is net/http, not
// fasthttp: nothing here is on the hot path, and net/http's ServeMux patterns and
// timeouts are the simplest correct choice. It uses its own ServeMux, never
// http.DefaultServeMux, so that nothing a library registers there becomes reachable.
//
// Answers are JSON; an error is {"error": "why"} with a 4xx or 5xx status.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure a Server.
type Options struct {
	// Token is the secret every request must present as a bearer token. It must not be
	// empty (New panics: the configuration guarantees one).
	Token string
	// Logger receives a line per refused request and per failure; nil discards.
	Logger *slog.Logger
}

// Server is the admin HTTP server. Handle all endpoints before Serve; after that it is
// safe for concurrent use, and SetToken may change the token at any time (a
// configuration reload).
type Server struct {
	mux   *http.ServeMux
	token atomic.Pointer[[sha256.Size]byte] // the token's hash: compared in constant time
	log   *slog.Logger
	http  *http.Server
}

// New returns a Server with no endpoints.
func New(opts Options) *Server {
	s := &Server{mux: http.NewServeMux(), log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.SetToken(opts.Token)
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s
}

// SetToken replaces the token; requests that start from now on must present the new one.
func (s *Server) SetToken(token string) {
	if token == "" {
		panic("admin: empty token")
	}
	h := sha256.Sum256([]byte(token))
	s.token.Store(&h)
}

// Handle registers h for pattern, an http.ServeMux pattern such as "GET /bans".
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Serve answers requests on ln until Shutdown; it then returns nil.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops the listeners and waits for requests in flight, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// ServeHTTP checks the token, then routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		s.log.Warn("admin: request refused: missing or wrong token", "method", r.Method,
			"path", r.URL.Path, "peer", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="sidewall"`)
		writeError(w, http.StatusUnauthorized, "admin: a valid token is required (Authorization: Bearer <token>)")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// authorized reports whether r carries the token. Both sides are hashed before the
// constant-time comparison, so that neither the token's bytes nor its length can be
// learnt from timing.
func (s *Server) authorized(r *http.Request) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return subtle.ConstantTimeCompare(got[:], s.token.Load()[:]) == 1
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Read by people and scripts, never embedded in HTML: no \u003c escapes.
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // an error means the client went away; nothing to do
}

// writeError answers {"error": msg} with status.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}
