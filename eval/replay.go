package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sidewall/sidewall/config"
	"github.com/sidewall/sidewall/eval/corpus"
	"github.com/sidewall/sidewall/internal/stack"
)

// setting is one configuration the corpora are replayed under: [waf] itself or a
// profile, each served by a server block of its own that mirrors the example site's
// "location /" with `set $sidewall_profile`.
type setting struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Profile string `json:"profile"` // "" for [waf] itself
}

// evalProfile is the profile the eval adds to config.toml for "paranoia 2": [waf] at
// paranoia level 2, everything else as shipped. The eval's own, so that a change to the
// shipped "admin" profile does not change what the report calls paranoia 2.
const evalProfile = `
# Added by the eval (eval/replay.go): [waf] at paranoia level 2.
[[waf.profiles]]
name = "eval-paranoia2"
paranoia_level = 2
`

// defaultSettings are the report's configurations: the shipped defaults, paranoia
// level 2, and the shipped "api" profile.
func defaultSettings() []setting {
	return []setting{
		{ID: "default", Profile: ""},
		{ID: "paranoia2", Profile: "eval-paranoia2"},
		{ID: "api", Profile: "api"},
	}
}

// evalServer is one setting's server block: the example site's trust of
// X-Forwarded-For from 127.0.0.1, its body path for every location, and sidewall's
// verdict copied into response headers (only here, for the eval) so that each answer
// says what sidewall decided and which rules matched. add_header skips an empty value, so
// an answer without X-Eval-Status never went through sidewall.
const evalServer = `server {
    listen %s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include sidewall/sidewall-server.conf;
    include sidewall/sidewall-protect.conf;
    add_header X-Eval-Status $sidewall_log_status always;
    add_header X-Eval-Action $sidewall_log_action always;
    add_header X-Eval-Rules $sidewall_log_rules always;
    add_header X-Eval-Reason $sidewall_log_reason always;
    add_header X-Eval-Request-Id $request_id always;
    location / {
%s        set $sidewall_continue @app;
        include sidewall/sidewall-body.conf;
    }
    location @app {
        include sidewall/sidewall-continue.conf;
        proxy_pass http://%s;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
    }
}
`

// bench is the running stack: sidewall with the project's config.toml (plus the eval's
// profile), an echo upstream, and one nginx serving a server block per setting.
type bench struct {
	dir      string
	cfgPath  string // sidewall's configuration, which the tuning step adds to
	sw       *stack.Sidewall
	ngx      *stack.Nginx
	app      *stack.Upstream
	addr     map[string]string // setting id -> listen address
	settings []setting
}

