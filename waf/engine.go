package waf

import (
	"cmp"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/experimental/plugins/plugintypes"
	"github.com/corazawaf/coraza/v3/types"
)

// Engine is a Coraza WAF loaded with the CRS and the Options it was built with.
//
// An Engine is immutable after New: Inspect is safe for concurrent use by any number of
// goroutines, and changing the configuration means building a new Engine. Close it once
// a reload has replaced it, to release its share of Coraza's process-wide cache of
// compiled patterns; without that, a process that reloads often keeps every pattern any
// of its Engines ever compiled.
type Engine struct {
	waf  coraza.WAF
	opts Options // as New completed them with defaults

	// closeErrors counts transactions whose Close failed (a temporary file for a large
	// or multipart body that could not be removed). The request was still inspected, so
	// the failure does not belong in its Verdict.
	closeErrors atomic.Uint64
}

// New builds an Engine: Coraza with coraza.conf-recommended, the CRS embedded in the
// coraza-coreruleset module, and the Options (see Options for the order in which
// everything is loaded). It reads every rule file and compiles every rule, so it is slow;
// call it at start-up and on reload, never per request. Errors start with "waf: " and
// name the option or the SecLang that is wrong.
//
// The first call registers sidewall's @rx (RE2 where the build has it, a literal
// prefilter in every build) and its sidewallderive action with Coraza for the whole
// process (see the package documentation); Coraza WAFs built afterwards, through New or
// not, use them.
func New(opts Options) (*Engine, error) {
	registerPlugins()
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("waf: invalid options: %w", err)
	}
	for _, f := range o.RuleFiles {
		// Coraza warns about an empty glob and carries on; a rule file that silently
		// matches nothing is a protection silently turned off, so it is an error here.
		if strings.ContainsAny(f, "*?[") {
			m, err := filepath.Glob(f)
			if err != nil {
				return nil, fmt.Errorf("waf: rule file %q: %w", f, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("waf: rule file %q: no file matches", f)
			}
		}
	}
	if _, err := narrowedSecLang(); err != nil {
		return nil, fmt.Errorf("waf: %w", err)
	}
	if _, err := onHeadersSecLang(); err != nil {
		return nil, fmt.Errorf("waf: %w", err)
	}
	if _, _, err := crsDefaultsSecLang(); err != nil {
		return nil, fmt.Errorf("waf: %w", err)
	}
	fsys := newRulesFS()
	src := o.sources(fsys)
	// Coraza accepts SecRuleRemoveById for an id it never loaded. An operator who
	// mistypes the id of a misfiring rule should hear so, rather than wonder why the
	// rule still fires; so New watches which ids get loaded.
	loaded := make(map[int]bool)
	cfg := experimental.WAFConfigWithRuleObserver(config(fsys, src), func(r types.RuleMetadata) {
		loaded[r.ID()] = true // New's goroutine: Coraza parses synchronously
	})
	w, err := coraza.NewWAF(cfg)
	if err != nil {
		return nil, fmt.Errorf("waf: %s: %w", blame(fsys, src), err)
	}
	e := &Engine{waf: w, opts: o}
	for _, id := range o.RemoveRuleIDs {
		if !loaded[id] {
			_ = e.Close() // always nil
			return nil, fmt.Errorf("waf: RemoveRuleIDs: no rule %d is loaded", id)
		}
	}
	return e, nil
}

// config returns a Coraza configuration that loads src in order through fsys.
func config(fsys rulesFS, src []source) coraza.WAFConfig {
	c := coraza.NewWAFConfig().WithRootFS(fsys)
	for _, s := range src {
		c = s.add(c)
	}
	return c
}

// blame names the first source Coraza fails on, for New's error message. Coraza's
// errors say what is wrong but not where: its parser counts lines across all sources
// together and does not name the string or file. So, on this error path only, blame
// builds growing prefixes of src until one fails. Each build reuses the patterns the
// previous one compiled, which keeps this to a fraction of a second.
func blame(fsys rulesFS, src []source) string {
	var built []coraza.WAF
	defer func() {
		for _, w := range built {
			if c, ok := w.(experimental.WAFCloser); ok {
				_ = c.Close() // always nil
			}
		}
	}()
	for i := range src {
		w, err := coraza.NewWAF(config(fsys, src[:i+1]))
		if err != nil {
			if src[i].name == "" {
				return "loading the CRS"
			}
			return src[i].name
		}
		built = append(built, w)
	}
	// Unreachable unless Coraza fails on the same input only sometimes: the last prefix
	// is the configuration New failed to load.
	return "loading rules"
}

