package server

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sidewall/sidewall/waf"
)

// metrics are the server's Prometheus collectors. The counters and observers used on the
// allow path are resolved once, here: WithLabelValues on every request would hash label
// values and, for a new combination, allocate.
type metrics struct {
	decisions *prometheus.CounterVec   // action, reason
	checks    *prometheus.HistogramVec // check
	wafScore  prometheus.Histogram
	panics    prometheus.Counter
	// wafSkipped counts requests for static assets the WAF did not inspect.
	wafSkipped prometheus.Counter
	// limits counts requests beyond an inspection limit, by the limit's name; limitByName
	// holds one counter per name, resolved at start (the map is only read afterwards).
	limits      *prometheus.CounterVec
	limitByName map[string]prometheus.Counter

	allowed, blocklisted, banned, invalid, failed  prometheus.Counter
	blocklistSeconds, ratelimitSeconds, wafSeconds prometheus.Observer

	byReason sync.Map // "action\x00reason" -> prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sidewall", Name: "decisions_total",
			Help: "Decisions by action (allow, blocklist, ban, ratelimit, waf, invalid, error) and reason (the rate-limit rule; the CRS rule family, e.g. 942 for SQL injection). ratelimit_dry_run and detect count what a dry-run rule or detection-only WAF would have denied; those requests are counted as allow too.",
		}, []string{"action", "reason"}),
		checks: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "sidewall", Name: "check_duration_seconds",
			Help:    "Time spent in each check (blocklist, ratelimit, waf) per request that reached it.",
			Buckets: []float64{1e-7, 5e-7, 1e-6, 5e-6, 2e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 5e-2},
		}, []string{"check"}),
		wafScore: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "sidewall", Name: "waf_anomaly_score",
			Help:    "Inbound anomaly score of each request the WAF inspected (the CRS denies at the threshold, 5 by default).",
			Buckets: []float64{0, 2, 3, 4, 5, 8, 10, 15, 20, 30, 50},
		}),
		wafSkipped: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "sidewall", Name: "waf_skipped_total",
			Help: "Requests for static assets (waf.skip_path_prefixes, waf.skip_extensions) the WAF did not inspect.",
		}),
		limits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "sidewall", Name: "limit_reached_total",
			Help: "Requests beyond an inspection limit, by limit (the name of its configuration key: args, headers, depth, max_header_bytes...). They are denied; with waf.body_limit_action = \"inspect_partial\", a body over body_limit is inspected in part and counted here too.",
		}, []string{"limit"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "sidewall", Name: "panics_recovered_total",
			Help: "Panics inside a check, recovered and answered by the failure policy.",
		}),
	}
	m.allowed = m.decisions.WithLabelValues(actionAllow, "")
	m.blocklisted = m.decisions.WithLabelValues(actionBlocklist, "")
	m.banned = m.decisions.WithLabelValues(actionBan, "")
	m.invalid = m.decisions.WithLabelValues(actionInvalid, "")
	m.failed = m.decisions.WithLabelValues(actionError, "")
	m.blocklistSeconds = m.checks.WithLabelValues("blocklist")
	m.ratelimitSeconds = m.checks.WithLabelValues("ratelimit")
	m.wafSeconds = m.checks.WithLabelValues("waf")
	m.limitByName = make(map[string]prometheus.Counter)
	for _, name := range append([]string{limitHeaderBytes, limitBodyBytes}, waf.LimitNames...) {
		m.limitByName[name] = m.limits.WithLabelValues(name)
	}
	return m
}

// The server's own limits, in the names of their configuration keys (the WAF's are
// waf.LimitNames).
const (
	limitHeaderBytes = "max_header_bytes" // Options.MaxHeaderBytes
	limitBodyBytes   = "max_body_bytes"   // Options.MaxBodyBytes
)

// limitReached counts a request beyond the limit called name.
func (m *metrics) limitReached(name string) {
	c, ok := m.limitByName[name]
	if !ok {
		c = m.limits.WithLabelValues(name) // a limit a newer waf package added
	}
	c.Inc()
}

// counter returns the decisions counter for action and a reason of bounded cardinality
// (a rule name, a rule family), without allocating once it has been seen.
func (m *metrics) counter(action, reason string) prometheus.Counter {
	var buf [96]byte
	key := append(append(append(buf[:0], action...), 0), reason...)
	if c, ok := m.byReason.Load(string(key)); ok {
		return c.(prometheus.Counter)
	}
	c := m.decisions.WithLabelValues(action, reason)
	m.byReason.Store(string(key), c)
	return c
}

// ruleFamily is the CRS file a rule id belongs to (942123 -> "942"), the label for WAF
// decisions: one label per rule id would let attackers grow the metric without bound.
func ruleFamily(id int) string {
	if id >= 900000 && id < 1000000 {
		return strconv.Itoa(id / 1000)
	}
	return "custom"
}

