package corpus

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// beacon is navigator.sendBeacon() (or fetch with keepalive) from a page of s: a POST
// in no-cors mode whose body a string makes text/plain;charset=UTF-8.
func beacon(r *rng, v visitor, s site, target, ctype string, body []byte) Request {
	f := fetch{host: s.host, dest: "empty", mode: "no-cors", site: "same-origin", referer: refererFor(r, s, v), origin: s.origin(), ctype: ctype, length: len(body)}
	if r.chance(0.6) {
		f.cookie = cookies(r, s, v)
	}
	if ctype != "text/plain;charset=UTF-8" {
		f.mode = "cors"
	}
	req := Request{Method: "POST", Target: target, Header: v.browserHeaders(f)}
	req.setBody(body)
	return req
}

// pageContext is what analytics SDKs report about the page: its URL, title, referrer,
// screen, and the campaign.
func pageContext(r *rng, v visitor, s site) map[string]any {
	p := page(r, s, v)
	return map[string]any{"path": strings.SplitN(p, "?", 2)[0], "url": s.origin() + p, "title": pick(r, headlines...), "referrer": pick(r, "", "https://www.google.com/", s.origin()+"/"),
		"search": "", "locale": v.lang + "-" + v.region, "screen": map[string]int{"width": pick(r, 1920, 390, 1440, 412), "height": pick(r, 1080, 844, 900, 915)}}
}