// Close releases the Engine's share of Coraza's process-wide cache of compiled
// patterns, so that the cache can forget the patterns no live Engine uses. The Engine
// itself keeps working (its rules hold their own references), so Close is safe while
// calls to Inspect are still running; a server that reloads calls it on the Engine it
// replaced. Close is idempotent and returns nil; the error is there for io.Closer.
func (e *Engine) Close() error {
	if c, ok := e.waf.(experimental.WAFCloser); ok {
		return c.Close()
	}
	return nil
}

// RuleCount returns the number of rules loaded, for a start-up log line and for tests;
// 0 if this Coraza version cannot tell.
func (e *Engine) RuleCount() int {
	if r, ok := e.waf.(experimental.WAFWithRules); ok {
		return r.RulesCount()
	}
	return 0
}

// Stats are counters an Engine keeps across calls, for the server's metrics.
type Stats struct {
	// CloseErrors counts transactions Coraza failed to close cleanly (a temporary body
	// file left behind). It should stay 0.
	CloseErrors uint64
}

// Stats returns the Engine's counters. It is safe for concurrent use.
func (e *Engine) Stats() Stats {
	return Stats{CloseErrors: e.closeErrors.Load()}
}

// Header is one request header field as the client sent it.
type Header struct{ Name, Value string }

// Request is what Inspect needs to know about a client's request.
//
// Inspect reads a Request only during the call and the Verdict it returns shares no
// memory with it, so the strings may be views of a buffer the caller reuses once Inspect
// returns (fasthttp's). One caveat: Coraza returns a closed transaction to a pool, where
// it still points at the last request's strings, never reading them, until it is reused;
// such a buffer is kept reachable a little longer than the caller may expect.
type Request struct {
	// ID names the transaction (nginx's $request_id) so that Coraza's debug log lines
	// can be matched with nginx's. Empty means Coraza makes one up.
	ID string

	ClientAddr netip.Addr // REMOTE_ADDR; IPv4-mapped IPv6 is unmapped. Required by some rules.
	ClientPort int
	ServerAddr netip.Addr // may be the zero Addr
	ServerPort int        // may be 0

	Method string // e.g. "GET"
	URI    string // the raw request URI with its query string, e.g. "/a?b=c"
	Proto  string // e.g. "HTTP/1.1" or "HTTP/2.0"; the CRS denies versions it does not know (920430)

	// Headers are the client's request headers as received, Host among them, in order.
	Headers []Header

	// Body is the request body, nil when there is none. It is inspected only if its
	// Content-Type selects one of Coraza's body processors (URLENCODED by
	// application/x-www-form-urlencoded, MULTIPART by multipart/form-data, JSON by
	// application/json or application/*+json, XML by text/xml and application/xml);
	// the CRS makes Coraza parse a body of any other type as URLENCODED. Headers should
	// then include Content-Length: the CRS scores a POST without one (920180).
	Body []byte
}

// Match is one rule that matched.
type Match struct {
	ID       int    // the rule id, e.g. 942100
	Message  string // the rule's msg, macros expanded, e.g. "SQL Injection Attack Detected via libinjection"
	Data     string // the rule's logdata, macros expanded, often the matched text; may be empty
	Severity string // "critical", "error", "warning", "notice"...; empty if the rule sets none
	// Vars are the variables the rule matched, as SecLang names them ("ARGS:json.q",
	// "REQUEST_COOKIES:session", "REQUEST_FILENAME"), at most maxVars of them, each once:
	// what an exclusion of the rule names (sidewall tune proposes them from the log).
	Vars []string
}

// maxVars bounds Match.Vars: a rule that matched every argument of a padded request
// needs no list of them all.
const maxVars = 8

// Verdict is the outcome of one Inspect call. It is a value that owns all its memory;
// keep it as long as you like.
type Verdict struct {
	// Interrupted is true when the engine, in blocking mode, decided to deny the request.
	Interrupted bool

	// Status is the interruption's HTTP status when Interrupted (403 for the CRS's deny,
	// 413 for a body over SecRequestBodyLimit, 400 for a body that fails to parse), and
	// 0 otherwise. An interruption that sets no status (drop) reports 403.
	Status int

	// WouldInterrupt is true when the rules decided to deny the request, whether or not
	// the engine enforced it: it equals Interrupted in blocking mode, and in
	// DetectionOnly mode it is what Interrupted would have been.
	WouldInterrupt bool

	// Matched lists the rules that matched and are logged, ordered by rule id, each id
	// once: the rules Coraza's error-log callback would report. The CRS's bookkeeping
	// rules (nolog) are left out, so a clean request has none; an interrupted request
	// lists the detections (91xxxx-94xxxx) and the evaluation that denied it (949110).
	// Nil when nothing matched.
	Matched []Match

	// Truncated is true when the body was longer than Options.BodyLimit (after decoding)
	// and, with Options.BodyPartial, only its first BodyLimit bytes were inspected.
	Truncated bool

	// Limit names the inspection limit the request went beyond (one of LimitNames, e.g.
	// "args"), "" when it stayed within all of them. Such a request is denied (in
	// blocking mode; WouldInterrupt in DetectionOnly mode) whatever its score: see Limits.
	Limit string

	// Score is the inbound anomaly score at blocking paranoia level
	// (TX:blocking_inbound_anomaly_score), the number 949110 compares with the
	// threshold. It is 0 when the request was interrupted in phase 1, before the CRS
	// adds the score up.
	Score int

	// Err is non-nil when Coraza could not finish inspecting the request (it failed to
	// buffer or read the body). The other fields then describe only what ran before the
	// failure, and the caller applies its fail-open or fail-closed policy.
	Err error
}

