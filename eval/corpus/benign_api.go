package corpus

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// jwt returns a JSON Web Token as identity providers issue them: RS256 or ES256 header,
// the usual claims, and a signature of the algorithm's length.
func jwt(r *rng) string {
	alg, sig := "RS256", 256
	if r.chance(0.3) {
		alg, sig = "ES256", 64
	}
	hdr, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": r.b64url(12)})
	now := r.unix()
	claims := map[string]any{"iss": pick(r, "https://auth.example.com/", "https://accounts.example.com", "https://example.eu.auth0.com/"),
		"sub": pick(r, "auth0|"+r.hex(24), r.uuid(), "user_"+r.digits(8)), "aud": pick(r, "https://api.example.com", "app-web"),
		"iat": now, "exp": now + 3600, "scope": pick(r, "openid profile email", "read:projects write:projects offline_access", "cart:write orders:read")}
	if r.chance(0.5) {
		claims["email"] = r.email(r.name())
		claims["email_verified"] = true
	}
	if r.chance(0.3) {
		claims["https://example.com/roles"] = []string{"member", pick(r, "editor", "billing", "viewer")}
	}
	pl, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(pl) + "." + r.b64url(sig)
}

// apiCall is a fetch() or XMLHttpRequest from a page of s to its own API.
func apiCall(r *rng, v visitor, s site, method, target, ctype string, body []byte, accept string) Request {
	f := fetch{host: s.host, dest: "empty", mode: "cors", site: "same-origin", referer: refererFor(r, s, v), accept: accept, ctype: ctype, length: -1}
	if method != "GET" && method != "HEAD" {
		f.length = len(body)
		f.origin = s.origin()
	}
	switch r.IntN(3) {
	case 0:
		f.extra = append(f.extra, "Authorization: Bearer "+jwt(r))
	case 1:
		f.cookie = cookies(r, s, v)
		if f.cookie == "" || !v.loggedIn {
			f.cookie = strings.TrimPrefix(f.cookie+"; "+s.session(r), "; ")
		}
		if method != "GET" {
			f.extra = append(f.extra, "X-CSRF-Token: "+r.b64(32))
		}
	default:
		f.cookie = cookies(r, s, v)
	}
	if r.chance(0.25) {
		f.extra = append(f.extra, "X-Requested-With: XMLHttpRequest")
	}
	if r.chance(0.2) {
		f.extra = append(f.extra, "sentry-trace: "+r.hex(32)+"-"+r.hex(16)+"-1", "baggage: sentry-environment=production,sentry-release="+r.hex(12)+",sentry-public_key="+r.hex(32)+",sentry-trace_id="+r.hex(32)+",sentry-sample_rate=0.1,sentry-sampled=true")
	}
	if r.chance(0.15) {
		f.extra = append(f.extra, "traceparent: 00-"+r.hex(32)+"-"+r.hex(16)+"-01")
	}
	req := Request{Method: method, Target: target, Header: v.browserHeaders(f)}
	req.setBody(body)
	return req
}

// mustJSON renders v as JavaScript's JSON.stringify does: unlike json.Marshal, it
// leaves <, > and & as they are.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// genAPIGet makes the GETs a single-page app and a shop's scripts send to their JSON
// APIs: lists with filters, search suggestions, WordPress's REST API, Shopify's AJAX API.
func genAPIGet(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	var target string
	switch s.name {
	case "shop":
		target = pick(r, "/search/suggest.json?"+query("q", r.search(v.lang), "resources[type]", "product,collection,query", "resources[limit]", "6", "section_id", "predictive-search"),
			"/products/"+slug(pick(r, products...))+".js", "/cart.js", "/recommendations/products.json?product_id="+r.digits(13)+"&limit=4&intent=related",
			"/api/reviews?"+query("product_id", r.digits(8), "page", itoa(r.between(1, 5)), "sort", pick(r, "most_recent", "highest_rating"), "lang", v.lang))
	case "news":
		target = pick(r, "/wp-json/wp/v2/posts?"+query("per_page", "10", "page", itoa(r.between(1, 5)), "_embed", "1", "categories", r.digits(2)),
			"/wp-json/wp/v2/search?"+query("search", r.search(v.lang), "type", "post", "subtype", "any"),
			"/wp-json/wp/v2/comments?post="+r.digits(5)+"&order=asc&per_page=50",
			"/wp-admin/admin-ajax.php?"+query("action", pick(r, "load_more_posts", "get_weather", "poll_results"), "page", itoa(r.between(2, 9)), "nonce", r.hex(10)))
	case "app":
		target = pick(r, "/api/v1/projects/"+r.digits(4)+"/tasks?"+query("status", pick(r, "open", "in_progress", "done"), "assignee", pick(r, "me", r.digits(5)), "limit", "50", "cursor", r.b64url(18)),
			"/api/v1/me", "/api/v1/notifications?unread=true&limit=20", "/api/v1/search?"+query("q", pick(r, "select dropdown bug", "update onboarding copy", "Q3 roadmap", "delete old drafts", "union pay integration", "where clause docs")),
			"/api/v1/projects/"+r.digits(4)+"/activity?since="+fmt.Sprint(r.unix()),
			"/api/v1/users?"+query("filter[role]", "admin", "filter[email]", r.email(r.name()), "sort", "-created_at", "fields[users]", "name,email,avatar_url"))
	default:
		target = pick(r, "/t/"+r.digits(5)+".json?track_visit=true&forceLoad=true", "/latest.json?order=activity&page="+itoa(r.between(1, 6)),
			"/search/query?"+query("term", pick(r, "select from where", "update or insert", "drop database", "how to join two tables", "script tag"), "include_blurbs", "true"),
			"/u/"+url.PathEscape(strings.ToLower(pick(r, firstNames...)))+r.digits(2)+"/card.json", "/notifications?limit=30&recent=true&bump_last_seen_reviewable=true")
	}
	accept := pick(r, "application/json", "application/json, text/plain, */*", "*/*", "application/json, text/javascript, */*; q=0.01")
	req := apiCall(r, v, s, "GET", target, "", nil, accept)
	req.Note = v.b.name + ", fetch GET"
	return req
}