// genBeaconText makes analytics beacons whose body is JSON sent as text/plain, as
// sendBeacon() does with a string: Plausible, Segment/RudderStack (analytics.js), the
// web-vitals library's report, New Relic's browser agent, PostHog, and a site's own
// "/collect" endpoint with session ids and URLs in the fields.
func genBeaconText(r *rng, i int) Request {
	v := newVisitor(r)
	sdk := r.IntN(6)
	// Each SDK on the sites that would use it: Plausible on the community and news
	// sites, Segment on the app and the shop, web vitals anywhere, New Relic and PostHog
	// on the app, a collector of its own on the news site and the shop.
	s := pick(r, [][]site{{community, news}, {app, shop}, {shop, news, app, community}, {app}, {app}, {news, shop}}[sdk]...)
	ctx := pageContext(r, v, s)
	var target, note string
	var body any
	switch sdk {
	case 0:
		target, note = "/api/event", "Plausible"
		body = map[string]any{"n": pick(r, "pageview", "pageview", "Outbound Link: Click", "File Download", "Signup"), "u": ctx["url"], "d": s.host, "r": nilOr(r, ctx["referrer"]), "w": ctx["screen"].(map[string]int)["width"], "h": 0}
	case 1:
		target, note = pick(r, "/v1/t", "/v1/p", "/v1/batch"), "Segment analytics.js"
		ev := map[string]any{"type": pick(r, "track", "page"), "event": pick(r, "Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Newsletter Signup"),
			"properties":  map[string]any{"product_id": r.digits(6), "name": pick(r, products...), "price": float64(r.IntN(20000)) / 100, "currency": "EUR", "category": pick(r, "Apparel", "Home & Kitchen", "Men's > Shirts"), "url": ctx["url"]},
			"context":     map[string]any{"page": ctx, "userAgent": v.b.ua, "locale": ctx["locale"], "library": map[string]string{"name": "analytics.js", "version": "next-1.74.0"}, "campaign": map[string]string{"source": "newsletter", "medium": "email"}},
			"anonymousId": r.uuid(), "messageId": "ajs-next-" + fmt.Sprint(r.unixMS()) + "-" + r.uuid(), "timestamp": "2026-11-26T10:15:31.123Z", "writeKey": r.alnum(32), "sentAt": "2026-11-26T10:15:31.456Z", "_metadata": map[string]any{"bundled": []string{"Segment.io"}, "unbundled": []string{}, "bundledIds": []string{}}}
		if r.chance(0.4) {
			ev["userId"] = r.digits(7)
		}
		body = map[string]any{"batch": []any{ev}, "sentAt": "2026-11-26T10:15:31.456Z", "writeKey": ev["writeKey"]}
	case 2:
		target, note = pick(r, "/analytics", "/api/vitals", "/_vercel/insights/vitals"), "web-vitals report"
		name := pick(r, "LCP", "CLS", "INP", "FCP", "TTFB")
		att := map[string]any{"url": ctx["url"], "loadState": "complete"}
		switch name {
		case "LCP":
			att["element"] = pick(r, "#main > div.hero > img", "html>body>div#__next>main>section:nth-of-type(2)>img.hero-image", "body > div.page-width > h1")
			att["url"] = s.origin() + "/cdn/shop/files/hero.jpg"
		case "INP":
			att["interactionTarget"] = pick(r, "button#add-to-cart", "div.menu > ul > li:nth-child(3) > a", "input[name=\"q\"]")
			att["interactionType"] = "pointer"
		case "CLS":
			att["largestShiftTarget"] = pick(r, "div.cookie-banner", "#root > header", "img.product-image")
		}
		body = map[string]any{"name": name, "value": float64(r.IntN(400000)) / 100, "rating": pick(r, "good", "needs-improvement", "poor"), "delta": float64(r.IntN(10000)) / 100,
			"id": "v4-" + fmt.Sprint(r.unixMS()) + "-" + r.digits(13), "navigationType": pick(r, "navigate", "reload", "back-forward"), "attribution": att, "page": ctx["path"]}
	case 3:
		target, note = "/events/1/"+r.hex(24)+"?"+jsQuery("a", r.digits(9), "sa", "1", "v", "1.270.2", "t", "Unnamed Transaction", "rst", itoa(r.between(500, 30000)), "ck", "0", "s", r.hex(16), "ref", s.origin()+"/", "ptid", r.hex(16)), "New Relic browser agent"
		body = map[string]any{"ins": []map[string]any{{"actionName": pick(r, "addToCart", "openMenu", "submitSearch"), "timestamp": r.unixMS(), "pageUrl": ctx["url"], "currentUrl": ctx["url"], "browserWidth": 1280, "browserHeight": 720,
			"eventType": "PageAction", "timeSinceLoad": float64(r.IntN(90000)) / 1000}}}
	case 4:
		target, note = "/i/v0/e/?ip=1&_="+fmt.Sprint(r.unixMS())+"&ver=1.194.3", "PostHog"
		body = map[string]any{"event": pick(r, "$pageview", "$autocapture", "$pageleave"), "properties": map[string]any{"$os": "Windows", "$browser": "Chrome", "$current_url": ctx["url"], "$host": s.host, "$pathname": ctx["path"], "$device_id": r.uuid(), "distinct_id": r.uuid(),
			"$session_id": r.uuid(), "$window_id": r.uuid(), "$referrer": ctx["referrer"], "$lib": "web", "$lib_version": "1.194.3", "$elements_chain": "a.nav-link:text=\"" + pick(r, "Pricing", "Docs", "Sign in") + "\"nth-child=\"2\"nth-of-type=\"1\"href=\"/pricing\";li:nth-child=\"2\";ul.nav;nav;body;html"},
			"timestamp": "2026-11-26T10:15:31.123Z", "uuid": r.uuid()}
	default:
		target, note = pick(r, "/collect", "/api/track", "/t"), "a site's own collector"
		body = map[string]any{"sessionId": pick(r, r.uuid(), fmt.Sprint(r.unixMS())), "visitorId": r.uuid(), "event": pick(r, "page_view", "scroll_depth", "outbound_click", "video_progress"),
			"url": ctx["url"], "referrer": ctx["referrer"], "landingPage": s.origin() + page(r, s, v), "title": ctx["title"], "ts": r.unixMS(), "lang": ctx["locale"], "data": map[string]any{"depth": r.IntN(101), "href": pick(r, "https://partner.example.net/offer?ref=shop", "mailto:support@example.com", s.origin()+"/pages/faq")}}
	}
	req := beacon(r, v, s, target, "text/plain;charset=UTF-8", mustJSON(body))
	req.Note = v.b.name + ", " + note + " (sendBeacon, text/plain)"
	return req
}

func nilOr(r *rng, x any) any {
	if s, ok := x.(string); ok && s == "" {
		return nil
	}
	return x
}