// Inspect runs req through the engine and returns the Verdict. It is safe for concurrent
// use. Each call owns one Coraza transaction from creation to Close, including the
// logging phase, so nothing of the request is left in the Engine afterwards.
//
// The Verdict is returned by value: it is small, and a pointer would cost an allocation
// on a path that already makes thousands.
func (e *Engine) Inspect(req *Request) Verdict {
	plan := bodyPlan{body: req.Body}
	if len(req.Body) > 0 {
		plan = planBody(req, e.opts.Limits, e.opts.BodyLimit, e.opts.BodyPartial)
	}
	var tx types.Transaction
	if req.ID != "" {
		tx = e.waf.NewTransactionWithID(req.ID)
	} else {
		tx = e.waf.NewTransaction()
	}
	// Deferred so that a panic inside Coraza (the server recovers it) does not leak
	// the transaction's temporary files.
	defer func() {
		if err := tx.Close(); err != nil {
			e.closeErrors.Add(1)
		}
	}()
	if st, ok := tx.(plugintypes.TransactionState); ok && len(plan.body) > 0 {
		if plan.processor != "" {
			st.Variables().TX().Set(txBodyProcessor, []string{plan.processor})
		}
		// ModSecurity sets REQUEST_BODY_LENGTH for every body; Coraza's body processors
		// set it only for forms and raw bodies, so a JSON body without a Content-Type
		// escaped 920640 (a body without a Content-Type) once sidewall read it as JSON.
		setSingle(st.Variables().RequestBodyLength(), strconv.Itoa(len(plan.body)))
	}

	err := process(tx, req, plan.body)
	// Phase 5 runs whether or not the request was interrupted, as in a web server, and
	// before the Verdict is read so that Matched includes any logged rule it matches.
	// (The CRS's own phase 5 report, 980170, is not logged under Coraza: it says neither
	// log nor nolog, and crs-setup sets no SecDefaultAction for phase 5.)
	tx.ProcessLogging()
	// The Verdict is read before the deferred Close: our Coraza reuses the matched
	// rules' memory for the next transaction (third_party/coraza/SIDEWALL.md).
	v := verdict(tx, err)
	v.Truncated = plan.truncated || e.opts.BodyPartial && plan.status == 0 && len(plan.body) > e.opts.BodyLimit
	if plan.status != 0 {
		e.refuseBody(&v, plan)
	}
	return v
}

// refuseBody turns v into the refusal of a body planBody could not make readable (an
// unknown coding, a decompression bomb), whose head Inspect still inspected: the request
// is denied with the plan's status unless the rules denied it already.
func (e *Engine) refuseBody(v *Verdict, plan bodyPlan) {
	v.WouldInterrupt = true
	if !e.opts.DetectionOnly && !v.Interrupted {
		v.Interrupted = true
		v.Status = plan.status
	}
	if v.Limit == "" {
		v.Limit = plan.limit
	}
	m := Match{ID: idBodyRefused, Message: "Request body refused", Data: plan.reason, Severity: "critical"}
	i, _ := slices.BinarySearchFunc(v.Matched, m.ID, func(a Match, id int) int { return cmp.Compare(a.ID, id) })
	v.Matched = slices.Insert(v.Matched, i, m)
}

// process feeds req to tx phase by phase, stopping at the first interruption, in the
// order coraza/http's middleware does.
func process(tx types.Transaction, req *Request, body []byte) error {
	tx.ProcessConnection(addrString(req.ClientAddr), req.ClientPort, addrString(req.ServerAddr), req.ServerPort)
	tx.ProcessURI(req.URI, req.Method, req.Proto)
	serverName := false
	for _, h := range req.Headers {
		tx.AddRequestHeader(h.Name, h.Value)
		if !serverName && strings.EqualFold(h.Name, "Host") {
			// SERVER_NAME must be set before phase 1; the first Host is the one nginx
			// routed on.
			tx.SetServerName(h.Value)
			serverName = true
		}
	}
	if tx.ProcessRequestHeaders() != nil {
		return nil
	}
	// Rules in phase 1 may have turned body access off (ctl:requestBodyAccess) or chosen
	// a body processor, so the body is written only now.
	if len(body) > 0 && tx.IsRequestBodyAccessible() {
		it, _, err := tx.WriteRequestBody(body)
		if err != nil {
			return fmt.Errorf("waf: buffering request body: %w", err)
		}
		if it != nil {
			return nil
		}
	}
	// Called even without a body: phase 2 is where the CRS adds up the anomaly score and
	// 949110 denies.
	if _, err := tx.ProcessRequestBody(); err != nil {
		return fmt.Errorf("waf: processing request body: %w", err)
	}
	return nil
}

