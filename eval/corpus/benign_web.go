package corpus

import (
	"fmt"
	"net/url"
	"strings"
)

// page returns a path and query of s that a visitor v navigates to, and its title-ish
// description for the Note.
func page(r *rng, s site, v visitor) string {
	utm := func(p string) string {
		if r.chance(0.15) {
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			src := pick(r, "newsletter", "facebook", "google", "instagram", "twitter")
			p += sep + query("utm_source", src, "utm_medium", pick(r, "email", "social", "cpc"), "utm_campaign", pick(r, "black_friday_2026", "winter-sale", "Spring Launch", "weekly_digest_48"))
			if r.chance(0.3) {
				p += "&" + pick(r, "fbclid=IwAR"+r.b64url(45), "gclid="+r.b64url(60), "msclkid="+r.hex(32))
			}
		}
		return p
	}
	switch s.name {
	case "shop":
		prod := slug(pick(r, products...) + " " + pick(r, colors...))
		return utm(pickWeighted(r, []weighted[string]{
			{10, "/"},
			{20, "/products/" + prod + pick(r, "", "?variant="+r.digits(11))},
			{15, "/collections/" + pick(r, "mens", "womens", "kids", "sale", "new-arrivals") + pick(r, "", "?page="+itoa(r.between(2, 9)), "?sort_by=price-ascending", "?filter.v.option.size=M&filter.v.price.gte=20&filter.v.price.lte=80")},
			{12, "/search?" + query("q", r.search(v.lang), "type", "product")},
			{6, "/cart"},
			{4, "/checkouts/cn/" + r.alnum(26) + "/information"},
			{4, "/account/orders/" + r.digits(5)},
			{3, "/pages/" + pick(r, "shipping-returns", "size-guide", "contact", "about-us", "faq")},
			{3, "/blogs/journal/" + slug(pick(r, headlines...))},
			{2, "/account/login?return_url=%2Faccount"},
		}))
	case "news":
		return utm(pickWeighted(r, []weighted[string]{
			{8, "/"},
			{30, fmt.Sprintf("/2026/%02d/%02d/%s/", r.between(1, 12), r.between(1, 28), slug(pick(r, headlines...)))},
			{8, "/category/" + pick(r, "politics", "business", "tech", "culture", "sport") + "/" + pick(r, "", "page/"+itoa(r.between(2, 20))+"/")},
			{6, "/?" + query("s", r.search(v.lang))},
			{4, "/tag/" + pick(r, "elections", "climate", "ai", "football") + "/"},
			{3, "/author/" + slug(strings.Join([]string{pick(r, firstNames...), pick(r, lastNames...)}, " ")) + "/"},
			{3, fmt.Sprintf("/2026/%02d/%02d/%s/amp/", r.between(1, 12), r.between(1, 28), slug(pick(r, headlines...)))},
			{2, fmt.Sprintf("/2026/%02d/%02d/%s/?replytocom=%s", r.between(1, 12), r.between(1, 28), slug(pick(r, headlines...)), r.digits(5))},
		}))
	case "app":
		return utm(pickWeighted(r, []weighted[string]{
			{10, "/dashboard"},
			{10, "/projects/" + r.digits(4) + "/board" + pick(r, "", "?view=kanban&assignee=me")},
			{6, "/projects/" + r.digits(4) + "/tasks/" + r.digits(5)},
			{4, "/settings/" + pick(r, "profile", "billing", "notifications", "team")},
			{3, "/login" + pick(r, "", "?next=%2Fdashboard")},
			{3, "/invite/" + r.b64url(24)},
			{2, "/oauth/callback?" + query("code", r.b64url(32), "state", r.b64url(16))},
			{2, "/reset-password?token=" + r.b64url(32)},
		}))
	}
	id := r.digits(5)
	title := pick(r, "how-to-handle-errors-in-async-functions", "nginx-returns-502-after-upgrade", "select-vs-join-performance", "why-does-my-regex-match-twice",
		"best-way-to-parse-json-in-go", "docker-compose-networking-question", "drop-table-by-accident-recovery", "rust-lifetime-errors-explained")
	return utm(pickWeighted(r, []weighted[string]{
		{30, "/t/" + title + "/" + id + pick(r, "", "/"+itoa(r.between(2, 40)))},
		{10, "/latest" + pick(r, "", "?order=activity")},
		{8, "/c/" + pick(r, "help", "show-and-tell", "announcements", "dev") + "/" + itoa(r.between(3, 40))},
		{6, "/search?" + query("q", pick(r, "select join performance", "error: cannot find module", "update docker image", "\"connection refused\" nginx", "drop column postgres"))},
		{4, "/u/" + url.PathEscape(strings.ToLower(pick(r, firstNames...))) + r.digits(2) + "/summary"},
		{2, "/tags/" + pick(r, "go", "python", "sql", "javascript", "devops")},
	}))
}

