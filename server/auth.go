package server

import (
	"log/slog"
	"net/netip"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/sidewall/sidewall/bans"
	"github.com/sidewall/sidewall/limiter"
	"github.com/sidewall/sidewall/waf"
)

// Actions, the values of X-Sidewall-Action.
const (
	actionAllow     = "allow"
	actionBlocklist = "blocklist"
	// actionBan is a denial by a dynamic ban (admin API or auto-ban), kept apart from
	// "blocklist" (the configured lists) so that nginx's log tells them apart.
	actionBan       = "ban"
	actionRateLimit = "ratelimit"
	actionWAF       = "waf"
	actionDetect    = "detect" // the WAF would deny, but runs in detection-only mode
	actionInvalid   = "invalid"
	actionError     = "error"
)

// keyBufSize is the stack room for a rate-limit key; longer keys (long header values)
// spill to the heap, which is correct, only slower.
const keyBufSize = 256

// auth answers nginx's auth_request subrequest: no body, 204 or 403.
func (s *Server) auth(ctx *fasthttp.RequestCtx) { s.decide(ctx, false) }

// inspectBody answers the body-inspection path (nginx/sidewall-body.conf): nginx proxies
// the whole request, body included, and sidewall either sends it on with
// X-Accel-Redirect to the named location nginx named in X-Sidewall-Continue, or answers
// the client itself (403, 429 with Retry-After, 413). Unlike auth_request, this path may
// use any status, so no mapping through nginx is needed.
func (s *Server) inspectBody(ctx *fasthttp.RequestCtx) { s.decide(ctx, true) }

// decide runs the checks for one request. A panic in any check is recovered here, logged
// with its stack, and answered by the policy's failure mode: fasthttp would otherwise let
// it kill the process.
func (s *Server) decide(ctx *fasthttp.RequestCtx, body bool) {
	// Answer headers keep the spelling written here (RateLimit-Policy, as the IETF draft
	// spells it, not fasthttp's Ratelimit-Policy): on the body path the client sees them.
	ctx.Response.Header.DisableNormalizing()
	p := s.policy.Load()
	var req request
	defer func() {
		if v := recover(); v != nil {
			s.m.panics.Inc()
			s.m.failed.Inc()
			ctx.Response.Reset()
			s.log.Error("check panicked", "action", actionError, "panic", v,
				"request_id", string(ctx.Request.Header.Peek(HeaderRequestID)),
				"fail_open", p.FailOpen, "stack", string(debug.Stack()))
			if p.FailOpen {
				s.allow(ctx, &req)
				ctx.Response.Header.Set(HeaderAction, actionError)
				return
			}
			deny(ctx, actionError, "internal error")
			finishDenial(ctx, body)
		}
	}()

	req.body = body
	err := errUntrustedPeer
	if peerTrusted(ctx, p) {
		err = req.parse(ctx)
	}
	if err != nil {
		s.m.invalid.Inc()
		if s.log.Enabled(ctx, slog.LevelWarn) {
			s.log.Warn("invalid request", "action", actionInvalid, "reason", err.Error(),
				"request_id", string(req.id))
		}
		deny(ctx, actionInvalid, err.Error())
		finishDenial(ctx, body)
		return
	}
	if s.check(ctx, p, &req) {
		finishDenial(ctx, body)
		return
	}
	s.allow(ctx, &req)
	s.m.allowed.Inc()
	if p.LogAllowed && s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.Info("allowed", "action", actionAllow, "request_id", string(req.id),
			"client", req.addr.String(), "method", string(req.method), "uri", string(req.uri))
	}
}

// check runs the checks, cheapest first, and reports whether one denied (having written
// the denial).
func (s *Server) check(ctx *fasthttp.RequestCtx, p *Policy, req *request) bool {
	// 1. Blocklist: the allowlist wins; then the dynamic bans (admin API, auto-ban), whose
	// expiry is checked here, with the server's clock, only on a hit; then the lists: a
	// bloom-filtered, exactly confirmed hit denies.
	start := time.Now()
	if !p.Allow.Contains(req.addr) {
		if m, ok := s.bans.Lookup(req.addr); ok && m.Active(s.now()) {
			s.denyBan(ctx, req, m)
			s.m.banned.Inc()
			since(s.m.blocklistSeconds, start)
			return true
		}
		if entry, ok := p.Block.Lookup(req.addr); ok {
			s.denyBlocklist(ctx, req, entry)
			s.m.blocklisted.Inc()
			since(s.m.blocklistSeconds, start)
			return true
		}
	}
	since(s.m.blocklistSeconds, start)
	// 2. Rate limits: every matching rule counts the request; the denying rule with the
	// longest wait answers.
	if len(p.Limits) > 0 {
		start = time.Now()
		denied := s.rateLimit(ctx, p, req, s.now())
		since(s.m.ratelimitSeconds, start)
		if denied {
			return true
		}
	}
	// 3. WAF, unless the request is for a static asset the operator named.
	if p.WAF == nil {
		return false
	}
	if p.SkipWAF.match(req) {
		s.m.wafSkipped.Inc()
		return false
	}
	start = time.Now()
	denied := s.inspect(ctx, p, req)
	since(s.m.wafSeconds, start)
	return denied
}

