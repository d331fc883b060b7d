package corpus

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// browser is one browser's identity: what it sends in every request. The user agents
// and client hints are those of the stable releases of late 2025 (Chrome 129-131 with the
// GREASE brand each version uses, Edge, Samsung Internet, Firefox 133, Safari 18 on
// macOS and iOS), written from their documented formats.
type browser struct {
	name     string
	family   string // "chromium", "firefox" or "safari": the header order and Accept values
	ua       string
	brands   string // sec-ch-ua; chromium only
	mobile   bool
	platform string // sec-ch-ua-platform, quoted
}

// browsers, weighted by a rough share of a European and American site's visits.
var browsers = []weighted[browser]{
	{20, browser{"Chrome 131 Windows", "chromium", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`, false, `"Windows"`}},
	{5, browser{"Chrome 130 Windows", "chromium", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", `"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"`, false, `"Windows"`}},
	{7, browser{"Chrome 131 macOS", "chromium", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`, false, `"macOS"`}},
	{1, browser{"Chrome 129 Linux", "chromium", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36", `"Google Chrome";v="129", "Not=A?Brand";v="8", "Chromium";v="129"`, false, `"Linux"`}},
	{18, browser{"Chrome 131 Android", "chromium", "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", `"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"`, true, `"Android"`}},
	{6, browser{"Edge 131 Windows", "chromium", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", `"Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24"`, false, `"Windows"`}},
	{3, browser{"Samsung Internet 26 Android", "chromium", "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", `"Chromium";v="122", "Not(A:Brand";v="24", "Samsung Internet";v="26.0"`, true, `"Android"`}},
	{16, browser{"Safari 18 iOS", "safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "", true, ""}},
	{3, browser{"Safari 17 iOS", "safari", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "", true, ""}},
	{6, browser{"Safari 18 macOS", "safari", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "", false, ""}},
	{5, browser{"Firefox 133 Windows", "firefox", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "", false, ""}},
	{1, browser{"Firefox 133 macOS", "firefox", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", "", false, ""}},
	{1, browser{"Firefox 133 Linux", "firefox", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "", false, ""}},
	{1, browser{"Firefox 133 Android", "firefox", "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "", true, ""}},
}

// visitor is who sends a request: a browser, a language, and the cookies a site set.
type visitor struct {
	b        browser
	lang     string // "en", "de", ... (language of text the visitor writes)
	region   string // "US", "DE", ...
	loggedIn bool
}

// langs are the visitors' languages, weighted; the natural text of forms follows them.
var langs = []weighted[[2]string]{
	{40, [2]string{"en", "US"}}, {10, [2]string{"en", "GB"}}, {12, [2]string{"de", "DE"}},
	{9, [2]string{"fr", "FR"}}, {9, [2]string{"es", "ES"}}, {6, [2]string{"ja", "JP"}},
	{7, [2]string{"ru", "RU"}}, {7, [2]string{"ar", "EG"}},
}

func newVisitor(r *rng) visitor {
	l := pickWeighted(r, langs)
	return visitor{b: pickWeighted(r, browsers), lang: l[0], region: l[1], loggedIn: r.chance(0.3)}
}

// acceptLanguage is what the visitor's browser sends.
func (v visitor) acceptLanguage() string {
	tag := v.lang + "-" + v.region
	switch v.b.family {
	case "firefox":
		if v.lang == "en" {
			return tag + ",en;q=0.5"
		}
		return v.lang + ",en-US;q=0.7,en;q=0.3"
	case "safari":
		if v.lang == "en" {
			return tag + ",en;q=0.9"
		}
		return tag + "," + v.lang + ";q=0.9,en;q=0.8"
	}
	if v.lang == "en" {
		if v.region == "US" {
			return "en-US,en;q=0.9"
		}
		return tag + ",en-US;q=0.9,en;q=0.8"
	}
	return tag + "," + v.lang + ";q=0.9,en-US;q=0.8,en;q=0.7"
}

// fetch describes one request a browser makes, for browserHeaders.
type fetch struct {
	host    string
	dest    string // Sec-Fetch-Dest: document, image, style, script, font, video, empty
	mode    string // Sec-Fetch-Mode: navigate, no-cors, cors, same-origin
	site    string // Sec-Fetch-Site: none, same-origin, same-site, cross-site
	user    bool   // Sec-Fetch-User: ?1 (a navigation the user started)
	accept  string // "" for the browser's own for dest
	referer string
	origin  string // "" for none
	ctype   string // Content-Type, "" for none
	length  int    // Content-Length, or -1 for none
	cookie  string
	extra   []string // the page's own headers (Authorization, X-CSRF-Token, ...)
	reload  bool     // Cache-Control: max-age=0
	tail    []string // headers after all others (Range, If-None-Match)
}

// browserHeaders returns the header fields v's browser sends for f, in its order.
func (v visitor) browserHeaders(f fetch) []string {
	b := v.b
	accept := f.accept
	if accept == "" {
		accept = defaultAccept(b.family, f.dest)
	}
	var h []string
	add := func(name, value string) {
		if value != "" {
			h = append(h, name+": "+value)
		}
	}
	cl := ""
	if f.length >= 0 {
		cl = itoa(f.length)
	}
	nav := f.dest == "document" || f.dest == "iframe"
	user := ""
	if f.user {
		user = "?1"
	}
	switch b.family {
	case "chromium":
		mobile := "?0"
		if b.mobile {
			mobile = "?1"
		}
		add("Host", f.host)
		add("Connection", "keep-alive")
		add("Content-Length", cl)
		if nav {
			if f.reload || f.ctype != "" {
				add("Cache-Control", "max-age=0")
			}
			add("sec-ch-ua", b.brands)
			add("sec-ch-ua-mobile", mobile)
			add("sec-ch-ua-platform", b.platform)
			add("Origin", f.origin)
			add("Content-Type", f.ctype)
			add("Upgrade-Insecure-Requests", "1")
			add("User-Agent", b.ua)
			add("Accept", accept)
		} else {
			add("sec-ch-ua-platform", b.platform)
			h = append(h, f.extra...)
			add("User-Agent", b.ua)
			add("sec-ch-ua", b.brands)
			add("Content-Type", f.ctype)
			add("sec-ch-ua-mobile", mobile)
			add("Accept", accept)
			add("Origin", f.origin)
		}
		add("Sec-Fetch-Site", f.site)
		add("Sec-Fetch-Mode", f.mode)
		add("Sec-Fetch-User", user)
		add("Sec-Fetch-Dest", f.dest)
		add("Referer", f.referer)
		add("Accept-Encoding", "gzip, deflate, br, zstd")
		add("Accept-Language", v.acceptLanguage())
		add("Cookie", f.cookie)
	case "firefox":
		add("Host", f.host)
		add("User-Agent", b.ua)
		add("Accept", accept)
		add("Accept-Language", v.acceptLanguage())
		add("Accept-Encoding", "gzip, deflate, br, zstd")
		h = append(h, f.extra...)
		add("Content-Type", f.ctype)
		add("Content-Length", cl)
		add("Origin", f.origin)
		add("Connection", "keep-alive")
		add("Referer", f.referer)
		add("Cookie", f.cookie)
		if nav {
			add("Upgrade-Insecure-Requests", "1")
		}
		add("Sec-Fetch-Dest", f.dest)
		add("Sec-Fetch-Mode", f.mode)
		add("Sec-Fetch-Site", f.site)
		add("Sec-Fetch-User", user)
		if f.reload {
			add("Cache-Control", "max-age=0")
		}
		add("Priority", firefoxPriority(f.dest))
	case "safari":
		add("Host", f.host)
		add("Content-Type", f.ctype)
		add("Accept", accept)
		add("Sec-Fetch-Site", f.site)
		add("Origin", f.origin)
		add("Sec-Fetch-Mode", f.mode)
		h = append(h, f.extra...)
		add("User-Agent", b.ua)
		add("Referer", f.referer)
		add("Sec-Fetch-Dest", f.dest)
		add("Content-Length", cl)
		add("Accept-Language", v.acceptLanguage())
		if nav {
			add("Priority", "u=0, i")
		} else {
			add("Priority", "u=3, i")
		}
		add("Accept-Encoding", "gzip, deflate, br")
		add("Cookie", f.cookie)
		add("Connection", "keep-alive")
	}
	return append(h, f.tail...)
}

func defaultAccept(family, dest string) string {
	switch dest {
	case "document", "iframe":
		if family == "chromium" {
			return "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
		}
		return "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	case "image":
		switch family {
		case "chromium":
			return "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
		case "firefox":
			return "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
		}
		return "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
	case "style":
		return "text/css,*/*;q=0.1"
	case "font":
		if family == "firefox" {
			return "application/font-woff2;q=1.0,application/font-woff;q=0.9,*/*;q=0.8"
		}
	}
	return "*/*"
}

func firefoxPriority(dest string) string {
	switch dest {
	case "document":
		return "u=0, i"
	case "style":
		return "u=2"
	case "script", "font":
		return "u=2"
	case "image":
		return "u=5, i"
	}
	return "u=4"
}

// site is one of the web sites the corpus visits: a shop, a news site, a web app with
// an API, a developer community. Each has its host and its own URL shapes.
type site struct {
	name string
	host string
	// tools are the analytics, consent and payment tools the site uses, whose cookies
	// its visitors carry: "ga", "meta", "onetrust", "cookiebot", "tcf", "segment",
	// "mixpanel", "hotjar", "amplitude", "clarity", "stripe", "cloudflare".
	tools []string
	// session is the name of its session cookie and a function making its value.
	session func(r *rng) string
}

var (
	shop = site{"shop", "shop.example.com", []string{"ga", "meta", "onetrust", "hotjar", "stripe", "cloudflare"}, func(r *rng) string {
		return "_shopify_s=" + r.uuid() + "; cart=" + r.alnum(32) + "%3Fkey%3D" + r.hex(32) + "; _secure_session_id=" + r.hex(32)
	}}
	news = site{"news", "www.example.org", []string{"ga", "tcf", "cookiebot", "amplitude", "clarity"}, func(r *rng) string {
		return "wordpress_logged_in_" + r.hex(32) + "=reader" + r.digits(3) + "%7C" + fmt.Sprint(r.unix()) + "%7C" + r.alnum(43) + "%7C" + r.hex(64) + "; wp-settings-time-1=" + fmt.Sprint(r.unix())
	}}
	app = site{"app", "app.example.com", []string{"segment", "mixpanel", "amplitude", "onetrust", "stripe"}, func(r *rng) string {
		return "session=" + flaskSession(r) + "; XSRF-TOKEN=" + r.b64url(30)
	}}
	community = site{"community", "community.example.net", []string{"ga", "clarity", "cloudflare"}, func(r *rng) string {
		return "_forum_session=" + r.b64(96) + "--" + r.hex(40) + "; _t=" + r.hex(32)
	}}
	sites = []weighted[site]{{40, shop}, {25, news}, {20, app}, {15, community}}
)

func (s site) origin() string { return "https://" + s.host }

// flaskSession is a signed Flask session cookie: base64url JSON, a timestamp and a
// signature.
func flaskSession(r *rng) string {
	payload := mustJSON(map[string]any{"_fresh": true, "_id": r.hex(128), "_user_id": r.digits(5), "csrf_token": r.hex(40)})
	return base64.RawURLEncoding.EncodeToString(payload) + "." + r.b64url(4) + "." + r.b64url(20)
}

// cookies returns a cookie jar such as the site would have set for v: nothing on a
// first visit; otherwise the cookies of the site's tools (Google Analytics, Meta's
// pixel, OneTrust, Cookiebot, the IAB TCF string, Segment, Mixpanel, Hotjar, Amplitude,
// Clarity, Stripe, Cloudflare) in their formats, and preferences; the session when
// logged in. Jars run from a few dozen bytes
// to about 4 KB.
func cookies(r *rng, s site, v visitor) string {
	if r.chance(0.12) {
		return ""
	}
	var c []string
	uses := func(tool string) bool { return slices.Contains(s.tools, tool) }
	add := func(tool string, p float64, kv string) {
		if (tool == "" || uses(tool)) && r.chance(p) {
			c = append(c, kv)
		}
	}
	t := r.unix()
	ga := r.digits(10) + "." + fmt.Sprint(t-int64(r.IntN(9000000)))
	add("ga", 0.85, "_ga="+"GA1.1."+ga)
	add("ga", 0.75, "_ga_"+strings.ToUpper(r.alnum(10))+"=GS1.1."+fmt.Sprint(t)+"."+itoa(r.between(1, 80))+".1."+fmt.Sprint(t+int64(r.IntN(1800)))+".0.0.0")
	add("ga", 0.3, "_gid=GA1.2."+r.digits(10)+"."+fmt.Sprint(t))
	add("ga", 0.4, "_gcl_au=1.1."+r.digits(10)+"."+fmt.Sprint(t))
	add("meta", 0.6, "_fbp=fb.1."+fmt.Sprint(r.unixMS())+"."+r.digits(10))
	if uses("onetrust") && r.chance(0.8) {
		groups := "C0001%3A1%2CC0002%3A" + pick(r, "1", "0") + "%2CC0003%3A" + pick(r, "1", "0") + "%2CC0004%3A" + pick(r, "1", "0")
		c = append(c, "OptanonAlertBoxClosed=2026-"+fmt.Sprintf("%02d-%02dT%02d:%02d:%02d.%03dZ", r.between(1, 12), r.between(1, 28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000)),
			"OptanonConsent=isGpcEnabled=0&datestamp="+url.QueryEscape(fmt.Sprintf("Tue Nov %d 2026 %02d:%02d:%02d GMT+0100 (Central European Standard Time)", r.between(1, 28), r.IntN(24), r.IntN(60), r.IntN(60)))+
				"&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId="+r.uuid()+"&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups="+groups+"&AwaitingReconsent=false&geolocation="+v.region+"%3B")
	}
	if uses("cookiebot") && r.chance(0.6) { // a JavaScript object literal, URL-encoded quotes and all
		c = append(c, "CookieConsent={stamp:%27"+r.b64(42)+"%27%2Cnecessary:true%2Cpreferences:"+pick(r, "true", "false")+"%2Cstatistics:"+pick(r, "true", "false")+
			"%2Cmarketing:"+pick(r, "true", "false")+"%2Cmethod:%27explicit%27%2Cver:1%2Cutc:"+fmt.Sprint(r.unixMS())+"%2Cregion:%27"+strings.ToLower(v.region)+"%27}")
	} else if uses("tcf") && r.chance(0.8) { // IAB TCF v2 consent string (base64url of a bit field) and Google's additional consent
		c = append(c, "euconsent-v2=CQ"+r.b64url(120)+"."+r.b64url(16), "addtl_consent=1~"+"39.43.46.55.61.70.83.89.93.108.117.122.124.135.136.143.144.147.149.159.192.196.202.211")
	}
	add("segment", 0.8, "ajs_anonymous_id=%22"+r.uuid()+"%22")
	add("segment", 0.3, "ajs_user_id=%22"+r.digits(6)+"%22")
	add("mixpanel", 0.4, "mp_"+r.hex(32)+"_mixpanel="+url.QueryEscape(`{"distinct_id": "$device:`+r.uuid()+`","$device_id": "`+r.uuid()+`","$initial_referrer": "$direct","$initial_referring_domain": "$direct","__mps": {},"__mpso": {},"__mpus": {},"__mpa": {},"__mpu": {},"__mpr": [],"__mpap": []}`))
	if uses("hotjar") && r.chance(0.5) {
		c = append(c, "_hjSessionUser_"+r.digits(7)+"="+base64.StdEncoding.EncodeToString(mustJSON(map[string]any{"id": r.uuid(), "created": r.unixMS(), "existing": true})))
	}
	if uses("amplitude") && r.chance(0.5) {
		amp := mustJSON(map[string]any{"deviceId": r.uuid(), "sessionId": r.unixMS(), "optOut": false, "lastEventTime": r.unixMS(), "lastEventId": r.IntN(400)})
		c = append(c, "AMP_"+r.hex(10)+"="+base64.StdEncoding.EncodeToString([]byte(url.PathEscape(string(amp)))))
	}
	add("clarity", 0.5, "_clck="+r.alnum(6)+"%7C2%7Cfr"+r.alnum(1)+"%7C0%7C"+itoa(r.between(1500, 1900)))
	add("stripe", 0.3, "__stripe_mid="+r.uuid()+r.hex(6))
	add("cloudflare", 0.4, "__cf_bm="+r.b64url(32)+"-"+fmt.Sprint(t)+"-1.0.1.1-"+r.b64url(64))
	add("", 0.3, "lang="+v.lang)
	add("", 0.15, "theme="+pick(r, "dark", "light", "system"))
	add("", 0.1, "recently_viewed="+url.QueryEscape(strings.Join([]string{r.digits(5), r.digits(5), r.digits(5)}, ",")))
	if v.loggedIn {
		c = append(c, s.session(r))
	}
	if len(c) == 0 {
		return ""
	}
	r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return strings.Join(c, "; ")
}