// genBeaconNDJSON makes batched beacons with one JSON document per line: Sentry's
// envelope (an error with a stack trace and breadcrumbs), Datadog browser RUM and logs
// intake, and application/x-ndjson batches of a site's own logger.
func genBeaconNDJSON(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	ctx := pageContext(r, v, s)
	var lines []any
	var target, ctype, note string
	switch r.IntN(3) {
	case 0:
		key := r.hex(32)
		target, ctype, note = "/api/"+r.digits(7)+"/envelope/?sentry_key="+key+"&sentry_version=7&sentry_client=sentry.javascript.react%2F8.42.0", "text/plain;charset=UTF-8", "Sentry envelope"
		evID := r.hex(32)
		msg := pick(r, "TypeError: Cannot read properties of undefined (reading 'map')", "TypeError: null is not an object (evaluating 'el.innerHTML')",
			"ReferenceError: gtag is not defined", "Error: Request failed with status code 502", "ChunkLoadError: Loading chunk 532 failed.", "TypeError: Failed to fetch",
			"SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON", "Error: Minified React error #418; visit https://react.dev/errors/418 for the full message")
		typ, val, _ := strings.Cut(msg, ": ")
		frames := []map[string]any{}
		for k := 0; k < r.between(2, 6); k++ {
			frames = append(frames, map[string]any{"filename": s.origin() + "/_next/static/chunks/" + r.hex(16) + ".js", "function": pick(r, "Array.map", "onClick", "HTMLButtonElement.handleSubmit", "Object.render", "?", "async Promise.all"), "in_app": true, "lineno": 1, "colno": r.between(100, 90000)})
		}
		lines = []any{
			map[string]any{"event_id": evID, "sent_at": "2026-11-26T10:15:31.456Z", "sdk": map[string]string{"name": "sentry.javascript.react", "version": "8.42.0"}, "trace": map[string]any{"environment": "production", "public_key": key, "trace_id": r.hex(32), "sample_rate": "0.1", "sampled": "true"}},
			map[string]string{"type": "event"},
			map[string]any{"exception": map[string]any{"values": []any{map[string]any{"type": typ, "value": val, "stacktrace": map[string]any{"frames": frames}, "mechanism": map[string]any{"type": "onunhandledrejection", "handled": false}}}},
				"level": "error", "event_id": evID, "platform": "javascript", "request": map[string]any{"url": ctx["url"], "headers": map[string]string{"Referer": s.origin() + "/", "User-Agent": v.b.ua}},
				"timestamp": float64(r.unixMS()) / 1000, "environment": "production", "release": r.hex(40),
				"breadcrumbs": []any{
					map[string]any{"timestamp": float64(r.unixMS()) / 1000, "category": "navigation", "data": map[string]string{"from": ctx["path"].(string), "to": "/checkout"}},
					map[string]any{"timestamp": float64(r.unixMS()) / 1000, "category": "ui.click", "message": pick(r, "button.btn.btn-primary[type=\"submit\"]", "div#root > main > form > input[name=\"email\"]", "a.nav-link[href=\"/pricing\"]")},
					map[string]any{"timestamp": float64(r.unixMS()) / 1000, "category": "console", "level": "warning", "message": pick(r, "Warning: Each child in a list should have a unique \"key\" prop.", "window.location changed to /checkout", "[GSI_LOGGER]: The given origin is not allowed for the given client ID.")},
					map[string]any{"timestamp": float64(r.unixMS()) / 1000, "category": "fetch", "data": map[string]any{"method": "POST", "url": "/api/cart", "status_code": 502}, "type": "http"},
				},
				"contexts": map[string]any{"browser": map[string]string{"name": "Chrome", "version": "131.0.0"}, "os": map[string]string{"name": "Windows", "version": "10"}}},
		}
	case 1:
		target, ctype, note = "/api/v2/rum?"+query("ddsource", "browser", "ddtags", "sdk_version:5.35.0,api:fetch,env:production,service:web,version:"+r.hex(7), "dd-api-key", "pub"+r.hex(32), "dd-evp-origin-version", "5.35.0", "dd-evp-origin", "browser", "dd-request-id", r.uuid(), "batch_time", fmt.Sprint(r.unixMS())), "text/plain;charset=UTF-8", "Datadog RUM"
		for k := 0; k < r.between(2, 5); k++ {
			lines = append(lines, map[string]any{"date": r.unixMS(), "application": map[string]string{"id": r.uuid()}, "session": map[string]any{"id": r.uuid(), "type": "user"}, "view": map[string]any{"id": r.uuid(), "url": ctx["url"], "referrer": ctx["referrer"], "name": ctx["path"]},
				"type": pick(r, "view", "action", "resource", "long_task"), "action": map[string]any{"type": "click", "target": map[string]string{"name": pick(r, "Add to cart", "Sign in", "Next →")}}, "_dd": map[string]any{"format_version": 2, "drift": 0}, "service": "web", "source": "browser"})
		}
	default:
		target, ctype, note = pick(r, "/api/logs", "/_log"), "application/x-ndjson", "a site's own log batch (NDJSON)"
		for k := 0; k < r.between(2, 8); k++ {
			lines = append(lines, map[string]any{"level": pick(r, "info", "warn", "debug"), "msg": pick(r, "user selected shipping option", "cart updated", "search returned 0 results for \""+r.search(v.lang)+"\"", "retrying request (attempt 2 of 3)", "feature flag 'new-checkout' enabled"),
				"ts": "2026-11-26T10:15:" + fmt.Sprintf("%02d", r.IntN(60)) + "Z", "url": ctx["url"], "session": r.uuid()})
		}
	}
	var b strings.Builder
	for _, l := range lines {
		b.Write(mustJSON(l))
		b.WriteByte('\n')
	}
	req := beacon(r, v, s, target, ctype, []byte(b.String()))
	req.Note = v.b.name + ", " + note
	return req
}