// allow writes the allowing answer: 204 for auth_request, or the redirect to the named
// location that continues the request for the body path.
func (s *Server) allow(ctx *fasthttp.RequestCtx, req *request) {
	ctx.SetStatusCode(fasthttp.StatusNoContent)
	if req.body {
		ctx.Response.Header.SetBytesV("X-Accel-Redirect", req.cont)
	}
}

// finishDenial adapts a denial for the body path, where sidewall answers the client
// directly: a rate-limit denial is a 429 (auth_request could only carry it as 403) and
// the answer gets a short body. A WAF body-limit interruption already set 413.
func finishDenial(ctx *fasthttp.RequestCtx, body bool) {
	if !body {
		return
	}
	if string(ctx.Response.Header.Peek(HeaderAction)) == actionRateLimit {
		ctx.SetStatusCode(fasthttp.StatusTooManyRequests)
	}
	ctx.SetContentType("text/plain; charset=utf-8")
	ctx.Response.SetBodyString(fasthttp.StatusMessage(ctx.Response.StatusCode()) + "\n")
}

func (s *Server) denyBlocklist(ctx *fasthttp.RequestCtx, req *request, entry netip.Prefix) {
	var buf [64]byte
	reason := entry.AppendTo(buf[:0])
	ctx.SetStatusCode(fasthttp.StatusForbidden)
	ctx.Response.Header.Set(HeaderAction, actionBlocklist)
	ctx.Response.Header.SetBytesV(HeaderReason, reason)
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.Info("denied", "action", actionBlocklist, "request_id", string(req.id),
			"client", req.addr.String(), "entry", entry.String(),
			"method", string(req.method), "uri", string(req.uri))
	}
}

// denyBan writes the denial of a banned client: 403, action "ban", and the ban's prefix
// and reason ("203.0.113.9/32 ban: scraping"), built on the stack.
func (s *Server) denyBan(ctx *fasthttp.RequestCtx, req *request, m bans.Match) {
	var buf [64 + bans.MaxReason]byte
	reason := append(append(m.Prefix.AppendTo(buf[:0]), ' '), m.Reason...)
	ctx.SetStatusCode(fasthttp.StatusForbidden)
	ctx.Response.Header.Set(HeaderAction, actionBan)
	ctx.Response.Header.SetBytesV(HeaderReason, reason)
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.Info("denied", "action", actionBan, "request_id", string(req.id),
			"client", req.addr.String(), "entry", m.Prefix.String(), "reason", m.Reason,
			"method", string(req.method), "uri", string(req.uri))
	}
}

// countDenial counts a denial of kind (bans.DenialWAF or bans.DenialRateLimit) towards
// auto-ban (Policy.AutoBan), and submits and logs the ban of a client that reaches the
// threshold. detail is the rule name or the WAF's rule ids. An allowlisted client is
// never counted: a ban could not apply to it.
func (s *Server) countDenial(p *Policy, req *request, kind, detail string, now time.Time) {
	a := p.AutoBan
	if a == nil || s.bans == nil || !a.Counts(kind) || p.Allow.Contains(req.addr) {
		return
	}
	b, banned := a.Count(req.addr, kind, detail, now)
	if !banned {
		return
	}
	queued := s.bans.Submit(b)
	msg := "auto-ban"
	if !queued {
		msg = "auto-ban dropped: the bans queue is full"
	}
	s.log.Warn(msg, "action", actionBan, "client", req.addr.String(), "prefix", b.Prefix.String(),
		"reason", b.Reason, "ban_for", a.Options().BanFor.String(), "request_id", string(req.id),
		"evidence", b.Evidence)
}