// apiBody returns a JSON body that an app of s sends, and its method and path.
func apiBody(r *rng, v visitor, s site) (method, target string, body any) {
	first, last := r.name()
	switch r.IntN(9) {
	case 0:
		return "POST", "/cart/add.js", map[string]any{"items": []any{map[string]any{"id": r.Int64N(1e13), "quantity": r.between(1, 3), "properties": map[string]string{"Engraving": pick(r, "J & M forever", "Happy 30th, Dad!", "Léa's", "")}}}, "sections": []string{"cart-drawer", "cart-icon-bubble"}}
	case 1:
		return "POST", "/api/v1/projects/" + r.digits(4) + "/tasks", map[string]any{"title": pick(r, "Update the select menu styles", "Drop support for IE11", "Fix 'Save' button on mobile", "Write Q3 report", "Insert analytics snippet on landing page"),
			"description": r.text(v.lang, 3), "labels": []string{pick(r, "bug", "frontend", "backend"), pick(r, "p1", "p2", "needs-review")}, "assignee_ids": []int{r.between(1000, 99999)}, "due_on": "2026-12-" + fmt.Sprintf("%02d", r.between(1, 28))}
	case 2:
		return "PATCH", "/api/v1/projects/" + r.digits(4) + "/tasks/" + r.digits(5), map[string]any{"status": pick(r, "done", "in_progress"), "position": r.Float64() * 1000}
	case 3:
		return "PUT", "/api/v1/me/settings", map[string]any{"locale": v.lang + "-" + v.region, "timezone": pick(r, "Europe/Berlin", "America/New_York", "Asia/Tokyo"), "notifications": map[string]bool{"email": true, "push": r.chance(0.5), "digest": r.chance(0.5)},
			"display_name": first + " " + last, "signature": pick(r, "-- "+first, "Best, "+first, "Cheers!\n"+first+" "+last)}
	case 4:
		return "DELETE", "/api/v1/projects/" + r.digits(4) + "/tasks/" + r.digits(5) + "/comments/" + r.digits(6), nil
	case 5:
		return "POST", "/api/comments", map[string]any{"post_id": r.IntN(90000), "parent_id": nil, "author": first + " " + last, "content": r.text(v.lang, 4), "notify": true}
	case 6:
		return "POST", "/api/v1/search", map[string]any{"query": r.search(v.lang), "filters": map[string]any{"categories": []string{"shirts", "knitwear"}, "sizes": []string{"S", "M", "L"}, "colors": []string{pick(r, colors...), pick(r, colors...)}, "price": map[string]int{"min": 20, "max": 150}}, "sort": "relevance", "page": 1, "per_page": 24}
	case 7:
		return "POST", "/checkout/address", map[string]any{"first_name": first, "last_name": last, "address1": pick(r, streets...), "address2": pick(r, "", "Apt. 4B", "c/o "+last), "city": pick(r, cities...), "zip": r.digits(5), "country": v.region, "phone": "+49 " + r.digits(3) + " " + r.digits(7), "email": r.email(first, last)}
	}
	return "POST", "/api/v1/events/batch", map[string]any{"events": []map[string]any{{"type": "view", "item": r.digits(6), "ts": r.unixMS()}, {"type": "click", "item": r.digits(6), "ts": r.unixMS(), "target": pick(r, "add-to-cart", "wishlist", "size-guide")}}, "tags": []string{"web", "v2", v.lang}}
}

