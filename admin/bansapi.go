package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/blocklist"
)

// maxBody bounds a request body: a ban is a few hundred bytes.
const maxBody = 64 << 10

// BansAPI serves the bans endpoints over a bans.Store:
//
//	POST   /bans           {"addr": "203.0.113.9" or "203.0.113.0/24", "ttl": "1h", "reason": "..."}
//	                       ttl and reason are optional (no ttl: until lifted); answers the ban
//	GET    /bans           {"bans": [ban, ...]}, the active bans ordered by prefix
//	DELETE /bans/{prefix}  lifts the ban of exactly that address or prefix (URL-escaped,
//	                       "203.0.113.0%2F24"; the unescaped form works too); answers it
//
// A ban is {"prefix", "reason", "source", "created", "expires", "evidence"}: expires is
// absent for a ban until lifted, evidence present for auto-bans. The allowlist of the
// configuration still wins over a ban. It is safe for concurrent use.
type BansAPI struct {
	store *bans.Store
	now   func() time.Time
	log   *slog.Logger
}

// NewBansAPI returns the bans endpoints over store, reading the time from now (nil:
// time.Now) and logging each change to logger (nil discards).
func NewBansAPI(store *bans.Store, now func() time.Time, logger *slog.Logger) *BansAPI {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &BansAPI{store: store, now: now, log: logger}
}

// Register mounts the endpoints on s.
func (a *BansAPI) Register(s *Server) {
	s.Handle("POST /bans", http.HandlerFunc(a.ban))
	s.Handle("GET /bans", http.HandlerFunc(a.list))
	s.Handle("DELETE /bans/{prefix...}", http.HandlerFunc(a.unban))
}

// banRequest is the body of POST /bans.
type banRequest struct {
	Addr   string `json:"addr"`
	TTL    string `json:"ttl"`
	Reason string `json:"reason"`
}

func (a *BansAPI) ban(w http.ResponseWriter, r *http.Request) {
	var req banRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "admin: the body must be a JSON object such as "+
			`{"addr": "203.0.113.9", "ttl": "1h", "reason": "scraping"}: `+err.Error())
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "admin: the body must hold one JSON object")
		return
	}
	prefix, err := parseAddr(req.Addr)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	now := a.now()
	b := bans.Ban{Prefix: prefix, Reason: req.Reason, Source: bans.SourceAdmin}
	if req.TTL != "" {
		ttl, err := time.ParseDuration(req.TTL)
		if err != nil || ttl <= 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf(`admin: ttl: want a positive duration such as "30m" or "24h", got %q`, req.TTL))
			return
		}
		b.Expires = now.Add(ttl)
	}
	b, err = a.store.Ban(b, now)
	switch {
	case errors.Is(err, bans.ErrNotSaved):
		a.log.Error("admin: ban applies but was not saved", "prefix", b.Prefix.String(), "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, struct {
			Error string   `json:"error"`
			Ban   bans.Ban `json:"ban"`
		}{err.Error() + "; it will not survive a restart", b})
		return
	case errors.Is(err, bans.ErrFull):
		writeError(w, http.StatusInsufficientStorage, err.Error())
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	a.log.Info("banned", "action", "ban", "source", b.Source, "prefix", b.Prefix.String(),
		"reason", b.Reason, "expires", expiresAttr(b), "peer", r.RemoteAddr)
	writeJSON(w, http.StatusOK, b)
}

func (a *BansAPI) list(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Bans []bans.Ban `json:"bans"`
	}{a.store.List(a.now())})
}

func (a *BansAPI) unban(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("prefix")
	prefix, err := parseAddr(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	b, err := a.store.Unban(prefix)
	switch {
	case errors.Is(err, bans.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("admin: %s is not banned (a ban is lifted by its own prefix; GET /bans lists them)", prefix))
		return
	case errors.Is(err, bans.ErrNotSaved):
		a.log.Error("admin: unban applies but was not saved", "prefix", b.Prefix.String(), "error", err.Error())
		writeError(w, http.StatusInternalServerError, err.Error()+"; the ban would come back after a restart")
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	a.log.Info("unbanned", "action", "unban", "source", b.Source, "prefix", b.Prefix.String(),
		"reason", b.Reason, "peer", r.RemoteAddr)
	writeJSON(w, http.StatusOK, b)
}

// parseAddr reads an address or CIDR prefix the way list files are read, refusing two
// likely slips that a list would silently accept: host bits after the slash (a typo for
// a narrower or a different range) and a prefix of length 0 (every client).
func parseAddr(s string) (netip.Prefix, error) {
	if strings.TrimSpace(s) == "" {
		return netip.Prefix{}, errors.New(`admin: addr: an address or CIDR prefix is required, e.g. "203.0.113.9" or "203.0.113.0/24"`)
	}
	p, err := blocklist.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("admin: addr: %w", err)
	}
	if raw, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil && raw.Masked() != raw {
		return netip.Prefix{}, fmt.Errorf("admin: addr: %q has bits set after the prefix length; did you mean %q?", s, raw.Masked().String())
	}
	if p.Bits() == 0 {
		return netip.Prefix{}, fmt.Errorf("admin: addr: %q would ban every client", s)
	}
	return p, nil
}

func expiresAttr(b bans.Ban) string {
	if b.Expires.IsZero() {
		return "never"
	}
	return b.Expires.Format(time.RFC3339)
}