// rateLimit counts req against every matching rule and reports whether it denied.
func (s *Server) rateLimit(ctx *fasthttp.RequestCtx, p *Policy, req *request, now time.Time) bool {
	var keyBuf [keyBufSize]byte
	var worst *Limit
	var worstRes limiter.Result
	var show *Limit // the allowed rule whose RateLimit fields go back, if any asks
	var showRes limiter.Result
	for _, l := range p.Limits {
		if !l.Match.matches(req) {
			continue
		}
		key := l.Key.appendKey(keyBuf[:0], ctx, req)
		var res limiter.Result
		if l.Shared != nil {
			res = l.Shared.Allow(key, now)
		} else {
			res = l.Window.Allow(key, now)
		}
		switch {
		case res.Allowed:
			if l.Headers && (show == nil || res.Remaining < showRes.Remaining) {
				show, showRes = l, res
			}
		case l.DryRun:
			s.m.counter("ratelimit_dry_run", l.Name).Inc()
			if s.log.Enabled(ctx, slog.LevelInfo) {
				s.log.Info("would deny (dry run)", "action", actionRateLimit, "rule", l.Name,
					"dry_run", true, "request_id", string(req.id), "client", req.addr.String(),
					"method", string(req.method), "uri", string(req.uri),
					"retry_after", res.RetryAfter.String())
			}
		case worst == nil || res.RetryAfter > worstRes.RetryAfter:
			worst, worstRes = l, res
		}
	}
	if worst == nil {
		if show != nil {
			setRateLimitFields(ctx, show, showRes, false)
		}
		return false
	}
	s.m.counter(actionRateLimit, worst.Name).Inc()
	ctx.SetStatusCode(fasthttp.StatusForbidden)
	ctx.Response.Header.Set(HeaderAction, actionRateLimit)
	ctx.Response.Header.Set(HeaderReason, worst.Name)
	setRateLimitFields(ctx, worst, worstRes, true)
	if s.log.Enabled(ctx, slog.LevelInfo) {
		s.log.Info("denied", "action", actionRateLimit, "rule", worst.Name,
			"request_id", string(req.id), "client", req.addr.String(),
			"method", string(req.method), "uri", string(req.uri),
			"retry_after", worstRes.RetryAfter.String())
	}
	if p.AutoBan != nil {
		s.countDenial(p, req, bans.DenialRateLimit, worst.Name, now)
	}
	return true
}

// setRateLimitFields writes Retry-After (on denial) and the IETF RateLimit fields:
//
//	RateLimit-Policy: "login";q=5;w=60
//	RateLimit: "login";r=0;t=37
//
// Retry-After is whole seconds rounded up, never 0: a client told 0 would retry at once
// and be denied again. On a denial t is the same wait; on an allowed answer it is the time
// until the quota is whole again.
func setRateLimitFields(ctx *fasthttp.RequestCtx, l *Limit, res limiter.Result, denied bool) {
	var buf [128]byte
	b := buf[:0]
	t := ceilSeconds(res.Reset)
	if denied {
		t = ceilSeconds(res.RetryAfter)
		ctx.Response.Header.SetBytesV("Retry-After", strconv.AppendInt(b, t, 10))
	}
	ctx.Response.Header.SetBytesV("RateLimit-Policy", l.policyField)
	b = appendQuoted(buf[:0], l.Name)
	b = append(b, ";r="...)
	b = strconv.AppendInt(b, int64(max(res.Remaining, 0)), 10)
	b = append(b, ";t="...)
	b = strconv.AppendInt(b, t, 10)
	ctx.Response.Header.SetBytesV("RateLimit", b)
}

// ceilSeconds rounds d up to whole seconds, at least 1.
func ceilSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	return s
}

// appendPolicy renders a RateLimit-Policy item: "name";q=limit;w=window-seconds.
func appendPolicy(dst []byte, name string, limit int, windowSeconds int64) []byte {
	dst = appendQuoted(dst, name)
	dst = append(dst, ";q="...)
	dst = strconv.AppendInt(dst, int64(limit), 10)
	dst = append(dst, ";w="...)
	return strconv.AppendInt(dst, windowSeconds, 10)
}

// appendQuoted appends s as a structured-field string (RFC 8941): quotes and backslashes
// escaped. Rule names are validated tokens, so this is belt and braces.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