// startBench builds sidewall and starts the stack for settings.
func startBench(ctx context.Context, settings []setting) (b *bench, err error) {
	b = &bench{addr: map[string]string{}}
	defer func() {
		if err != nil {
			b.close()
			b = nil
		}
	}()
	if b.dir, err = os.MkdirTemp("", "sidewall-eval-"); err != nil {
		return nil, err
	}
	bin, err := stack.BuildSidewall(b.dir)
	if err != nil {
		return nil, err
	}
	swAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	text, err := stack.ProjectConfig(swAddr)
	if err != nil {
		return nil, err
	}
	text += evalProfile
	cfg, err := config.Parse("config.toml", []byte(text))
	if err != nil {
		return nil, fmt.Errorf("eval: config.toml with the eval's profile: %w", err)
	}
	for _, s := range settings {
		s.Title = describeSetting(cfg, s)
		b.settings = append(b.settings, s)
	}
	cfgPath := filepath.Join(b.dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(text), 0o644); err != nil {
		return nil, err
	}
	b.cfgPath = cfgPath
	if b.app, err = stack.StartUpstream("127.0.0.1:0"); err != nil {
		return nil, err
	}
	if b.sw, err = stack.StartSidewall(ctx, bin, cfgPath, swAddr); err != nil {
		return nil, err
	}
	var servers []string
	for _, s := range b.settings {
		listen, err := freeAddr()
		if err != nil {
			return nil, err
		}
		b.addr[s.ID] = listen
		set := ""
		if s.Profile != "" {
			set = "        set $sidewall_profile " + s.Profile + ";\n"
		}
		servers = append(servers, fmt.Sprintf(evalServer, listen, set, b.app.Addr))
	}
	b.ngx, err = stack.StartNginx(ctx, stack.NginxOptions{Dir: filepath.Join(b.dir, "nginx"), Sidewall: swAddr,
		NoExampleSite: true, Workers: 2, Servers: servers})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// describeSetting names a setting by the values config.toml gives it.
func describeSetting(cfg *config.Config, s setting) string {
	pl, th := cfg.WAF.ParanoiaLevel, cfg.WAF.InboundAnomalyThreshold
	name := "shipped defaults ([waf])"
	for _, p := range cfg.WAF.Profiles {
		if p.Name != s.Profile || s.Profile == "" {
			continue
		}
		if p.ParanoiaLevel != 0 {
			pl = p.ParanoiaLevel
		}
		if p.InboundAnomalyThreshold != 0 {
			th = p.InboundAnomalyThreshold
		}
		name = "profile " + p.Name
		if strings.HasPrefix(p.Name, "eval-") {
			name = "[waf] at paranoia level " + strconv.Itoa(pl)
		}
	}
	return fmt.Sprintf("%s: paranoia level %d, anomaly threshold %d", name, pl, th)
}

func (b *bench) close() {
	if b.ngx != nil {
		b.ngx.Stop()
	}
	if b.sw != nil {
		b.sw.Stop()
	}
	if b.app != nil {
		b.app.Close()
	}
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// Outcomes of a request.
const (
	outAllowed = "allowed" // sidewall let it through to the app
	outDenied  = "denied"  // sidewall denied it (400, 403, 413, 415, 429)
	outNginx   = "nginx"   // nginx answered without asking sidewall (400, 405, 414...)
	outError   = "error"   // no answer, or sidewall unreachable
)

// outcome is what became of one request under one setting.
type outcome struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Class     string `json:"class,omitempty"`
	Place     string `json:"place,omitempty"`
	Note      string `json:"note,omitempty"`
	Outcome   string `json:"outcome"`
	Status    int    `json:"status"`           // the client's status
	Action    string `json:"action,omitempty"` // sidewall's X-Sidewall-Action
	Reason    string `json:"reason,omitempty"` // e.g. "anomaly score 8"
	Rules     []int  `json:"rules,omitempty"`  // every rule id sidewall reported, 949110 included
	RequestID string `json:"request_id,omitempty"`
	Detail    string `json:"detail,omitempty"` // an error, or an echo mismatch
	// Matches are the matched rules with their messages and the matched data, from
	// sidewall's log line of a denial.
	Matches []logMatch `json:"matches,omitempty"`
}

type logMatch struct {
	ID   int      `json:"id"`
	Msg  string   `json:"msg"`
	Data string   `json:"data,omitempty"`
	Vars []string `json:"vars,omitempty"` // the variables the rule matched
}

// job is one request to send.
type job struct {
	i   int
	req *corpus.Request
}

// replay sends reqs through setting s with conc connections and returns one outcome per
// request, in order. Each request comes from its own client address (198.18.0.0/15, the
// benchmarking range: on no blocklist, and never counted twice by a rate limit), added
// as X-Forwarded-For after the request's own headers, as a load balancer adds it.
func (b *bench) replay(ctx context.Context, s setting, reqs []*corpus.Request, firstAddr int, conc int, progress func(done int)) []outcome {
	out := make([]outcome, len(reqs))
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &conn{addr: b.addr[s.ID]}
			defer c.close()
			for j := range jobs {
				out[j.i] = c.send(ctx, j.req, clientAddr(firstAddr+j.i))
				if progress != nil {
					mu.Lock()
					done++
					progress(done)
					mu.Unlock()
				}
			}
		}()
	}
	for i, r := range reqs {
		jobs <- job{i, r}
	}
	close(jobs)
	wg.Wait()
	return out
}

