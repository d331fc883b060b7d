package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// checker is the process a configuration's nginx asks about each request.
type checker string

const (
	checkNone      checker = ""
	checkResponder checker = "responder"           // the do-nothing responder
	checkLite      checker = "sidewall-lite"       // sidewall, blocklist and limiter only
	checkLiteRedis checker = "sidewall-lite-redis" // the same with the rule's counts in Redis
	checkFull      checker = "sidewall-full"       // sidewall with the WAF (CRS PL1)
)

// target is one configuration: a server { } block on an nginx instance of its own.
type target struct {
	ID      string
	Checker checker
	ModSec  bool // loads ModSecurity (Debian's module and CRS)
	Body    bool // needs the body path, nginx/sidewall-body.conf
}

// lookupTarget returns the configuration named id. A function rather than a package
// map, so that nothing can change the table.
func lookupTarget(id string) *target {
	switch id {
	case "baseline", "limitreq":
		return &target{ID: id}
	case "authnop":
		return &target{ID: id, Checker: checkResponder}
	case "bodynop":
		return &target{ID: id, Checker: checkResponder, Body: true}
	case "lite":
		return &target{ID: id, Checker: checkLite}
	case "literedis":
		return &target{ID: id, Checker: checkLiteRedis}
	case "sidewall":
		return &target{ID: id, Checker: checkFull}
	case "sidewallbody":
		return &target{ID: id, Checker: checkFull, Body: true}
	case "modsec":
		return &target{ID: id, ModSec: true}
	}
	panic("bench: unknown target " + id)
}

// measurement is a configuration under one kind of request: a row of the report.
type measurement struct {
	ID     string // "sidewall/get"
	Title  string
	Target *target
	Kind   kind
}

// allMeasurements lists the measurements in the order of a round and of the report.
func allMeasurements() []measurement {
	m := func(id, t string, k kind, title string) measurement {
		return measurement{ID: id, Title: title, Target: lookupTarget(t), Kind: k}
	}
	return []measurement{
		m("baseline/get", "baseline", kindGet, "nginx → app (baseline)"),
		m("baseline/post", "baseline", kindPost, "nginx → app (baseline)"),
		m("authnop/get", "authnop", kindGet, "+ auth_request, do-nothing responder"),
		m("bodynop/post", "bodynop", kindPost, "+ body path, do-nothing responder"),
		m("lite/get", "lite", kindGet, "+ sidewall: blocklist, limiter (WAF off)"),
		m("literedis/get", "literedis", kindGet, "+ sidewall: blocklist, limiter in Redis (WAF off)"),
		m("sidewall/get", "sidewall", kindGet, "+ sidewall full (CRS PL1)"),
		m("sidewall/post", "sidewallbody", kindPost, "+ sidewall full (CRS PL1), body path"),
		m("sidewall/attack", "sidewall", kindAttack, "+ sidewall full (CRS PL1)"),
		m("limitreq/get", "limitreq", kindGet, "+ nginx limit_req"),
		m("modsec/get", "modsec", kindGet, "+ ModSecurity v3 + CRS PL1"),
		m("modsec/post", "modsec", kindPost, "+ ModSecurity v3 + CRS PL1"),
		m("modsec/attack", "modsec", kindAttack, "+ ModSecurity v3 + CRS PL1"),
	}
}

// Expect is the status every request of the measurement must get.
func (m measurement) Expect() int {
	if m.Kind == kindAttack && (m.Target.ModSec || m.Target.Checker == checkFull) {
		return 403
	}
	return 200
}

// BaselineID is the measurement its throughput is compared with: nginx alone with the
// same method (an attack GET costs nginx alone what a benign GET does).
func (m measurement) BaselineID() string {
	if m.Kind == kindPost {
		return "baseline/post"
	}
	return "baseline/get"
}

// FloorID is the do-nothing responder on the same path (auth_request, or the body path
// for a POST): the least any checker beside nginx can cost.
func (m measurement) FloorID() string {
	if m.Kind == kindPost {
		return "bodynop/post"
	}
	return "authnop/get"
}