// inspect runs the WAF and reports whether it denied. A request the rules would deny in
// detection-only mode is allowed, answered with action "detect" and logged; matches below
// the threshold are allowed, their rule ids still sent back for nginx's log.
func (s *Server) inspect(ctx *fasthttp.RequestCtx, p *Policy, req *request) bool {
	var wr waf.Request
	req.wafRequest(ctx, &wr)
	v := s.engine(ctx, p, req).Inspect(&wr)
	if v.Truncated {
		s.m.limitReached(waf.LimitBody)
		s.log.Warn("body over the WAF's limit: inspected in part", "action", "body_partial",
			"limit", waf.LimitBody, "request_id", string(req.id), "client", req.addr.String(), "uri", wr.URI,
			"body_bytes", len(wr.Body))
	}
	if v.Err != nil {
		// Coraza could not finish: the failure policy decides, as for a panic.
		s.log.Error("waf failed", "action", actionError, "request_id", string(req.id),
			"error", v.Err.Error(), "fail_open", p.FailOpen)
		s.m.counter(actionError, "waf").Inc()
		if !p.FailOpen {
			deny(ctx, actionError, "waf failed")
			return true
		}
		ctx.Response.Header.Set(HeaderAction, actionError)
		return false
	}
	s.m.wafScore.Observe(float64(v.Score))
	if len(v.Matched) == 0 && !v.WouldInterrupt {
		return false
	}
	ids := make([]byte, 0, 8*len(v.Matched))
	for i, m := range v.Matched {
		if i > 0 {
			ids = append(ids, ',')
		}
		ids = strconv.AppendInt(ids, int64(m.ID), 10)
	}
	ctx.Response.Header.SetBytesV(HeaderRules, ids)
	if !v.WouldInterrupt {
		return false
	}
	action := actionWAF
	if !v.Interrupted {
		action = actionDetect
	}
	ctx.Response.Header.Set(HeaderAction, action)
	msg := "denied"
	if !v.Interrupted {
		msg = "would deny (detection only)"
	}
	attrs := []slog.Attr{slog.String("action", action), slog.String("request_id", string(req.id)),
		slog.String("client", req.addr.String()), slog.String("method", wr.Method),
		slog.String("uri", wr.URI), slog.Int("score", v.Score),
		slog.String("rules", string(ids)), matchesAttr(v.Matched)}
	if v.Limit != "" {
		// Beyond an inspection limit: denied whatever the score (waf.Limits).
		s.m.limitReached(v.Limit)
		s.m.counter(action, reasonLimit).Inc()
		ctx.Response.Header.Set(HeaderReason, "inspection limit "+v.Limit)
		attrs = append(attrs, slog.String("limit", v.Limit))
	} else {
		s.m.counter(action, wafFamily(v.Matched)).Inc()
		ctx.Response.Header.Set(HeaderReason, "anomaly score "+strconv.Itoa(v.Score))
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, msg, attrs...)
	if !v.Interrupted {
		return false
	}
	status := fasthttp.StatusForbidden
	switch v.Status {
	case fasthttp.StatusBadRequest, fasthttp.StatusRequestEntityTooLarge, fasthttp.StatusUnsupportedMediaType:
		// On the body path sidewall answers the client itself: a body that does not
		// parse or decode (400), over a limit (413), in a coding sidewall does not read
		// (415). auth_request knows 403 only.
		if req.body {
			status = v.Status
		}
	}
	ctx.SetStatusCode(status)
	if p.AutoBan != nil && status == fasthttp.StatusForbidden {
		s.countDenial(p, req, bans.DenialWAF, string(ids), s.now())
	}
	return true
}

func matchesAttr(ms []waf.Match) slog.Attr {
	vals := make([]any, 0, len(ms))
	for _, m := range ms {
		vals = append(vals, map[string]any{"id": m.ID, "msg": m.Message, "data": m.Data, "vars": m.Vars})
	}
	return slog.Any("matches", vals)
}

// deny answers 403 with the action and reason headers.
func deny(ctx *fasthttp.RequestCtx, action, reason string) {
	ctx.SetStatusCode(fasthttp.StatusForbidden)
	ctx.Response.Header.Set(HeaderAction, action)
	ctx.Response.Header.Set(HeaderReason, reason)
}

// reasonLimit labels a WAF decision made by an inspection limit in the decisions counter.
const reasonLimit = "limit"

// wafFamily labels a WAF decision with the CRS family of its weightiest detection: the
// first critical match (the attack, such as 942xxx for SQL injection) rather than the
// first by id (often a protocol warning such as 920350, a numeric Host), skipping the
// anomaly evaluation 949110 and the 98xxxx reporting rules.
func wafFamily(ms []waf.Match) string {
	family := "949"
	for _, m := range ms {
		if m.ID == 949110 || (m.ID >= 980000 && m.ID < 990000) {
			continue
		}
		if m.Severity == "critical" {
			return ruleFamily(m.ID)
		}
		if family == "949" {
			family = ruleFamily(m.ID)
		}
	}
	return family
}

// engine chooses the WAF engine for req: the profile nginx named, or [waf] itself. An
// unknown profile name is a misconfiguration between nginx and sidewall; the request is
// still inspected, by the default engine, and the log says which name was unknown.
func (s *Server) engine(ctx *fasthttp.RequestCtx, p *Policy, req *request) *waf.Engine {
	name := ctx.Request.Header.Peek(HeaderProfile)
	if len(name) == 0 || string(name) == "default" {
		return p.WAF
	}
	if e, ok := p.Profiles[string(name)]; ok {
		return e
	}
	s.m.counter(actionError, "unknown_profile").Inc()
	s.log.Warn("unknown WAF profile; inspected with [waf]", "profile", string(name), "request_id", string(req.id))
	return p.WAF
}