// since observes the time from start on o.
func since(o prometheus.Observer, start time.Time) { o.Observe(time.Since(start).Seconds()) }

// Describe and Collect make the Server a prometheus.Collector: the per-request counters
// above, and the state of the live policy read at scrape time (keys each rate-limit rule
// tracks, its evictions, Redis fallbacks; blocklist and ban sizes), which costs the hot
// path nothing.
func (s *Server) Describe(ch chan<- *prometheus.Desc) {
	s.m.decisions.Describe(ch)
	s.m.checks.Describe(ch)
	s.m.wafScore.Describe(ch)
	s.m.panics.Describe(ch)
	s.m.wafSkipped.Describe(ch)
	s.m.limits.Describe(ch)
	for _, d := range stateDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s *Server) Collect(ch chan<- prometheus.Metric) {
	s.m.decisions.Collect(ch)
	s.m.checks.Collect(ch)
	s.m.wafScore.Collect(ch)
	s.m.panics.Collect(ch)
	s.m.wafSkipped.Collect(ch)
	s.m.limits.Collect(ch)
	p := s.policy.Load()
	for _, l := range p.Limits {
		if l.Window != nil {
			st := l.Window.Stats()
			ch <- prometheus.MustNewConstMetric(descLimiterKeys, prometheus.GaugeValue, float64(st.Keys), l.Name)
			ch <- prometheus.MustNewConstMetric(descLimiterEvictions, prometheus.CounterValue, float64(st.Evictions), l.Name)
			ch <- prometheus.MustNewConstMetric(descLimiterLogs, prometheus.GaugeValue, float64(st.Logs), l.Name)
			ch <- prometheus.MustNewConstMetric(descLimiterInexact, prometheus.CounterValue, float64(st.Inexact), l.Name)
		}
		if l.Shared != nil {
			rs := l.Shared.Stats()
			ch <- prometheus.MustNewConstMetric(descRedisErrors, prometheus.CounterValue, float64(rs.Errors), l.Name)
			ch <- prometheus.MustNewConstMetric(descRedisFallbacks, prometheus.CounterValue, float64(rs.Fallbacks), l.Name)
			in := 0.0
			if rs.InFallback {
				in = 1
			}
			ch <- prometheus.MustNewConstMetric(descRedisInFallback, prometheus.GaugeValue, in, l.Name)
		}
	}
	ch <- prometheus.MustNewConstMetric(descListEntries, prometheus.GaugeValue, float64(p.Block.Len()), "block")
	ch <- prometheus.MustNewConstMetric(descListEntries, prometheus.GaugeValue, float64(p.Allow.Len()), "allow")
	if s.bans != nil {
		st := s.bans.Stats()
		ch <- prometheus.MustNewConstMetric(descBans, prometheus.GaugeValue, float64(st.Bans))
	}
}

var (
	descLimiterKeys = prometheus.NewDesc("sidewall_ratelimit_keys",
		"Client keys a rate-limit rule tracks now (bounded by ratelimit.max_keys).", []string{"rule"}, nil)
	descLimiterEvictions = prometheus.NewDesc("sidewall_ratelimit_evictions_total",
		"Live keys a rule dropped because ratelimit.max_keys was reached; a steady rate means the cap is small or an attacker rotates addresses.", []string{"rule"}, nil)
	descLimiterLogs = prometheus.NewDesc("sidewall_ratelimit_logs",
		"Client keys of a rule holding an exact log now: those with more than four requests in their window, up to the rule's pool.", []string{"rule"}, nil)
	descLimiterInexact = prometheus.NewDesc("sidewall_ratelimit_inexact_total",
		"Requests a rule decided by the sliding-window counter's estimate because the client's key needed an exact log and the pool had none; a steady rate means more keys are near their limit than the pool holds.", []string{"rule"}, nil)
	descRedisErrors = prometheus.NewDesc("sidewall_ratelimit_redis_errors_total",
		"Failed Redis calls of a shared rate-limit rule.", []string{"rule"}, nil)
	descRedisFallbacks = prometheus.NewDesc("sidewall_ratelimit_redis_fallbacks_total",
		"Switches of a shared rule from Redis to its fallback.", []string{"rule"}, nil)
	descRedisInFallback = prometheus.NewDesc("sidewall_ratelimit_redis_in_fallback",
		"1 while a shared rule decides with its fallback because Redis is unreachable.", []string{"rule"}, nil)
	descListEntries = prometheus.NewDesc("sidewall_blocklist_entries",
		"Entries of the blocklist and the allowlist after normalisation.", []string{"list"}, nil)
	descBans = prometheus.NewDesc("sidewall_bans",
		"Dynamic bans held now (admin API and auto-ban).", nil, nil)
	stateDescs = []*prometheus.Desc{descLimiterKeys, descLimiterEvictions, descLimiterLogs, descLimiterInexact, descRedisErrors,
		descRedisFallbacks, descRedisInFallback, descListEntries, descBans}
)