func genNav(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	target := page(r, s, v)
	f := fetch{host: s.host, dest: "document", mode: "navigate", length: -1, cookie: cookies(r, s, v)}
	switch r.IntN(10) {
	case 0, 1, 2: // typed, bookmark or a link from elsewhere
		f.site, f.user = "none", true
		if r.chance(0.4) {
			f.site = "cross-site"
			f.referer = pick(r, "https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://t.co/"+r.alnum(10), "https://www.facebook.com/", "https://news.ycombinator.com/")
		}
	default: // a link on the same site
		f.site, f.user = "same-origin", true
		f.referer = s.origin() + page(r, s, v)
		f.reload = r.chance(0.05)
	}
	return Request{Method: "GET", Target: target, Header: v.browserHeaders(f), Note: v.b.name + ", navigation"}
}

// assets are the subresources of a page: path shape, Sec-Fetch-Dest and extension.
func genAsset(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	ref := s.origin() + page(r, s, v)
	f := fetch{host: s.host, mode: "no-cors", site: "same-origin", referer: ref, length: -1}
	if r.chance(0.7) {
		f.cookie = cookies(r, s, v)
	}
	var target string
	switch pickWeighted(r, []weighted[string]{{30, "image"}, {20, "script"}, {15, "style"}, {8, "font"}, {6, "media"}, {6, "json"}, {5, "icon"}, {4, "manifest"}, {3, "sw"}, {3, "map"}}) {
	case "image":
		f.dest = "image"
		switch s.name {
		case "shop":
			target = "/cdn/shop/files/" + slug(pick(r, products...)) + "-" + r.digits(2) + pick(r, ".jpg", ".webp", ".png") + "?v=" + fmt.Sprint(r.unix()) + pick(r, "", "&width="+pick(r, "360", "720", "1080", "1946"))
		case "news":
			target = fmt.Sprintf("/wp-content/uploads/2026/%02d/%s-%dx%d.%s", r.between(1, 12), slug(pick(r, headlines...))[:12], pick(r, 300, 768, 1024), pick(r, 200, 432, 576), pick(r, "jpg", "webp", "avif"))
		default:
			target = "/_next/image?" + query("url", "/images/"+pick(r, "hero", "avatar-"+r.digits(3), "logo", "feature-"+itoa(r.between(1, 9)))+pick(r, ".png", ".jpg"), "w", pick(r, "640", "1080", "1920"), "q", "75")
		}
	case "script":
		f.dest = "script"
		target = pick(r, "/_next/static/chunks/"+pick(r, "main-app", "webpack", "framework", "pages/_app", itoa(r.between(100, 999)))+"-"+r.hex(16)+".js",
			"/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", "/assets/index-"+r.b64url(6)+".js", "/cdn/shop/t/12/assets/theme.js?v="+r.digits(19),
			"/js/app."+r.hex(8)+".js", "/assets/vendor-"+r.hex(8)+".js")
		if r.chance(0.3) { // type=module scripts are fetched in cors mode
			f.mode, f.origin = "cors", s.origin()
		}
	case "style":
		f.dest = "style"
		target = pick(r, "/_next/static/css/"+r.hex(16)+".css", "/wp-content/themes/newsroom/style.css?ver=2.4."+itoa(r.IntN(9)),
			"/cdn/shop/t/12/assets/base.css?v="+r.digits(19), "/assets/index-"+r.b64url(6)+".css", "/css/app."+r.hex(8)+".css")
	case "font":
		f.dest, f.mode, f.origin = "font", "cors", s.origin()
		target = pick(r, "/fonts/inter-var-latin.woff2", "/_next/static/media/"+r.hex(20)+"-s.p.woff2", "/wp-content/themes/newsroom/fonts/merriweather-v30-latin-700.woff2", "/cdn/shop/t/12/assets/font-"+r.digits(4)+".woff2")
	case "media":
		f.dest, f.accept = "video", "*/*"
		target = "/media/" + pick(r, "intro", "product-tour", "hero-loop") + pick(r, ".mp4", ".webm")
		f.tail = []string{"Range: bytes=" + pick(r, "0-", itoa(r.between(1, 90)*65536)+"-")}
	case "json":
		f.dest, f.mode = "empty", "cors"
		target = pick(r, "/locales/"+v.lang+"/translation.json", "/_next/data/"+r.b64url(15)+"/"+pick(r, "index", "products/"+slug(pick(r, products...)))+".json", "/products/"+slug(pick(r, products...))+".js", "/cart.js")
	case "icon":
		f.dest = "image"
		target = pick(r, "/favicon.ico", "/apple-touch-icon.png", "/favicon-32x32.png", "/icon.svg")
		f.referer = ref
	case "manifest":
		f.dest, f.mode = "manifest", "cors"
		target = pick(r, "/site.webmanifest", "/manifest.json")
	case "sw":
		f.dest, f.mode, f.accept = "serviceworker", "same-origin", "*/*"
		target = "/sw.js"
		f.tail = []string{"Service-Worker: script", "Cache-Control: max-age=0"}
	case "map":
		f.dest, f.mode = "empty", "cors"
		target = "/assets/index-" + r.b64url(6) + ".js.map"
	}
	if r.chance(0.15) && f.dest != "video" {
		f.tail = append(f.tail, "If-None-Match: \""+r.hex(24)+"\"", "If-Modified-Since: "+pick(r, "Tue, 10 Nov 2026 08:12:31 GMT", "Mon, 02 Nov 2026 17:45:00 GMT"))
	}
	return Request{Method: "GET", Target: target, Header: v.browserHeaders(f), Note: v.b.name + ", " + f.dest}
}