// clientAddr returns the i-th address of 198.18.0.0/15.
func clientAddr(i int) netip.Addr {
	n := uint32(198)<<24 | uint32(18)<<16 + uint32(i%131070) + 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// conn is one keep-alive connection to nginx, redialled when nginx closes it.
type conn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

func (c *conn) send(ctx context.Context, r *corpus.Request, from netip.Addr) outcome {
	o := outcome{ID: r.ID, Kind: r.Kind, Class: r.Class, Place: r.Place, Note: r.Note}
	raw, err := r.Raw("X-Forwarded-For: " + from.String())
	if err != nil {
		o.Outcome, o.Detail = outError, err.Error()
		return o
	}
	var resp *http.Response
	for attempt := 0; ; attempt++ {
		resp, err = c.roundTrip(ctx, raw, r.Method)
		if err == nil || attempt == 1 {
			break
		}
		c.close() // a keep-alive connection nginx closed meanwhile: once more on a new one
	}
	if err != nil {
		o.Outcome, o.Detail = outError, err.Error()
		return o
	}
	defer resp.Body.Close()
	n, _ := io.Copy(io.Discard, resp.Body)
	if resp.Close {
		c.close()
	}
	o.Status = resp.StatusCode
	o.Action = resp.Header.Get("X-Eval-Action")
	o.Reason = resp.Header.Get("X-Eval-Reason")
	o.RequestID = resp.Header.Get("X-Eval-Request-Id")
	for _, f := range strings.Split(resp.Header.Get("X-Eval-Rules"), ",") {
		if id, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			o.Rules = append(o.Rules, id)
		}
	}
	swStatus := resp.Header.Get("X-Eval-Status")
	switch {
	case swStatus == "":
		o.Outcome = outNginx
	case swStatus == "204" && resp.StatusCode < 400:
		o.Outcome = outAllowed
		body, _ := r.BodyBytes()
		if got := resp.Header.Get("X-Echo-Method"); got != r.Method || resp.Header.Get("X-Echo-Body-Length") != strconv.Itoa(len(body)) {
			o.Detail = fmt.Sprintf("the app got %s with %s body bytes, want %s with %d", got, resp.Header.Get("X-Echo-Body-Length"), r.Method, len(body))
		}
	case swStatus == "400" || swStatus == "403" || swStatus == "413" || swStatus == "415" || swStatus == "429":
		// 400, 413 and 415 are the body path's own answers to a body that does not
		// parse or decode, is too large, or is in a coding sidewall does not read.
		o.Outcome = outDenied
	default:
		o.Outcome, o.Detail = outError, fmt.Sprintf("sidewall status %s, client status %d, %d body bytes", swStatus, resp.StatusCode, n)
	}
	return o
}

func (c *conn) roundTrip(ctx context.Context, raw []byte, method string) (*http.Response, error) {
	if c.c == nil {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return nil, err
		}
		c.c, c.br = nc, bufio.NewReader(nc)
	}
	c.c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.c.Write(raw); err != nil {
		return nil, err
	}
	return http.ReadResponse(c.br, &http.Request{Method: method})
}

// attachMatches adds to each denied outcome the matches of sidewall's log line for its
// request id: what each rule said and the data it matched.
func attachMatches(logs string, outs []outcome) {
	byID := map[string][]logMatch{}
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"matches"`) {
			continue
		}
		var l struct {
			RequestID string     `json:"request_id"`
			Matches   []logMatch `json:"matches"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.RequestID != "" {
			byID[l.RequestID] = l.Matches
		}
	}
	for i := range outs {
		if outs[i].Outcome == outDenied {
			outs[i].Matches = byID[outs[i].RequestID]
		}
	}
}

func freeAddr() (string, error) {
	p, err := stack.FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", p), nil
}