// selectMeasurements picks the measurements whose id matches one of only (exactly, or as
// a prefix up to a '/'), plus the baselines and floors their ratios need. Empty only
// picks all.
func selectMeasurements(only []string) ([]measurement, error) {
	all := allMeasurements()
	if len(only) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, o := range only {
		o = strings.TrimSpace(o)
		n := 0
		for _, m := range all {
			if m.ID == o || strings.HasPrefix(m.ID, o+"/") || (strings.HasSuffix(o, "/") && strings.HasPrefix(m.ID, o)) {
				want[m.ID] = true
				want[m.BaselineID()] = true
				if m.Target.Checker != checkNone || m.Target.ModSec {
					want[m.FloorID()] = true
				}
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("no measurement matches %q (see -list)", o)
		}
	}
	var out []measurement
	for _, m := range all {
		if want[m.ID] {
			out = append(out, m)
		}
	}
	return out, nil
}

// The nginx side. Every bench server has the same frame: a named host, no access log (the
// same for all, and the figures are about the checks, not about disk writes), Debian's
// default error log level, and X-Forwarded-For trusted from 127.0.0.1 so that the bench
// traffic comes from many client addresses.

// appLocation proxies to the echo upstream ("app") over keepalive connections.
const appLocation = `    location / {
        proxy_pass http://bench_app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;%s
    }
`

// bodyServer is the body path as nginx/sidewall-body.conf documents its use: the include
// proxies the whole request to sidewall's /inspect, naming in X-Sidewall-Continue the
// named location where an allowed request continues (sidewall answers with
// X-Accel-Redirect to it), and that location includes sidewall-continue.conf. If the
// includes' interface changes, this is the one place to change; the probe before the
// measurements says whether it works.
const bodyServer = `    include sidewall/sidewall-server.conf;
    location / {
        set $sidewall_continue @app;
        include sidewall/sidewall-body.conf;
    }
    location @app {
        include sidewall/sidewall-continue.conf;
        proxy_pass http://bench_app;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
    }
`

// nginxHTTP is the http { } text every bench nginx gets: the app upstream, and for
// limit_req a zone whose rate the bench traffic never reaches (each of the bench's 256
// client addresses sends a few hundred requests per second at most).
func nginxHTTP(t *target, app string) string {
	s := fmt.Sprintf("    upstream bench_app {\n        server %s;\n        keepalive 64;\n    }\n", app)
	if t.ID == "limitreq" {
		s += "    limit_req_zone $binary_remote_addr zone=bench:10m rate=100000r/s;\n"
	}
	return s
}

// declareVars declares the variables of the "sidewall" log format, which internal/stack
// sets for the whole http { } block, in servers that never ask sidewall (nginx refuses a
// log format with unknown variables). The location is never entered.
const declareVars = `    location @bench_declare_sidewall_vars {
        auth_request_set $sidewall_status "";
        auth_request_set $sidewall_action "";
        auth_request_set $sidewall_reason "";
        auth_request_set $sidewall_rules "";
        return 404;
    }
`

// nginxServer returns the server { } block of t.
func nginxServer(t *target, listen, errorLog, modsecRules string) string {
	var body string
	switch t.ID {
	case "baseline":
		body = fmt.Sprintf(appLocation, "")
	case "limitreq":
		body = fmt.Sprintf(appLocation, "\n        limit_req zone=bench burst=100 nodelay;")
	case "authnop", "lite", "literedis", "sidewall":
		// The project's own includes, exactly as shipped: what an operator deploys.
		body = "    include sidewall/sidewall-server.conf;\n    include sidewall/sidewall-protect.conf;\n" +
			fmt.Sprintf(appLocation, "")
	case "bodynop", "sidewallbody":
		body = bodyServer
	case "modsec":
		body = fmt.Sprintf("    modsecurity on;\n    modsecurity_rules_file %s;\n", modsecRules) +
			fmt.Sprintf(appLocation, "")
	default:
		panic("bench: unknown target " + t.ID)
	}
	return fmt.Sprintf(`server {
    listen %s;
    server_name shop.example.com;
    access_log off;
    error_log %s error;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
%s%s}
`, listen, errorLog, body, declareVars)
}

// swConfig describes a bench sidewall's configuration.
type swConfig struct {
	Listen    string
	WAF       bool     // the WAF at CRS paranoia level 1, threshold 5
	NoLimiter bool     // rate limiting off
	MaxKeys   int      // ratelimit.max_keys; 0 is the default
	Files     []string // blocklist files
	Redis     string   // the address of a standalone Redis for the rule's counts; "" keeps them in memory
}

// text renders the configuration: the demo's blocklist entries, one rate-limit rule by
// client address that the bench traffic never reaches (its counts in memory, or in Redis
// with the default algorithm: an exact log per client), and the WAF when asked for.
// Denials are logged as in production (one JSON line each); allowed requests are not.
func (c swConfig) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# generated by the sidewall bench\n[server]\nlisten = %q\n\n", c.Listen)
	b.WriteString("[log]\nlevel = \"info\"\nformat = \"json\"\n\n")
	b.WriteString("[blocklist]\nenabled = true\nentries = [\"203.0.113.0/24\", \"2001:db8:bad::/48\"]\n")
	if len(c.Files) > 0 {
		fmt.Fprintf(&b, "files = [")
		for i, f := range c.Files {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", f)
		}
		b.WriteString("]\n")
	}
	fmt.Fprintf(&b, "\n[ratelimit]\nenabled = %t\n", !c.NoLimiter)
	if c.MaxKeys > 0 {
		fmt.Fprintf(&b, "max_keys = %d\n", c.MaxKeys)
	}
	if c.Redis != "" {
		fmt.Fprintf(&b, "backend = \"redis\"\n\n[ratelimit.redis]\naddress = %q\n", c.Redis)
	}
	b.WriteString("\n[[ratelimit.rules]]\nname = \"per-client\"\nby = [\"addr\"]\nlimit = 100000\nwindow = \"10s\"\n\n")
	fmt.Fprintf(&b, "[waf]\nenabled = %t\nparanoia_level = 1\ninbound_anomaly_threshold = 5\n", c.WAF)
	return b.String()
}