// genAPIJSON makes the JSON requests of web pages: cart updates, tasks, settings,
// comments, searches with filters (arrays of strings), addresses; POST, PUT, PATCH and
// DELETE.
func genAPIJSON(r *rng, i int) Request {
	v := newVisitor(r)
	s := pickWeighted(r, sites)
	method, target, body := apiBody(r, v, s)
	var b []byte
	ctype := ""
	if body != nil {
		b = mustJSON(body)
		ctype = pick(r, "application/json", "application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8")
	}
	req := apiCall(r, v, s, method, target, ctype, b, pick(r, "application/json", "application/json, text/plain, */*", "*/*"))
	req.Note = v.b.name + ", fetch " + method + " JSON"
	return req
}

// genApp makes requests of native mobile apps to their API: OkHttp on Android,
// CFNetwork/Alamofire on iOS, Dart's http client for Flutter apps, with bearer tokens
// and app headers.
func genApp(r *rng, i int) Request {
	v := newVisitor(r)
	clients := []struct{ name, ua string }{
		{"Android app (OkHttp)", "okhttp/4.12.0"},
		{"Android app", "ExampleShop/5.18.2 (Android 14; SM-S918B; Build/UP1A.231005.007)"},
		{"iOS app (CFNetwork)", "ExampleShop/5.18.1 CFNetwork/1568.200.51 Darwin/24.1.0"},
		{"iOS app (Alamofire)", "ExampleShop/5.18.1 (com.example.shop; build:9021; iOS 18.1.0) Alamofire/5.10.1"},
		{"Flutter app", "Dart/3.5 (dart:io)"},
	}
	c := clients[r.IntN(len(clients))]
	method, target, body := apiBody(r, v, pick(r, shop, app))
	target = "/api/mobile" + strings.TrimPrefix(target, "/api")
	var b []byte
	if body != nil {
		b = mustJSON(body)
	}
	if r.chance(0.4) {
		method, b = "GET", nil
		target = pick(r, "/api/mobile/v1/home?"+query("locale", v.lang+"_"+v.region, "screen_width", pick(r, "1080", "1170", "1284")), "/api/mobile/v1/products/"+r.digits(7), "/api/mobile/v1/orders?page=1")
	}
	h := []string{"Host: api.example.com", "Authorization: Bearer " + jwt(r), "Accept: application/json", "Accept-Language: " + v.lang + "-" + v.region,
		"X-App-Version: 5.18." + itoa(r.IntN(3)), "X-Device-Id: " + r.uuid(), "X-Platform: " + pick(r, "android", "ios")}
	if b != nil {
		h = append(h, "Content-Type: application/json; charset=UTF-8", "Content-Length: "+itoa(len(b)))
	}
	h = append(h, "Accept-Encoding: gzip", "User-Agent: "+c.ua, "Connection: Keep-Alive")
	req := Request{Method: method, Target: target, Header: h, Note: c.name}
	req.setBody(b)
	return req
}

// graphQL documents, as Apollo and Relay clients send them: the query text with its
// indentation, variables, and the operation name.
var gqlOps = []struct{ name, doc string }{
	{"ProductPage", "query ProductPage($handle: String!, $first: Int = 12) {\n  product(handle: $handle) {\n    id\n    title\n    descriptionHtml\n    vendor\n    variants(first: $first) {\n      edges {\n        node {\n          id\n          title\n          availableForSale\n          price { amount currencyCode }\n        }\n      }\n    }\n  }\n}"},
	{"AddToCart", "mutation AddToCart($cartId: ID!, $lines: [CartLineInput!]!) {\n  cartLinesAdd(cartId: $cartId, lines: $lines) {\n    cart { id totalQuantity cost { totalAmount { amount currencyCode } } }\n    userErrors { field message }\n  }\n}"},
	{"SearchProducts", "query SearchProducts($query: String!, $first: Int!, $after: String) {\n  search(query: $query, first: $first, after: $after, types: PRODUCT) {\n    pageInfo { hasNextPage endCursor }\n    nodes { ... on Product { id title handle featuredImage { url altText } } }\n  }\n}"},
	{"CreateComment", "mutation CreateComment($input: CreateCommentInput!) {\n  createComment(input: $input) {\n    comment { id body createdAt author { login avatarUrl } }\n  }\n}"},
	{"Viewer", "query Viewer {\n  viewer {\n    id\n    login\n    name\n    email\n    organizations(first: 5) { nodes { id name } }\n    __typename\n  }\n}"},
	{"UpdateTask", "mutation UpdateTask($id: ID!, $patch: TaskPatch!) {\n  updateTask(id: $id, patch: $patch) { task { id status title updatedAt } }\n}"},
	{"Notifications", "query Notifications($first: Int!, $filter: NotificationFilter) {\n  notifications(first: $first, filter: $filter) {\n    edges { cursor node { id kind read createdAt subject { __typename ... on Issue { title number } ... on PullRequest { title number } } } }\n  }\n}"},
}