// addrString renders a for Coraza's REMOTE_ADDR and SERVER_ADDR. The zero Addr becomes
// "" rather than netip's "invalid IP", which rules would take for an address.
// IPv4-mapped addresses (from a dual-stack listener) are unmapped so that rules and
// exclusions written for 192.0.2.1 match.
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.Unmap().String()
}

// verdict reads the outcome out of a finished transaction, before it is closed.
func verdict(tx types.Transaction, err error) Verdict {
	v := Verdict{Err: err}
	if it := tx.Interruption(); it != nil {
		v.Interrupted = true
		v.Status = it.Status
		if v.Status == 0 {
			v.Status = 403
		}
	}
	v.WouldInterrupt = v.Interrupted
	if d, ok := tx.(detectionOnly); ok && d.IsDetectionOnlyInterrupted() {
		v.WouldInterrupt = true
	}
	mrs := tx.MatchedRules()
	v.Matched = loggedMatches(mrs)
	v.Limit = reachedLimit(tx, mrs, v.Status)
	if v.Limit == LimitDepth && v.Interrupted {
		// Coraza's body error rule answers 400; a request beyond a limit gets 403, as
		// with every other limit but the body's size (413).
		v.Status = 403
	}
	v.Score = inboundScore(tx)
	return v
}

// detectionOnly is implemented by Coraza's transaction (v3.8) but not yet part of
// types.Transaction ("TODO(4.x): evaluate to expose it in the interface").
type detectionOnly interface {
	IsDetectionOnlyInterrupted() bool
}

// logger is implemented by Coraza's matched rules (v3.8); types.MatchedRule promises it
// for v4 ("TODO(4.x): Add Log()"). A rule is logged unless it says nolog; the CRS's
// SecDefaultAction makes its detection rules log and its bookkeeping rules say nolog.
type logger interface {
	Log() bool
}

// loggedMatches converts Coraza's matched rules into Matches: logged ones only, ordered by
// id, one per id (the first match wins). The strings are copied because Coraza's macro
// expansion can return a request string unchanged (a msg of "%{MATCHED_VAR}"), and the
// Verdict must not share memory with the Request.
func loggedMatches(mrs []types.MatchedRule) []Match {
	var out []Match
	for _, mr := range mrs {
		// A rule that cannot say is reported: a stray bookkeeping rule in Matched is
		// better than a silently missing detection.
		if l, ok := mr.(logger); ok && !l.Log() {
			continue
		}
		r := mr.Rule()
		sev := ""
		if s := r.Severity(); s != types.RuleSeverityUnset {
			sev = s.String()
		}
		out = append(out, Match{ID: r.ID(), Message: mr.Message(), Data: mr.Data(), Severity: sev, Vars: matchedVars(mr)})
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(a.ID, b.ID) })
	out = slices.CompactFunc(out, func(a, b Match) bool { return a.ID == b.ID })
	for i := range out {
		out[i].Message = strings.Clone(out[i].Message)
		out[i].Data = strings.Clone(out[i].Data)
	}
	return out
}

// matchedVars names the variables the rule itself matched (not those of its chain,
// which are MATCHED_VARS), each once, at most maxVars.
func matchedVars(mr types.MatchedRule) []string {
	var out []string
	for _, md := range mr.MatchedDatas() {
		if md.ChainLevel() != 0 || len(out) == maxVars {
			continue
		}
		name := md.Variable().Name()
		if md.Key() != "" {
			name += ":" + md.Key()
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// inboundScore reads TX:blocking_inbound_anomaly_score. Coraza exposes a transaction's
// collections only through the experimental plugin interface; 0 if that is unavailable
// or the CRS never set the variable (an interruption in phase 1).
func inboundScore(tx types.Transaction) int {
	st, ok := tx.(plugintypes.TransactionState)
	if !ok {
		return 0
	}
	vals := st.Variables().TX().Get("blocking_inbound_anomaly_score")
	if len(vals) == 0 {
		return 0
	}
	n, err := strconv.Atoi(vals[0])
	if err != nil {
		return 0
	}
	return n
}