// Debian's ModSecurity layout: libnginx-mod-http-modsecurity installs the module and a
// recommended configuration for nginx; modsecurity-crs installs the rules under
// /usr/share and the files an operator edits (crs-setup.conf, the exclusions) under
// /etc/modsecurity/crs, tied together by owasp-crs.load.
const (
	modsecModule  = "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so"
	modsecConf    = "/etc/nginx/modsecurity.conf"
	modsecUnicode = "/etc/nginx/unicode.mapping"
	crsLoad       = "/usr/share/modsecurity-crs/owasp-crs.load"
)

// modsecPackages are the Debian packages of the ModSecurity configurations.
var modsecPackages = []string{"libnginx-mod-http-modsecurity", "modsecurity-crs"}

// writeModSecRules writes the rules file for nginx's modsecurity_rules_file into dir:
// Debian's recommended modsecurity.conf, switched from DetectionOnly to On and with its
// log and temp paths moved into dir, then the CRS as owasp-crs.load includes it (paranoia
// level 1, threshold 5: crs-setup.conf's defaults, as sidewall's). Two deliberate
// departures, both to compare like with like: response body inspection is off (sidewall
// never sees responses; Debian's file turns it on), and IncludeOptional becomes Include
// of the files that exist (libmodsecurity3 does not know IncludeOptional, as Debian's
// README says). The audit log of denied requests stays on, as Debian ships it.
func writeModSecRules(dir string) (string, error) {
	b, err := os.ReadFile(modsecConf)
	if err != nil {
		return "", fmt.Errorf("modsecurity: %w (is libnginx-mod-http-modsecurity installed?)", err)
	}
	conf := string(b)
	for _, r := range []struct{ old, new string }{
		{"SecRuleEngine DetectionOnly", "SecRuleEngine On"},
		{"SecResponseBodyAccess On", "SecResponseBodyAccess Off"},
		{"/var/log/nginx/modsec_audit.log", filepath.Join(dir, "modsec_audit.log")},
		{"SecTmpDir /tmp/", "SecTmpDir " + dir + "/"},
		{"SecDataDir /tmp/", "SecDataDir " + dir + "/"},
		{"SecUnicodeMapFile unicode.mapping", "SecUnicodeMapFile " + modsecUnicode},
	} {
		if !strings.Contains(conf, r.old) {
			return "", fmt.Errorf("modsecurity: %s no longer has %q; the bench needs updating", modsecConf, r.old)
		}
		conf = strings.Replace(conf, r.old, r.new, 1)
	}
	load, err := os.ReadFile(crsLoad)
	if err != nil {
		return "", fmt.Errorf("modsecurity: %w (is modsecurity-crs installed?)", err)
	}
	var crs strings.Builder
	for _, line := range strings.Split(string(load), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || (f[0] != "Include" && f[0] != "IncludeOptional") {
			continue
		}
		if matches, _ := filepath.Glob(f[1]); len(matches) == 0 {
			continue
		}
		crs.WriteString("Include " + f[1] + "\n")
	}
	if crs.Len() == 0 {
		return "", fmt.Errorf("modsecurity: %s includes no rules", crsLoad)
	}
	path := filepath.Join(dir, "modsecurity.conf")
	text := "# generated by the sidewall bench from " + modsecConf + " and " + crsLoad + "\n" +
		conf + "\n# OWASP CRS, as " + crsLoad + " loads it\n" + crs.String()
	return path, os.WriteFile(path, []byte(text), 0o644)
}