// genGraphQL makes GraphQL requests: POSTs with query, variables and operationName, and
// persisted queries as Apollo sends them in a GET.
func genGraphQL(r *rng, i int) Request {
	v := newVisitor(r)
	s := pick(r, shop, app, community)
	op := gqlOps[r.IntN(len(gqlOps))]
	vars := map[string]any{}
	switch op.name {
	case "ProductPage":
		vars["handle"] = slug(pick(r, products...))
	case "AddToCart":
		vars["cartId"] = "gid://shopify/Cart/" + r.alnum(26) + "?key=" + r.hex(32)
		vars["lines"] = []map[string]any{{"merchandiseId": "gid://shopify/ProductVariant/" + r.digits(14), "quantity": r.between(1, 3), "attributes": []map[string]string{{"key": "Gift note", "value": r.text(v.lang, 1)}}}}
	case "SearchProducts":
		vars["query"], vars["first"] = r.search(v.lang), 24
		if r.chance(0.4) {
			vars["after"] = r.b64(24)
		}
	case "CreateComment":
		vars["input"] = map[string]any{"subjectId": base64.StdEncoding.EncodeToString([]byte("Issue:" + r.digits(6))), "body": r.text(v.lang, 3)}
	case "UpdateTask":
		vars["id"] = base64.StdEncoding.EncodeToString([]byte("Task:" + r.digits(7)))
		vars["patch"] = map[string]any{"status": pick(r, "DONE", "IN_PROGRESS"), "title": pick(r, "Select vendor for Q1", "Update the FAQ page", "Drop the legacy endpoint", "Where do we store backups?")}
	case "Notifications":
		vars["first"], vars["filter"] = 20, map[string]any{"read": false, "kinds": []string{"MENTION", "REVIEW_REQUESTED", "ASSIGNED"}}
	}
	if r.chance(0.2) { // Apollo's automatic persisted query, in a GET
		ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + r.hex(64) + `"}}`
		target := "/graphql?" + query("operationName", op.name, "variables", string(mustJSON(vars)), "extensions", ext)
		req := apiCall(r, v, s, "GET", target, "", nil, "application/graphql-response+json, application/json")
		req.Header = append(req.Header, "apollographql-client-name: web", "apollographql-client-version: 3.11.8")
		req.Note = v.b.name + ", Apollo persisted query"
		return req
	}
	body := mustJSON(map[string]any{"operationName": op.name, "variables": vars, "query": op.doc})
	req := apiCall(r, v, s, "POST", pick(r, "/graphql", "/api/graphql", "/api/2024-10/graphql.json"), "application/json", body, pick(r, "application/json", "application/graphql-response+json, application/json", "*/*"))
	req.Note = v.b.name + ", GraphQL " + op.name
	return req
}

// genDataURL makes requests that carry images as data: URLs in base64: an avatar cropped
// in the browser, a signature pad, a screenshot attached to a bug report, in JSON and in
// forms.
func genDataURL(r *rng, i int) Request {
	v := newVisitor(r)
	s := pick(r, app, community, shop)
	img, mime := smallImage(r)
	data := "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(img)
	switch r.IntN(3) {
	case 0:
		body := mustJSON(map[string]any{"avatar": data, "crop": map[string]int{"x": r.IntN(40), "y": r.IntN(40), "size": 128}})
		req := apiCall(r, v, s, "PUT", "/api/v1/me/avatar", "application/json", body, "application/json")
		req.Note = v.b.name + ", avatar as a data: URL in JSON"
		return req
	case 1:
		body := []byte(query("order_id", r.digits(6), "signature", data, "signed_name", strings.Join(pickPair(r), " ")))
		req := formPost(r, v, s, "/orders/sign", body, "application/x-www-form-urlencoded")
		req.Note = v.b.name + ", signature pad as a data: URL in a form"
		return req
	}
	body := mustJSON(map[string]any{"title": "Screenshot of the " + pick(r, "checkout", "settings", "editor") + " bug", "description": r.text(v.lang, 2), "attachments": []map[string]string{{"name": "screenshot.png", "data": data}}, "url": refererFor(r, s, v)})
	req := apiCall(r, v, s, "POST", "/api/feedback", "application/json", body, "application/json")
	req.Note = v.b.name + ", screenshot as a data: URL in JSON"
	return req
}

func pickPair(r *rng) []string { f, l := r.name(); return []string{f, l} }