// genPreflight makes CORS preflights: an app on one origin calling the API on another,
// with custom headers.
func genPreflight(r *rng, i int) Request {
	v := newVisitor(r)
	method := pick(r, "POST", "PUT", "PATCH", "DELETE", "POST")
	hdrs := pick(r, "content-type", "authorization,content-type", "content-type,x-csrf-token", "authorization,content-type,x-request-id", "x-api-key", "authorization,sentry-trace,baggage")
	origin := pick(r, "https://app.example.com", "https://www.example.org", "https://shop.example.com")
	path := pick(r, "/v1/projects/"+r.digits(4)+"/tasks", "/v2/cart/lines", "/graphql", "/v1/events", "/v1/users/me", "/api/comments")
	h := []string{"Host: api.example.com", "Connection: keep-alive", "Accept: */*", "Access-Control-Request-Method: " + method,
		"Access-Control-Request-Headers: " + hdrs, "Origin: " + origin, "User-Agent: " + v.b.ua, "Sec-Fetch-Mode: cors",
		"Sec-Fetch-Site: same-site", "Sec-Fetch-Dest: empty", "Referer: " + origin + "/", "Accept-Encoding: gzip, deflate, br, zstd",
		"Accept-Language: " + v.acceptLanguage()}
	return Request{Method: "OPTIONS", Target: path, Header: h, Note: v.b.name + ", CORS preflight"}
}

// genCrawler makes requests of the crawlers and link unfurlers every public site sees,
// with their documented user agents.
func genCrawler(r *rng, i int) Request {
	s := pickWeighted(r, sites)
	bots := []struct{ name, ua, accept string }{
		{"Googlebot", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.108 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"},
		{"Bingbot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", "*/*"},
		{"Facebook unfurl", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "*/*"},
		{"Slack unfurl", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "*/*"},
		{"Twitter unfurl", "Twitterbot/1.0", "*/*"},
		{"uptime monitor", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", "*/*"},
		{"Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
	}
	b := bots[r.IntN(len(bots))]
	v := visitor{lang: "en", region: "US"}
	target := pick(r, page(r, s, v), "/robots.txt", "/sitemap.xml", "/sitemap_index.xml", page(r, s, v))
	h := []string{"Host: " + s.host, "Connection: keep-alive", "User-Agent: " + b.ua, "Accept: " + b.accept, "Accept-Encoding: gzip, deflate, br"}
	if b.name == "Googlebot" {
		h = append(h, "From: googlebot(at)googlebot.com")
	}
	if r.chance(0.3) {
		h = append(h, "If-Modified-Since: Wed, 18 Nov 2026 06:00:00 GMT")
	}
	return Request{Method: "GET", Target: target, Header: h, Note: b.name}
}

// genWebSocket makes WebSocket upgrades (live updates, chat) as browsers send them.
func genWebSocket(r *rng, i int) Request {
	v := newVisitor(r)
	s := pick(r, app, community)
	target := pick(r, "/cable", "/socket.io/?EIO=4&transport=websocket&sid="+r.b64url(15), "/ws?token="+r.b64url(24), "/message-bus/"+r.hex(32)+"/poll")
	h := []string{"Host: " + s.host, "Connection: Upgrade", "Pragma: no-cache", "Cache-Control: no-cache", "User-Agent: " + v.b.ua, "Upgrade: websocket",
		"Origin: " + s.origin(), "Sec-WebSocket-Version: 13", "Accept-Encoding: gzip, deflate, br, zstd", "Accept-Language: " + v.acceptLanguage(),
		"Cookie: " + s.session(r), "Sec-WebSocket-Key: " + r.b64(16), "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"}
	return Request{Method: "GET", Target: target, Header: h, Note: v.b.name + ", WebSocket upgrade"}
}

// refererFor returns a page of s as a Referer.
func refererFor(r *rng, s site, v visitor) string { return s.origin() + page(r, s, v) }