// genBeaconQuery makes the beacons that carry their data in the URL or in a form: GA4's
// /g/collect through a first-party (server-side) tagging endpoint, with a body of
// several hits; Matomo's tracker GET and its bulk POST; the Meta pixel's /tr GET; and
// Mixpanel's form-encoded data (base64 JSON in "data").
func genBeaconQuery(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	ctx := pageContext(r, v, s)
	url := ctx["url"].(string)
	switch r.IntN(5) {
	case 0, 1:
		t := r.unix()
		target := "/g/collect?" + jsQuery("v", "2", "tid", "G-"+strings.ToUpper(r.alnum(10)), "gtm", "45je4bk0v"+r.digits(10)+"za200", "_p", fmt.Sprint(r.unixMS()), "gcd", "13l3l3l3l1l1", "npa", "0", "dma", "0",
			"cid", r.digits(10)+"."+fmt.Sprint(t), "ul", strings.ToLower(v.lang+"-"+v.region), "sr", "1920x1080", "uaa", "x86", "uab", "64", "uafvl", "Google%20Chrome;131.0.6778.86|Chromium;131.0.6778.86|Not_A%20Brand;24.0.0.0",
			"uamb", "0", "uam", "", "uap", "Windows", "uapv", "15.0.0", "uaw", "0", "are", "1", "frm", "0", "pscdl", "noapi", "_s", itoa(r.between(1, 9)), "sid", fmt.Sprint(t), "sct", itoa(r.between(1, 40)), "seg", "1",
			"dl", url, "dr", ctx["referrer"].(string), "dt", ctx["title"].(string), "en", pick(r, "page_view", "scroll", "user_engagement", "view_item", "add_to_cart"), "_et", itoa(r.IntN(30000)), "tfd", itoa(r.IntN(60000)))
		if r.chance(0.5) { // several hits in the body, one per line
			var hits []string
			for k := 0; k < r.between(1, 4); k++ {
				hits = append(hits, jsQuery("en", pick(r, "scroll", "view_item_list", "select_item", "form_start"), "epn.percent_scrolled", "90", "ep.item_list_name", pick(r, "Related products", "Search results"), "_et", itoa(r.IntN(9000))))
			}
			req := beacon(r, v, s, target, "text/plain;charset=UTF-8", []byte(strings.Join(hits, "\r\n")))
			req.Note = v.b.name + ", GA4 /g/collect with hits in the body (server-side tagging)"
			return req
		}
		f := fetch{host: s.host, dest: "empty", mode: "no-cors", site: "same-origin", referer: refererFor(r, s, v), length: 0, origin: s.origin(), cookie: cookies(r, s, v)}
		return Request{Method: "POST", Target: target, Header: v.browserHeaders(f), Note: v.b.name + ", GA4 /g/collect (server-side tagging)"}
	case 2:
		target := "/matomo.php?" + jsQuery("action_name", ctx["title"].(string), "idsite", "1", "rec", "1", "r", r.digits(6), "h", itoa(r.IntN(24)), "m", itoa(r.IntN(60)), "s", itoa(r.IntN(60)), "url", url, "urlref", ctx["referrer"].(string),
			"_id", r.hex(16), "_idn", "0", "send_image", "0", "_refts", "0", "pv_id", r.alnum(6), "pf_net", itoa(r.IntN(200)), "pf_srv", itoa(r.IntN(500)), "uadata", `{"fullVersionList":[{"brand":"Google Chrome","version":"131.0.6778.86"},{"brand":"Chromium","version":"131.0.6778.86"}],"mobile":false,"platform":"Windows","platformVersion":"15.0.0"}`, "res", "1920x1080")
		if r.chance(0.3) {
			body := mustJSON(map[string]any{"requests": []string{"?" + strings.SplitN(target, "?", 2)[1], "?" + jsQuery("idsite", "1", "rec", "1", "e_c", "Video", "e_a", "Play", "e_n", pick(r, "Product tour", "Intro"), "url", url)}})
			req := beacon(r, v, s, "/matomo.php", "text/plain;charset=UTF-8", body)
			req.Note = v.b.name + ", Matomo bulk tracking"
			return req
		}
		f := fetch{host: s.host, dest: "empty", mode: "no-cors", site: "same-origin", referer: refererFor(r, s, v), length: -1, cookie: cookies(r, s, v)}
		return Request{Method: "GET", Target: target, Header: v.browserHeaders(f), Note: v.b.name + ", Matomo tracker"}
	case 3:
		target := "/tr/?" + jsQuery("id", r.digits(15), "ev", pick(r, "PageView", "ViewContent", "AddToCart"), "dl", url, "rl", ctx["referrer"].(string), "if", "false", "ts", fmt.Sprint(r.unixMS()),
			"cd[content_ids]", `["`+r.digits(6)+`"]`, "cd[content_type]", "product", "cd[value]", fmt.Sprintf("%.2f", float64(r.IntN(20000))/100), "cd[currency]", "EUR", "sw", "1920", "sh", "1080", "v", "2.9.176", "r", "stable", "ec", "1", "o", "4126", "fbp", "fb.1."+fmt.Sprint(r.unixMS())+"."+r.digits(10), "it", fmt.Sprint(r.unixMS()), "coo", "false", "rqm", "GET")
		f := fetch{host: s.host, dest: "image", mode: "no-cors", site: "same-origin", referer: refererFor(r, s, v), length: -1}
		return Request{Method: "GET", Target: target, Header: v.browserHeaders(f), Note: v.b.name + ", Meta pixel (first-party proxy)"}
	}
	ev := map[string]any{"event": pick(r, "Page View", "Sign Up", "Item Purchased"), "properties": map[string]any{"$os": "Windows", "$browser": "Chrome", "$current_url": url, "$browser_version": 131, "$screen_height": 1080, "$screen_width": 1920,
		"mp_lib": "web", "$lib_version": "2.56.0", "$insert_id": r.alnum(16), "time": float64(r.unixMS()) / 1000, "distinct_id": "$device:" + r.uuid(), "$device_id": r.uuid(), "$initial_referrer": "$direct", "$initial_referring_domain": "$direct", "token": r.hex(32), "mp_page": url}}
	body := []byte("data=" + jsEscape(base64.StdEncoding.EncodeToString(mustJSON([]any{ev}))))
	req := beacon(r, v, s, "/track/?verbose=1&ip=1&_="+fmt.Sprint(r.unixMS()), "application/x-www-form-urlencoded", body)
	req.Note = v.b.name + ", Mixpanel (base64 JSON in a form)"
	return req
}

// genReport makes the reports browsers send by themselves: CSP violations to a
// report-uri (application/csp-report), and the Reporting API's batches
// (application/reports+json) of csp-violation, deprecation, intervention, network-error
// (NEL) and COEP reports.
func genReport(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	doc := s.origin() + page(r, s, v)
	policy := "default-src 'self'; script-src 'self' 'nonce-" + r.b64(16) + "' 'strict-dynamic' https://www.googletagmanager.com; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self' https://*.google-analytics.com; frame-ancestors 'none'; report-uri /csp-report; report-to csp-endpoint"
	blocked := pick(r, "inline", "eval", "https://connect.facebook.net/en_US/fbevents.js", "https://static.hotjar.com/c/hotjar-123456.js", "data", "https://fonts.googleapis.com/css2?family=Inter", "chrome-extension", "wasm-eval")
	sample := ""
	if blocked == "inline" || blocked == "eval" {
		// The first 40 characters of the blocked script or handler, as browsers report it.
		sample = pick(r, "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].", "window.dataLayer = window.dataLayer || [", "document.getElementById('promo').style.d",
			"onclick attribute", "var _paq = window._paq = window._paq || [", "if (window.location.hash === '#login') {", "!function(f,b,e,v,n,t,s){if(f.fbq)return")
	}
	dir := pick(r, "script-src-elem", "script-src-attr", "style-src-elem", "img-src", "connect-src", "font-src")
	if r.chance(0.45) {
		body := mustJSON(map[string]any{"csp-report": map[string]any{"document-uri": doc, "referrer": pick(r, "", "https://www.google.com/"), "violated-directive": dir, "effective-directive": dir, "original-policy": policy,
			"disposition": pick(r, "enforce", "report"), "blocked-uri": blocked, "line-number": r.between(1, 400), "column-number": r.between(1, 200), "source-file": doc, "status-code": 200, "script-sample": sample}})
		f := fetch{host: s.host, dest: "report", mode: "no-cors", site: "same-origin", referer: "", origin: s.origin(), ctype: "application/csp-report", length: len(body)}
		req := Request{Method: "POST", Target: pick(r, "/csp-report", "/_/csp-reports?source=web"), Header: v.browserHeaders(f), Note: v.b.name + ", CSP report (report-uri)"}
		req.setBody(body)
		return req
	}
	var reports []any
	for k := 0; k < r.between(1, 3); k++ {
		var typ string
		var body map[string]any
		switch r.IntN(5) {
		case 0, 1:
			typ = "csp-violation"
			body = map[string]any{"blockedURL": blocked, "columnNumber": r.between(1, 200), "disposition": "enforce", "documentURL": doc, "effectiveDirective": dir, "lineNumber": r.between(1, 400), "originalPolicy": policy, "referrer": "", "sample": sample, "sourceFile": doc, "statusCode": 200}
		case 2:
			typ = "deprecation"
			body = map[string]any{"id": pick(r, "UnloadHandler", "PrefixedStorageInfo", "NavigatorVibrate"), "message": pick(r, "Unload event listeners are deprecated and will be removed.", "'window.webkitStorageInfo' is deprecated. Please use 'navigator.webkitTemporaryStorage' or 'navigator.webkitPersistentStorage' instead."),
				"sourceFile": s.origin() + "/assets/vendor-" + r.hex(8) + ".js", "lineNumber": 1, "columnNumber": r.between(1000, 90000)}
		case 3:
			typ = "network-error"
			body = map[string]any{"elapsed_time": r.IntN(30000), "method": "GET", "phase": pick(r, "dns", "connection", "application"), "protocol": "h2", "referrer": doc, "sampling_fraction": 0.05, "server_ip": "", "status_code": 0, "type": pick(r, "tcp.timed_out", "dns.name_not_resolved", "http.error", "tcp.reset")}
		default:
			typ = "intervention"
			body = map[string]any{"id": "HeavyAdIntervention", "message": "Ad was removed because its network usage exceeded the limit. See https://www.chromestatus.com/feature/4800491902992384", "sourceFile": nil, "lineNumber": nil, "columnNumber": nil}
		}
		reports = append(reports, map[string]any{"age": r.IntN(60000), "body": body, "type": typ, "url": doc, "user_agent": v.b.ua})
	}
	b := mustJSON(reports)
	f := fetch{host: s.host, dest: "empty", mode: "cors", site: "same-origin", origin: s.origin(), ctype: "application/reports+json", length: len(b), accept: "*/*"}
	req := Request{Method: "POST", Target: pick(r, "/reports", "/_/reporting-endpoint", "/csp-report"), Header: v.browserHeaders(f), Note: v.b.name + ", Reporting API batch"}
	req.setBody(b)
	return req
}
