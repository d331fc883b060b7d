package waf

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// jwtOf builds a JSON Web Token of the given header and claims, with a made-up signature.
func jwtOf(header, payload string) string {
	return b64url(header) + "." + b64url(payload) + ".c2lnbmF0dXJlLWJ5dGVzLXRoYXQtYXJlLW5vdC1yZWFsbHktb25l"
}

// TestRequestsOfRealAppsPass replays requests in the shapes that widely used apps and
// services send (Supabase's PostgREST queries and session cookie, Next.js, OAuth and OIDC,
// a SAML response, WordPress, Shopify, Stripe.js, Algolia, GA4, Grafana, Livewire,
// ASP.NET, JSON:API, consent and analytics cookies, the beacons of a dozen analytics
// vendors proxied first-party, paths that frameworks build...), written for this test
// from their documented formats, none of them in the eval's corpus. Held out from the
// tuning: it
// found the SAML response (decoded base64 XML read whole: 941100, 941130) and the
// Supabase cookie ("base64-..." read as the command: 932260). Every request passes but
// the few in knownDenied, false positives left on purpose, each with its reason; the
// test fails when one of those changes too, so that the list stays true.
func TestRequestsOfRealAppsPass(t *testing.T) {
	anonKey := jwtOf(`{"alg":"HS256","typ":"JWT"}`, `{"iss":"supabase","ref":"abcdefghijklmnop","role":"anon","iat":1733400000,"exp":2048976000}`)
	idToken := jwtOf(`{"alg":"RS256","kid":"1e9gdk7","typ":"JWT"}`, `{"iss":"https://accounts.example.com","sub":"248289761001","aud":"s6BhdRkqt3","nonce":"n-0S6_WzA2Mj","exp":1733481600,"iat":1733478000,"name":"Jane O'Neil","email":"jane@example.org","picture":"https://cdn.example.com/a/jane.png"}`)
	samlXML := `<?xml version="1.0" encoding="UTF-8"?><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" Version="2.0" IssueInstant="2026-12-06T10:01:02Z" Destination="https://app.example.com/saml/acs" InResponseTo="ONELOGIN_4fee3b046395c4e751011e97f8900b5273d56685"><saml:Issuer>https://idp.example.org/metadata</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_d71a3a8e9fcc45c9e9d248ef7049393fc8f04e5f75" Version="2.0" IssueInstant="2026-12-06T10:01:02Z"><saml:Issuer>https://idp.example.org/metadata</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_d71a3a8e9fcc45c9e9d248ef7049393fc8f04e5f75"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue>ZjQ4ZDk2YjE4NTQ1ZGE0ZGY2ZmQ1NTk2N2RlNmVkNGY=</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>TmV2ZXIgYSByZWFsIHNpZ25hdHVyZSwganVzdCBieXRlcyBvZiB0ZXh0IGZvciBhIHRlc3Qu</ds:SignatureValue></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">jane@example.org</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="2026-12-06T10:06:02Z" Recipient="https://app.example.com/saml/acs" InResponseTo="ONELOGIN_4fee3b046395c4e751011e97f8900b5273d56685"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2026-12-06T10:00:32Z" NotOnOrAfter="2026-12-06T10:06:02Z"><saml:AudienceRestriction><saml:Audience>https://app.example.com/saml/metadata</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2026-12-06T10:01:01Z" SessionIndex="_be9967abd904ddcae3c0eb4189adbe3f71e327cf93"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="groups"><saml:AttributeValue>engineering</saml:AttributeValue><saml:AttributeValue>on-call</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>`
	samlResp := b64(samlXML)
	q := url.QueryEscape
	supa := func(r *Request) *Request {
		return withHeader(withHeader(r, "apikey", anonKey), "Authorization", "Bearer "+anonKey)
	}
	cases := []appCase{
		{"postgrest select eq order", supa(get("/rest/v1/todos?select=*&user_id=eq.8f14e45f-ceea-467e-a5bd-6b1a3f2b9c31&order=inserted_at.desc&limit=20"))},
		{"postgrest embedded + in()", supa(get("/rest/v1/orders?select=id,total,customer:customers(name,email)&status=in.(paid,shipped)&created_at=gte.2026-11-01"))},
		{"postgrest or ilike", supa(get("/rest/v1/profiles?or=(username.ilike.*alice*,full_name.ilike.*alice*)&select=id,username,avatar_url"))},
		{"postgrest not.is.null", supa(get("/rest/v1/posts?select=id,title,author:profiles!posts_author_id_fkey(username)&published_at=not.is.null&order=published_at.desc.nullslast"))},
		{"postgrest rpc", supa(post("/rest/v1/rpc/search_products", jsonType, `{"query":"waterproof jacket","max_price":200}`))},
		{"next rsc", withHeader(withHeader(get("/dashboard?_rsc=1x9zq"), "RSC", "1"), "Next-Router-State-Tree", "%5B%22%22%2C%7B%22children%22%3A%5B%22dashboard%22%2C%7B%22children%22%3A%5B%22__PAGE__%22%2C%7B%7D%5D%7D%5D%7D%2Cnull%2Cnull%2Ctrue%5D")},
		{"next server action", withHeader(post("/checkout", "text/plain;charset=UTF-8", `[{"email":"jane@example.org","plan":"pro"},"$K1"]`), "Next-Action", "7f8a9b0c1d2e3f405162738495a6b7c8d9e0f1a2")},
		{"next image", get("/_next/image?url=%2Fimages%2Fhero.jpg&w=1920&q=75")},
		{"oauth callback", get("/auth/callback?code=4%2F0AeaYSHBxq3z&state=af0ifjsldkj&scope=email+openid+https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fuserinfo.email&authuser=0&prompt=consent")},
		{"oidc form_post", post("/auth/callback", formType, "id_token="+idToken+"&state=af0ifjsldkj")},
		{"authorize pkce", get("/authorize?response_type=code&client_id=s6BhdRkqt3&redirect_uri=https%3A%2F%2Fclient.example.org%2Fcb&scope=openid%20profile%20email&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&nonce=n-0S6_WzA2Mj")},
		{"saml acs", post("/saml/acs", formType, "SAMLResponse="+q(samlResp)+"&RelayState="+q("https://app.example.com/dashboard?tab=billing"))},
		{"wp heartbeat", post("/wp-admin/admin-ajax.php", formType, "data%5Bwp-refresh-post-lock%5D%5Bpost_id%5D=42&data%5Bwp-refresh-post-lock%5D%5Block%5D=1733478000%3A1&interval=60&_nonce=0a1b2c3d4e&action=heartbeat&screen_id=post&has_focus=true")},
		{"wp gutenberg save", post("/wp-json/wp/v2/posts/42?_locale=user", jsonType, `{"id":42,"title":"Spring sale","content":"<!-- wp:paragraph -->\n<p>Our <strong>spring sale</strong> starts Monday.</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {\"id\":77,\"sizeSlug\":\"large\"} -->\n<figure class=\"wp-block-image size-large\"><img src=\"https://shop.example.com/wp-content/uploads/2026/12/sale.jpg\" alt=\"\" class=\"wp-image-77\"/></figure>\n<!-- /wp:image -->","status":"publish"}`)},
		{"shopify cart add", post("/cart/add.js", jsonType, `{"items":[{"id":39897499729985,"quantity":1,"properties":{"Engraving":"Happy 30th, Sam!"}}]}`)},
		{"shopify suggest", get("/search/suggest.json?q=jacket&resources[type]=product&resources[limit]=4&resources[options][unavailable_products]=last")},
		{"stripe confirm", post("/v1/payment_intents/pi_3Mtw/confirm", formType, "payment_method_data[type]=card&payment_method_data[billing_details][address][postal_code]=10115&payment_method_data[card][token]=tok_1Mtw&expected_payment_method_type=card&use_stripe_sdk=true&key=pk_live_51H8xYz&client_secret=pi_3Mtw_secret_YrKJUKribcBjcG8HVhfZluoGH&return_url=https%3A%2F%2Fshop.example.com%2Fcheckout%2Fdone")},
		{"algolia", post("/1/indexes/*/queries?x-algolia-agent=Algolia%20for%20JavaScript%20(4.22.1)%3B%20Browser%20(lite)&x-algolia-api-key=6be0576ff61c053d5f9a3225e2a90f76&x-algolia-application-id=LATENCY", "application/x-www-form-urlencoded", `{"requests":[{"indexName":"products","params":"query=trail%20shoes&hitsPerPage=20&facetFilters=%5B%5B%22brand%3ASalomon%22%5D%5D"}]}`)},
		{"ga4 collect", post("/g/collect?v=2&tid=G-ABC123XYZ&gtm=45je4bk0v&_p=1733478000123&cid=1234567890.1733478000&ul=en-us&sr=1920x1080&_s=1&sid=1733478000&sct=3&seg=1&dl=https%3A%2F%2Fshop.example.com%2F&dt=Shop%20%E2%80%93%20Home&en=page_view&_ee=1&tfd=512", "text/plain;charset=UTF-8", "")},
		{"grafana prometheus", post("/api/ds/query?ds_type=prometheus", jsonType, `{"queries":[{"refId":"A","datasource":{"uid":"P1809F7CD0C75ACF3","type":"prometheus"},"expr":"sum(rate(http_requests_total{job=\"api\",status=~\"5..\"}[5m])) by (route)","interval":"","legendFormat":"{{route}}","maxDataPoints":1200}],"from":"now-6h","to":"now"}`)},
		{"grafana loki", post("/api/ds/query?ds_type=loki", jsonType, `{"queries":[{"refId":"A","datasource":{"type":"loki","uid":"loki1"},"expr":"{app=\"nginx\"} |= \"error\" | json | line_format \"{{.status}} {{.request_uri}}\"","queryType":"range"}],"from":"now-1h","to":"now"}`)},
		{"mastodon status", post("/api/v1/statuses", jsonType, `{"status":"Just shipped v2.3 🎉 changelog: https://example.com/changes?from=2.2&to=2.3 #release","visibility":"public","language":"en"}`)},
		{"sentry stack", post("/monitoring?o=123&p=456", "text/plain;charset=UTF-8", `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"2026-12-06T10:00:00.000Z","sdk":{"name":"sentry.javascript.nextjs","version":"8.40.0"}}`+"\n"+`{"type":"event"}`+"\n"+`{"exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined (reading 'map')","stacktrace":{"frames":[{"filename":"webpack-internal:///./src/pages/index.tsx","function":"Object.eval [as handler]","lineno":42,"colno":13,"in_app":true}]}}]},"request":{"url":"https://shop.example.com/?ref=home","headers":{"User-Agent":"Mozilla/5.0"}}}`)},
		{"launchdarkly", get("/sdk/evalx/ctx/eyJraW5kIjoidXNlciIsImtleSI6InVzZXItNDIiLCJlbWFpbCI6ImphbmVAZXhhbXBsZS5vcmcifQ")},
		{"web push subscribe", post("/push/subscribe", jsonType, `{"endpoint":"https://fcm.googleapis.com/fcm/send/eXaMpLeToKeN:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx","expirationTime":null,"keys":{"p256dh":"BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM=","auth":"tBHItJI5svbpez7KI4CCXg=="}}`)},
		{"htmx", withHeader(withHeader(withHeader(post("/items/search", formType, "q=red+jacket&page=2"), "HX-Request", "true"), "HX-Current-URL", "https://app.example.com/items?page=2&q=red"), "HX-Target", "item-list")},
		{"rails form", post("/users/42", formType, "_method=patch&authenticity_token=Xk2JbYzV9n%2BqW3%2F0aT7y8cE1fR4dG6hJ5kL0mN2pQ%3D%3D&user%5Bname%5D=Jane+O%27Neil&user%5Bbio%5D=I+run+a+small+bakery+%26+caf%C3%A9.&commit=Update+profile")},
		{"django admin filter", get("/admin/shop/order/?status__exact=paid&created__gte=2026-11-01&o=-3.1&q=smith")},
		{"livewire", post("/livewire/update", jsonType, `{"_token":"k9Y2bXz","components":[{"snapshot":"{\"data\":{\"search\":\"\",\"page\":1},\"memo\":{\"id\":\"Xy12\",\"name\":\"search-bar\",\"path\":\"\\/products\",\"method\":\"GET\",\"children\":[],\"locale\":\"en\"},\"checksum\":\"3f9a0c\"}","updates":{"search":"jacket"},"calls":[]}]}`)},
		{"aspnet viewstate", post("/Account/Profile.aspx", formType, "__EVENTTARGET=ctl00%24MainContent%24btnSave&__EVENTARGUMENT=&__VIEWSTATE=%2FwEPDwUKMTY1NDU2MTA1MmRkmV1K3N%2BdC9z8Xk0l7xQ0tHn6ZkQ%3D&__VIEWSTATEGENERATOR=C2EE9ABB&__EVENTVALIDATION=%2FwEdAAOq7Yc5u3ZbVvq1Kz7lG2xM&ctl00%24MainContent%24txtName=Jane+O%27Neil")},
		{"graphql persisted get", get("/graphql?operationName=Product&variables=%7B%22id%22%3A%2242%22%2C%22withReviews%22%3Atrue%7D&extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38%22%7D%7D")},
		{"jsonapi", get("/api/articles?include=author,comments.author&fields[articles]=title,body&filter[published]=true&sort=-created&page[number]=2&page[size]=25")},
		{"odata", get("/odata/Products?$filter=Price%20gt%2020%20and%20Category%20eq%20'Outdoor'&$orderby=Name%20desc&$select=Name,Price&$top=10&$expand=Supplier")},
		{"lucene query", get("/search?q=title%3A%22running+shoes%22+AND+(brand%3Anike+OR+brand%3Aadidas)+-kids")},
		{"sort param", get("/api/orders?sort=created_at%20DESC&limit=50&offset=100")},
		{"search o'reilly", get("/search?q=O%27Reilly+learning+sql")},
		{"search inch", get("/search?q=27%22+monitor+4k")},
		{"search union jack", get("/search?q=union+jack+flag+select+size")},
		{"search exit vim", get("/search?q=how+to+exit+vim+%3Aq!")},
		{"search etc hosts", get("/search?q=what+is+%2Fetc%2Fhosts")},
		{"search c++", get("/search?q=c%2B%2B+tutorial+for+beginners")},
		{"search drop table", get("/search?q=drop+leaf+table")},
		{"cookies vendors", withHeader(get("/"), "Cookie", strings.Join([]string{
			"OptanonConsent=isGpcEnabled=0&datestamp=Sat+Dec+06+2026+10%3A14%3A05+GMT%2B0100+(Central+European+Standard+Time)&version=202409.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=0c4f8b0e-9b1a-4f0e-8a1d-1b2c3d4e5f60&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A0%2CC0003%3A0%2CC0004%3A0&AwaitingReconsent=false",
			"CookieConsent={stamp:%27-1%27%2Cnecessary:true%2Cpreferences:true%2Cstatistics:true%2Cmarketing:true%2Cmethod:%27explicit%27%2Cver:1%2Cutc:1733478000000%2Cregion:%27de%27}",
			"_ga=GA1.1.1234567890.1733478000", "_ga_ABC123=GS1.1.1733478000.3.1.1733478100.0.0.0",
			"_fbp=fb.1.1733478000000.1234567890",
			"_hjSessionUser_123456=eyJpZCI6IjEyMzQ1Njc4LTkwYWItY2RlZi0xMjM0LTU2Nzg5MGFiY2RlZiIsImNyZWF0ZWQiOjE3MzM0NzgwMDAwMDAsImV4aXN0aW5nIjp0cnVlfQ==",
			"ajs_anonymous_id=%22a1b2c3d4-e5f6-7890-abcd-ef1234567890%22", "ajs_user_id=%22user_42%22",
			"__hstc=123456.abcdef0123456789.1733478000.1733478000.1733478000.1",
			"XSRF-TOKEN=eyJpdiI6IkJxT1RtV0ZrZ1ZlZk9tQT09IiwidmFsdWUiOiJ3VXRuS0VxZGtQK2Jpdz09IiwibWFjIjoiYWJjZGVmIiwidGFnIjoiIn0%3D",
			"connect.sid=s%3AabcDEF123.Xk2JbYzV9nqW3f0aT7y8cE1fR4dG6hJ5kL0mN2pQ",
			".AspNetCore.Antiforgery.9fXoN5jHCXs=CfDJ8NrAkS2HjvFOj8jGt9E6kZ0",
			"__Secure-next-auth.session-token=eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..c2VjcmV0.Y2lwaGVydGV4dA.dGFn",
			"sb-abcdefghijklmnop-auth-token=base64-eyJhY2Nlc3NfdG9rZW4iOiJleUpoYkdjaU9pSklVekkxTmlKOS5lMzAuc2lnIiwidG9rZW5fdHlwZSI6ImJlYXJlciIsImV4cGlyZXNfaW4iOjM2MDAsInJlZnJlc2hfdG9rZW4iOiJ2NHJmZ2hqIn0",
			"cart=c1-8f14e45fceea167a5a36dedd4bea2543", "_shopify_y=2b1c4d6e-8f0a-4b2c-9d1e-3f5a7b9c1d2e",
			"wp-settings-1=libraryContent%3Dbrowse%26editor%3Dtinymce%26hidetb%3D1", "wordpress_logged_in_abc=admin%7C1733500000%7CtokenXYZ%7C0123abcd",
		}, "; "))},
	}
	// First-party analytics: the beacons of vendors that sites proxy through their own
	// domain (so that blockers let them through), each in its documented format.
	mix := b64(`{"event":"Viewed Product","properties":{"token":"f0e1d2c3b4a5","distinct_id":"$device:18f2a1b3c4d-0e1f","$browser":"Chrome","$current_url":"https://shop.example.com/products/42?ref=home","$os":"Mac OS X","$screen_height":1080,"product":"Alpine Jacket","price":199.99,"$insert_id":"x9y8z7"}}`)
	sp := b64url(`{"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0","data":[{"schema":"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0","data":{"id":"3f2a1b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c"}},{"schema":"iglu:org.w3/PerformanceTiming/jsonschema/1-0-0","data":{"navigationStart":1733478000000,"domComplete":1733478001234}}]}`)
	cases = append(cases,
		appCase{"mixpanel track", get("/track/?data=" + q(mix) + "&ip=1&_=1733478000123")},
		appCase{"mixpanel track post", post("/track/?ip=1&_=1733478000123", formType, "data="+q(mix))},
		appCase{"snowplow get", get("/i?e=pv&url=" + q("https://shop.example.com/products/42") + "&page=" + q("Alpine Jacket – Shop") + "&tv=js-3.24.0&tna=sp1&aid=shop&p=web&tz=Europe%2FBerlin&lang=de-DE&cs=UTF-8&res=1920x1080&cd=24&cookie=1&eid=3f2a1b0c-1d2e-4f5a-8b9c-0d1e2f3a4b5c&dtm=1733478000123&vp=1280x720&ds=1280x4210&vid=3&sid=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d&duid=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d&cx=" + sp)},
		appCase{"snowplow post", post("/com.snowplowanalytics.snowplow/tp2", "application/json; charset=UTF-8", `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"se","se_ca":"checkout","se_ac":"add_to_cart","se_la":"sku-42","se_va":"199.99","eid":"4a5b","tv":"js-3.24.0","p":"web","cx":"`+sp+`","dtm":"1733478000123","stm":"1733478000200"}]}`)},
		appCase{"adobe analytics", get("/b/ss/acmeprod/1/JS-2.22.4/s12345678901234?AQB=1&ndh=1&pf=1&t=6%2F11%2F2026%2010%3A15%3A30%206%20-60&fid=1A2B3C4D5E6F7A8B-0C1D2E3F4A5B6C7D&ce=UTF-8&pageName=shop%3Aproducts%3Aalpine-jacket&g=https%3A%2F%2Fshop.example.com%2Fproducts%2F42&c.&a.&activitymap.&page=shop%3Aproducts&link=Add%20to%20cart&region=main&pageIDType=1&.activitymap&.a&.c&cc=EUR&ch=products&events=scAdd%2Cevent12&products=%3Bsku-42%3B1%3B199.99&v1=D%3DpageName&c5=logged-in&s=1920x1080&c=24&j=1.6&v=N&k=Y&bw=1280&bh=720&AQE=1")},
		appCase{"facebook pixel", get("/tr/?id=1234567890123456&ev=AddToCart&dl=" + q("https://shop.example.com/products/42") + "&rl=" + q("https://shop.example.com/") + "&if=false&ts=1733478000123&cd[content_ids]=%5B%22sku-42%22%5D&cd[content_type]=product&cd[value]=199.99&cd[currency]=EUR&sw=1920&sh=1080&v=2.9.176&r=stable&ec=2&o=4126&fbp=fb.1.1733478000000.1234567890&it=1733477999000&coo=false&rqm=GET")},
		appCase{"heap", get("/h?a=1234567890&u=5678901234567890&v=3456789012345678&s=7890123456789012&b=web&tv=4.0&z=2&h=%2Fproducts%2F42&d=shop.example.com&t=Alpine%20Jacket%20%E2%80%93%20Shop&k=Product%20Type&k=Outerwear&ts=1733478000123&st=1733478000000")},
		appCase{"amplitude httpapi", post("/2/httpapi", jsonType, `{"api_key":"0123456789abcdef0123456789abcdef","events":[{"user_id":"user_42","device_id":"C8F9E604-F01A-4BD9-95C6-8E5357DF265D","event_type":"Purchase","time":1733478000123,"event_properties":{"sku":"42","price":199.99,"coupon":"WINTER-10%"},"user_properties":{"$set":{"plan":"pro"},"$add":{"purchases":1}},"platform":"Web","os_name":"Chrome","language":"de-DE","insert_id":"5f0adeff-6668-4427-8d02-57d803a2b841"}]}`)},
		appCase{"umami", post("/api/send", jsonType, `{"type":"event","payload":{"website":"4fb7fa4c-5b46-438d-94b3-3a8fb9bc2e8b","hostname":"shop.example.com","screen":"1920x1080","language":"de-DE","title":"Alpine Jacket – Shop","url":"/products/42?ref=home","referrer":"https://www.google.com/"}}`)},
		appCase{"tiktok pixel", post("/api/v2/pixel/track", jsonType, `{"event":"ViewContent","event_id":"1733478000123_abc","timestamp":"2026-12-06T10:15:30.123Z","context":{"page":{"url":"https://shop.example.com/products/42","referrer":""},"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15"},"properties":{"contents":[{"content_id":"sku-42","content_name":"Alpine Jacket","price":199.99,"quantity":1}],"currency":"EUR","value":199.99}}`)},
		appCase{"linkedin insight", get("/collect/?pid=1234567&fmt=js&time=1733478000123&url=" + q("https://shop.example.com/checkout/thank-you?order=A-1029"))},
		appCase{"rudderstack", post("/v1/batch", jsonType, `{"batch":[{"type":"track","event":"Order Completed","properties":{"order_id":"A-1029","total":199.99,"products":[{"product_id":"42","name":"Alpine Jacket","category":"Outerwear/Jackets"}]},"anonymousId":"a1b2c3d4","context":{"library":{"name":"RudderLabs JavaScript SDK","version":"3.7.0"},"page":{"path":"/checkout/thank-you","search":"?order=A-1029","title":"Thank you!"}},"sentAt":"2026-12-06T10:15:30.123Z"}]}`)},
		appCase{"clarity gzip beacon", post("/collect", "text/plain", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56\x4a\x4c\x4a\x56\xb2\x52\x32\x34\x32\x56\xaa\x05\x00\x9d\x9b\x1a\x5c\x0d\x00\x00\x00")},
		appCase{"google ads conversion", get("/pagead/conversion/123456789/?random=1733478000123&cv=11&fst=1733478000123&bg=ffffff&guid=ON&async=1&gtm=45be4bk0v&u_w=1920&u_h=1080&url=" + q("https://shop.example.com/checkout/thank-you") + "&label=AbC-D_efG-h12_34-5&value=199.99&currency_code=EUR&frm=0&tiba=Thank%20you!&hn=www.googleadservices.com")},
		appCase{"hotjar", post("/api/v2/client/sites/1234567/visit-data?sv=7", "text/plain;charset=UTF-8", `{"window_width":1280,"window_height":720,"url":"https://shop.example.com/products/42","r_value":1,"is_vpv":false,"session_only":false,"rec_value":0.24,"user_id":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"}`)},
	)
	// Paths that frameworks and CDNs build: Next.js route groups and dynamic segments in
	// chunk names, Remix's $param route files, Magento's base64 uenc, Cloudinary's and
	// Cloudflare's option lists, words of SQL and shell in articles' slugs.
	paths := []string{
		"/_next/static/chunks/app/(marketing)/blog/%5Bslug%5D/page-8f2c1a9b0e3d4f56.js",
		"/_next/static/chunks/app/(shop)/products/[id]/page-8f2c1a9b0e3d4f56.js",
		"/_next/static/chunks/pages/%5B...slug%5D-3c1e2f4a5b6d7e8f.js",
		"/_next/static/css/app/(shop)/layout.css?v=1733478000",
		"/build/routes/($lang)._index-ABCD1234.js",
		"/build/routes/users.$id-EFGH5678.js",
		"/build/routes/users.$userId.edit-IJKL9012.js",
		"/_app/immutable/nodes/2.B4cD5eF6.js",
		"/_nuxt/entry.3f2a1b0c.js",
		"/assets/index-DiwrgTda.js",
		"/wiki/C%2B%2B",
		"/files/Q3%20report%20(final).pdf",
		"/@jane/posts/42",
		"/api/v1/users/me;jsessionid=0A1B2C3D4E5F",
		"/tags/c%23",
		"/wp-content/themes/astra/style.css?ver=6.4.2",
		"/.well-known/openid-configuration",
		"/.well-known/apple-app-site-association",
		"/index.php?route=product/product&product_id=42",
		"/checkout/cart/add/uenc/aHR0cHM6Ly9zaG9wLmV4YW1wbGUuY29tL2plYW5zLmh0bWw,/product/42/",
		"/node/42?destination=/admin/content%3Fstatus%3D1%26type%3Darticle",
		"/catalogsearch/result/?q=men%27s+jacket",
		"/products/alpine-jacket?variant=39897499729985",
		"/en-gb/p/sofa-3-seater-grey/s-123456/",
		"/maps/@52.5200066,13.404954,14z",
		"/search?q=%E6%97%A5%E6%9C%AC%E8%AA%9E&lang=ja",
		"/api/graphql?query=%7Bme%7Bid%7D%7D",
		"/feed/?paged=2",
		"/cdn-cgi/image/width=800,quality=75,format=auto/uploads/hero.jpg",
		"/image/upload/c_fill,g_auto,h_400,w_600/v1733478000/products/jacket.jpg",
		"/v1/files/abc123~1.txt",
		"/static/js/main.8a1b2c3d.chunk.js.map",
		"/api/items?filter=name%20eq%20%27Tent%27",
		"/ws/socket.io/?EIO=4&transport=polling&t=OZp1a2b",
		"/manifest.webmanifest",
		"/sw.js",
		"/login?next=%2Faccount%2Forders%3Fpage%3D2",
		"/redirect?url=https%3A%2F%2Fpartner.example.net%2Flanding%3Futm_source%3Dshop",
		"/docs/v2/api-reference/users/{userId}",
		"/docs/guides/select-a-plan",
		"/blog/2026/12/union-pacific-rail-strike-what-it-means",
		"/blog/how-we-cut-our-sql-select-latency-by-90",
		"/kb/how-to-use-sleep-and-wait-commands",
		"/recipes/mac-and-cheese",
		"/courses/bash-scripting-101/lessons/cat-grep-and-pipes",
	}
	for _, p := range paths {
		cases = append(cases, appCase{"path " + p, get(p)})
	}
	// What the CRS denies in these on purpose; an exclusion for the site is the answer
	// (sidewall tune proposes it from detection-only mode).
	// git's smart HTTP protocol, as Gitea, GitLab and Forgejo serve it: a clone and a push.
	cases = append(cases,
		appCase{"git clone refs", withHeader(get("/acme/shop.git/info/refs?service=git-upload-pack"), "Git-Protocol", "version=2")},
		appCase{"git clone upload-pack", withHeader(post("/acme/shop.git/git-upload-pack", "application/x-git-upload-pack-request",
			"0014command=ls-refs\n0014agent=git/2.47.00016object-format=sha10001000bpeel\n000ctag-prefix\n0014ref-prefix HEAD\n001bref-prefix refs/heads/\n0000"), "Git-Protocol", "version=2")},
		appCase{"git push receive-pack", post("/acme/shop.git/git-receive-pack", "application/x-git-receive-pack-request",
			"00940000000000000000000000000000000000000000 6113728f27ae82c7b1a177c8d03f9e96e0adf246 refs/heads/main\x00 report-status side-band-64k agent=git/2.47.0\n0000PACK\x00\x00\x00\x02\x00\x00\x00\x03\x95\x0ex\x9c")},
	)
	knownDenied := map[string]string{
		"wp gutenberg save": "a CMS post's HTML, block comments and all, is markup by design (941160, 941180); the CRS ships WordPress exclusions as a plugin",
		"odata":             "OData's $filter, $top, $select are MongoDB operators' names too (942290)",
		// Mixpanel's engage, PostHog's $identify and Amplitude's identify set user
		// properties with $set, $unset and $add: a MongoDB update document's very keys.
		"amplitude httpapi": "user property operations named $set and $add, as MongoDB's (942290)",
		"search etc hosts":  "a search naming /etc/hosts is an OS file path like any LFI payload (930120)",
	}
	passesUnlessKnown(t, cases, knownDenied)
}

// TestTextPeopleWritePasses: what people type into checkouts, logins, tickets, reviews and
// chats, the names of the files they upload, and what services post to webhooks, in the
// punctuation they use (apostrophes, "--", "#", ";", quotes, emoji), in several
// languages. Written for this test, held out from the tuning like
// TestRequestsOfRealAppsPass, with the same rule for knownDenied. It found a file name
// with a time in it denied (922130, narrowed in narrow.go), a share link whose "&url="
// read as url.dll (932370, narrowed), and the HTML comments of issue templates (941180,
// narrowed).
func TestTextPeopleWritePasses(t *testing.T) {
	q := url.QueryEscape
	form := func(kv ...string) string {
		var b []string
		for i := 0; i+1 < len(kv); i += 2 {
			b = append(b, q(kv[i])+"="+q(kv[i+1]))
		}
		return strings.Join(b, "&")
	}
	var cases []appCase
	notes := []string{
		"Gate code: #4321; ring the bell twice",
		"Don't leave it outside -- it'll get wet",
		"Leave with neighbour at no. 12 (blue door) if I'm out",
		"Flat 2/B, c/o Müller",
		"Please call +1 (555) 010-0199 on arrival!!",
		"Deliver between 9-5 only; closed Sat & Sun",
		"It's a gift -- no invoice in the box, please :)",
		"Back entrance via Rue de l'Église; code 1984*",
		"2nd floor, 'Reception' desk, ask for Dr. O'Brien",
		"If not home, leave in the shed (it's unlocked) -- thanks!",
		"Order #A-1029 & #A-1030 ship together pls",
		"<3 thank you so much",
	}
	for i, n := range notes {
		cases = append(cases, appCase{fmt.Sprintf("checkout note %d", i), post("/checkout/address", formType, form("first_name", "Siobhán", "last_name", "O'Connor-Smith", "address1", "12 Rue de l'Église", "address2", "Apt. 4 #B", "city", "Saint-Étienne", "zip", "42000", "phone", "+33 (0)4 77 12-34-56", "notes", n))})
	}
	passwords := []string{"Tr0ub4dor&3", "correct horse battery staple", "P@ss'w0rd--2026!", "m#2K!x$9@Lp^z", "tG7-kQp-9vX-w2", `Xk9#m'Q2;v--Lp`, "abc'def\"ghi", "hunter2;DROP", "p4$$w0rd%", "a1!b2@c3#d4$e5%f6^g7&h8*i9(j0)"}
	for i, p := range passwords {
		cases = append(cases, appCase{fmt.Sprintf("login password %d", i), post("/login", formType, form("email", "jane@example.org", "password", p, "remember", "on"))})
	}
	cases = append(cases,
		appCase{"github push webhook", withHeader(post("/hooks/github", jsonType, `{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0000000000000000000000000000000000000000","commits":[{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","message":"Fix N+1 query in orders#index; select only needed columns from users\n\nCloses #42","author":{"name":"Jane O'Neil","email":"jane@example.org"},"added":["db/migrate/20261206_add_index.rb"],"modified":["app/controllers/orders_controller.rb"]}],"repository":{"full_name":"acme/shop"}}`), "X-GitHub-Event", "push")},
		appCase{"slack slash command", post("/slack/commands", formType, form("token", "gIkuvaNzQIHg97ATvDxqgjtO", "team_id", "T0001", "channel_name", "ops", "user_name", "jane", "command", "/deploy", "text", "shop@main --env=production --dry-run", "response_url", "https://hooks.slack.com/commands/1234/5678", "trigger_id", "13345224609.738474920.8088930838d88f008e0"))},
		appCase{"twilio sms", post("/twilio/sms", formType, form("MessageSid", "SM1234", "AccountSid", "AC5678", "From", "+15550100199", "To", "+15550100100", "Body", "STOP? no wait -- I meant to say: can you deliver tmrw @ 5pm? thx!", "NumMedia", "0"))},
		appCase{"stripe webhook", post("/webhooks/stripe", jsonType, `{"id":"evt_1","object":"event","type":"checkout.session.completed","data":{"object":{"id":"cs_test_a1","object":"checkout.session","amount_total":4999,"currency":"eur","customer_details":{"email":"jane@example.org","name":"Jane O'Neil","address":{"line1":"12 Rue de l'Église","city":"Lyon"}},"metadata":{"order_id":"A-1029"},"payment_status":"paid"}}}`)},
		appCase{"sendgrid inbound parse", post("/inbound/email", formType, form("from", "Jane O'Neil <jane@example.org>", "to", "support@shop.example.com", "subject", "Re: Your order #A-1029 -- where is it?", "text", "Hi,\n\nI ordered on Monday and haven't heard back. Can you check?\n\n> On Mon, Dec 1, 2026 at 9:02 AM Shop <support@shop.example.com> wrote:\n> Thanks for your order!\n\n-- \nJane", "html", "<div dir=\"ltr\">Hi,<br><br>I ordered on Monday and haven't heard back.<br></div><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, Dec 1, 2026 at 9:02 AM Shop &lt;<a href=\"mailto:support@shop.example.com\">support@shop.example.com</a>&gt; wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex\">Thanks for your order!</blockquote></div>"))},
		appCase{"zendesk ticket", post("/api/v2/tickets.json", jsonType, `{"ticket":{"subject":"Can't log in since update","comment":{"body":"Since Tuesday's update I get \"Error 500\" when I press 'Log in'. Tried Chrome & Firefox; cleared cookies -- no luck. Screenshot attached."},"priority":"high","tags":["login","500"]}}`)},
		appCase{"calendar invite", post("/api/events", jsonType, `{"title":"Q1 planning: select vendors from shortlist","location":"Room 4/B (2nd floor)","description":"Agenda:\n1) review costs\n2) union contract update\n3) AOB","start":"2026-12-08T10:00:00+01:00","end":"2026-12-08T11:30:00+01:00","attendees":["jane@example.org","sam@example.org"]}`)},
		appCase{"gitea issue from a template", post("/acme/shop/issues/new", formType, form("_csrf", "fGx9kQ2", "title", "Checkout fails on Safari", "content", "<!-- Please describe the bug. -->\n### Steps\n1. Add to cart\n2. Pay\n\n<!-- What did you expect? -->\nIt should work.\n\n### Version\n1.4.2"))},
		appCase{"gitlab merge request from a template", post("/api/v4/projects/7/merge_requests", jsonType, `{"title":"Fix cart","description":"<!-- template: default -->\nCloses #42\n\n- [x] tests\n- [ ] docs","source_branch":"fix-cart","target_branch":"main"}`)},
		appCase{"share link", get("/share?link=" + q("https://twitter.com/intent/tweet?text=Check this out&url=https://shop.example.com/p/42") + "&via=shop")},
		appCase{"search engine redirect link", post("/api/bookmarks", jsonType, `{"url":"https://www.google.com/url?sa=t&rct=j&q=&esrc=s&source=web&cd=&url=https%3A%2F%2Fshop.example.com%2Fp%2F42&usg=AOvVaw0"}`)},
		appCase{"spreadsheet formula", post("/api/cells", jsonType, `{"sheet":"Budget","cell":"D12","value":"=SUM(D2:D11)*(1+$B$1)","format":"0.00%"}`)},
		appCase{"markdown readme", post("/api/wiki/pages", jsonType, `{"title":"Setup","body":"## Install\n\nRun the installer, then open **Settings → Users** and select *Invite*.\n\n| Role | Can |\n|---|---|\n| admin | everything |\n| viewer | read |\n\n> Note: don't share your token."}`)},
		appCase{"chat message emoji", post("/api/messages", jsonType, `{"channel":"general","text":"lol 😂 that's what she said -- anyway, lunch @ 12:30? 🍕 or 🍣 ¯\\_(ツ)_/¯"}`)},
		appCase{"review with rating", post("/products/42/reviews", formType, form("rating", "4", "title", "Good, not great :-/", "body", "Fits true to size. The zip is a bit stiff & the 'waterproof' claim is generous -- it held up for ~2 hrs of rain. 4/5 would buy again.", "name", "J. O'Neil"))},
	)
	// The names people's files have, uploaded from a form.
	for _, n := range []string{"Lebenslauf (final) – Müller.pdf", "résumé 2026.docx", "photo #1.jpg", "IMG_20261206_101530.HEIC",
		"Screenshot 2026-12-06 at 10.15.30\u202fAM.png", "Invoice_No.42 & receipt.pdf", "report [v2].xlsx", "O'Brien, Sean - CV.pdf",
		"発表資料.pptx", "~$budget.xlsx", "100% cotton - label.jpg", "notes (copy 2).md", "data_export_2026-12-06T10:15:30Z.csv",
		"scan 1 of 3.tiff", "archive.tar.gz", "my-file@2x.png", "{draft} plan.docx", "a+b=c.txt", "Project; phase 2.pdf"} {
		body := "--BB\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nMy upload\r\n--BB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
			n + "\"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01binary\x02\r\n--BB--\r\n"
		cases = append(cases, appCase{"upload " + n, post("/upload", "multipart/form-data; boundary=BB", body)})
	}
	// Files whose content is code, queries or markup: an upload's content is the file's,
	// not an argument the application reads.
	for _, f := range []struct{ name, ctype, content string }{
		{"backup.sql", "application/sql", "-- MySQL dump\nDROP TABLE IF EXISTS `orders`;\nCREATE TABLE `orders` (`id` int NOT NULL);\nINSERT INTO `orders` VALUES (1),(2);\n"},
		{"deploy.sh", "text/x-sh", "#!/bin/bash\nset -e\ncd /srv/app && git pull && systemctl restart app\n"},
		{"main.py", "text/x-python", "import os\nprint(os.environ.get('HOME'))\n"},
		{"budget.csv", "text/csv", "item,cost\nrent,1200\ntotal,=SUM(B2:B2)\n"},
		{"icon.svg", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path d="M12 2L2 22h20z"/></svg>`},
		{"index.html", "text/html", "<!doctype html><html><head><title>Hi</title></head><body><h1>Hello</h1></body></html>"},
		{"app.log", "text/plain", "2026-12-06 10:00:01 ERROR GET /search?q=1' OR '1'='1 -> 403\n"},
	} {
		body := "--BB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + f.name + "\"\r\nContent-Type: " + f.ctype + "\r\n\r\n" + f.content + "\r\n--BB--\r\n"
		cases = append(cases, appCase{"upload content " + f.name, post("/upload", "multipart/form-data; boundary=BB", body)})
	}
	// Links people follow (ad click ids, e-mail tracking, magic links), product names,
	// messages in a dozen scripts, and arithmetic in an answer.
	add := func(n string, r *Request) { cases = append(cases, appCase{n, r}) }
	// What more services post to webhooks: bots, trackers, payment and mail gateways,
	// forms and chat, with their users' words in them.
	add("telegram update", post("/bot/webhook", jsonType, `{"update_id":1,"message":{"message_id":7,"from":{"id":42,"first_name":"Jane","username":"jane_o"},"chat":{"id":42,"type":"private"},"date":1733478000,"text":"/start ref_abc123","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`))
	add("discord interaction", post("/interactions", jsonType, `{"type":2,"data":{"name":"order","options":[{"name":"id","type":3,"value":"A-1029"}]},"member":{"user":{"id":"80351110224678912","username":"jane"}},"token":"aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTA6c2VjcmV0"}`))
	add("jira webhook", post("/hooks/jira", jsonType, `{"webhookEvent":"jira:issue_updated","issue":{"key":"WEB-42","fields":{"summary":"Cart total wrong when coupon applied","description":"Steps: add item, apply SAVE-20%, total shows -$5.00 instead of $20.00"}},"changelog":{"items":[{"field":"status","fromString":"To Do","toString":"In Progress"}]}}`))
	add("gitlab push webhook", withHeader(post("/hooks/gitlab", jsonType, `{"object_kind":"push","ref":"refs/heads/main","commits":[{"id":"b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327","message":"Update Catalan translation to e38cb41.\n\nSee https://gitlab.com/gitlab-org/gitlab for more information","added":["CHANGELOG"],"modified":["app/controller/application.rb"]}],"total_commits_count":1}`), "X-Gitlab-Event", "Push Hook"))
	add("paypal ipn", post("/ipn", formType, form("mc_gross", "19.95", "payer_id", "LPLWNMTBWMFAY", "address_street", "1 Main St", "payment_date", "20:12:59 Jan 13, 2009 PST", "payment_status", "Completed", "business", "seller@paypalsandbox.com", "verify_sign", "AtkOfCXbDm2hu0ZELryHFjY-Vb7PAUvS6nMXgysbElEn9v-1XcmSoGtf", "txn_type", "web_accept", "item_name", `Book: "SQL for Dummies" (2nd ed.)`)))
	add("mailgun inbound", post("/inbound/mailgun", formType, form("recipient", "support@shop.example.com", "sender", "jane@example.org", "subject", "Re: order #A-1029", "body-plain", "Hi -- where's my order? I paid on Monday.\n\n> On Mon, Shop wrote:\n> Thanks!")))
	add("typeform answers", post("/hooks/typeform", jsonType, `{"form_response":{"answers":[{"type":"text","text":"I'd love a 'select all' option & dark mode; also <3 the app"},{"type":"choice","choice":{"label":"Other"}}]}}`))
	add("calendly", post("/hooks/calendly", jsonType, `{"event":"invitee.created","payload":{"name":"Jane O'Neil","questions_and_answers":[{"question":"Anything to prepare?","answer":"Agenda: 1) pricing; 2) SSO (SAML/OIDC); 3) exports -> CSV/JSON"}]}}`))
	add("intercom reply", post("/hooks/intercom", jsonType, `{"type":"notification_event","topic":"conversation.user.replied","data":{"item":{"conversation_parts":{"conversation_parts":[{"body":"<p>Hi! The export fails with <code>Error: ENOENT: no such file or directory, open '/tmp/export.csv'</code></p>"}]}}}}`))
	add("shopify order webhook", withHeader(post("/hooks/shopify/orders", jsonType, `{"id":820982911946154500,"email":"jon@example.com","note":"Please gift wrap -- it's for my mom's 60th!","line_items":[{"title":"IPod Nano - 8GB","variant_title":"Pink","properties":[{"name":"Engraving","value":"Love you; always <3"}]}]}`), "X-Shopify-Hmac-Sha256", "XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM="))
	add("gclid", get("/?gclid=Cj0KCQiA-aK8BhCDARIsAL_-H9m8Xx1Q2w3e4R5t6Y7u8I9o0P-aAsDfGhJkLzXcVbNm_EALw_wcB&utm_source=google&utm_medium=cpc&utm_campaign=Winter%20Sale%20%7C%20DE&utm_term=%2Bjacket%20%2Bwaterproof"))
	add("fbclid", get("/products/42?fbclid=IwZXh0bgNhZW0CMTEAAR2x_8YlqQ9n-7mKzB3cDe_aem_AbCdEfGhIjKlMnOpQrStUv"))
	add("msclkid", get("/?msclkid=3f2a1b0c1d2e4f5a8b9c0d1e2f3a4b5c&utm_source=bing&utm_medium=cpc"))
	add("hubspot email", get("/blog/post?_hsenc=p2ANqtz-8Xk2JbYzV9nqW3f0aT7y8cE1fR4dG6hJ5kL0mN2pQ_rStUvWxYz0123&_hsmi=289374651&utm_content=289374651&utm_source=hs_email"))
	add("mailchimp", get("/sale?mc_cid=4f2a1b0c3d&mc_eid=9e8d7c6b5a"))
	add("magic link", get("/auth/magic?token="+jwtOf(`{"alg":"HS256"}`, `{"email":"jane@example.org","exp":1733481600,"purpose":"login"}`)+"&redirect=%2Fdashboard"))
	add("unsubscribe", get("/unsubscribe?email=jane.o%27neil%40example.org&list=weekly&sig=8f14e45fceea167a5a36dedd4bea2543"))
	add("reset", get("/password/reset/MTIzNDU2Nzg5/bx7k2p-8f14e45fceea167a5a36dedd4bea2543/"))
	for i, p := range []string{"Drop-Leaf Dining Table (Oak)", "Select Comfort Mattress Topper", "Union Made Work Boots", "Script Font Poster – 'Home Sweet Home'", "Medical Alert Bracelet", "Exec Office Chair, Mesh", "Sleep & Wake Light", "Cat Tree Deluxe (3 levels)", "Rock 'n' Roll Tee – XL", "2\" x 4\" Wood Screws (100-pack)", "Table Runner; Linen; 180cm", "Onload Kids Bike 16\""} {
		add(fmt.Sprintf("cart %d", i), post("/cart/add", jsonType, fmt.Sprintf(`{"sku":"SKU-%d","name":%q,"qty":1}`, i, p)))
	}
	for i, s := range []string{"東京都渋谷区神南1-2-3 ビル5F", "مرحبا، أريد تغيير عنوان التوصيل من فضلك", "Здравствуйте! Когда будет доставка? Заказ №1029", "안녕하세요, 주문 취소 가능한가요?", "Γεια σας — μπορώ να αλλάξω μέγεθος;", "שלום, האם יש משלוח לאילת?", "नमस्ते, क्या मैं ऑर्डर बदल सकता हूँ?", "Xin chào, tôi muốn đổi địa chỉ giao hàng", "Olá! Posso trocar o tamanho? Obrigado :)", "¿Podría cambiar la dirección? ¡Gracias!", "Grüß Gott — bitte an die Packstation 123 (Nr. 4567890)", "Cześć! Czy mogę zmienić rozmiar? Dzięki 🙂"} {
		add(fmt.Sprintf("i18n %d", i), post("/contact", formType, "message="+q(s)+"&name="+q("Test")))
	}
	for i, s := range []string{"E = mc^2; F = ma", "x = (−b ± √(b²−4ac)) / 2a", "if n > 0 then n! = n × (n−1)!", "2 + 2 = 4 -- obviously", "f'(x) = 2x, f''(x) = 2", "a[i] = a[i-1] + a[i-2]", "sum(x_i) / n", "P(A|B) = P(B|A)·P(A)/P(B)", "price < $50 && rating >= 4", "50% off -> 25 EUR"} {
		add(fmt.Sprintf("math %d", i), post("/answers", formType, "body="+q(s)))
	}
	knownDenied := map[string]string{
		// 920120 refuses "=" and ";" in a file name: they end a parameter of the
		// Content-Disposition header to a parser that does not honour the quotes.
		// libinjection reads arithmetic as SQL: a number, then a comment ("1c"); a
		// function call, then an operator ("f(n)o").
		"math 3":                      "\"2 + 2 = 4 -- obviously\" (942100)",
		"math 6":                      "\"sum(x_i) / n\" (942100)",
		"upload a+b=c.txt":            "an equals sign in a file name (920120)",
		"upload Project; phase 2.pdf": "a semicolon in a file name (920120)",
		// libinjection reads utf8toUnicode's "%u00c9" (942100 judges each stage of its
		// transformations) as a modulo operator after the apostrophe: "l'%u00c9glise;
		// code" has the fingerprint of a string, an operator, a word and a statement.
		"checkout note 7": "an apostrophe, an accented capital, then a semicolon (942100 on the transformed text)",
		// "; select only needed columns": a semicolon, an SQL verb and a name are a
		// stacked query to 942350; libinjection does not confirm most of the CRS's own
		// tests of it, so it was not made a second signal.
		"github push webhook":    "a commit message with \"; select\" (942350)",
		"sendgrid inbound parse": "an e-mail's HTML is markup by design (941100, 941160)",
		"intercom reply":         "an error message quoting /tmp/... names an OS path like any LFI payload (930120)",
	}
	passesUnlessKnown(t, cases, knownDenied)
}

// appCase is a request of TestRequestsOfRealAppsPass or TestTextPeopleWritePasses.
type appCase struct {
	name string
	req  *Request
}

// passesUnlessKnown runs each case at paranoia level 1 and fails one that is denied unless
// knownDenied names it, and one that knownDenied names but passes.
func passesUnlessKnown(t *testing.T, cases []appCase, knownDenied map[string]string) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := pl1.get(t).Inspect(tc.req)
			reason, known := knownDenied[tc.name]
			switch {
			case v.Interrupted && !known:
				var s []string
				for _, m := range v.Matched {
					s = append(s, fmt.Sprintf("%d %.160s", m.ID, m.Data))
				}
				t.Errorf("denied\n    %s", strings.Join(s, "\n    "))
			case !v.Interrupted && known:
				t.Errorf("passes now; remove it from knownDenied (%s)", reason)
			}
		})
	}
}

// TestCodePeoplePost: what the users of a developer community post, code in the
// languages they write it in, in Markdown fences, held out from the tuning like the tests
// above: written after the narrowings of 932140, 932370 and 932235 to see whether they
// hold beyond the corpus' code posts (they took these from 24 denied of 30 to 16). It
// found Rust's and Swift's posts denied by 942550 for a quoted "{}" (narrowed too: 14).
// Code is written in the syntax the CRS fears, so half of it stays denied; knownDenied
// says why for each, and an exclusion for the field is the answer for a site whose
// users post code (README, "Tuning for your traffic").
func TestCodePeoplePost(t *testing.T) {
	snippets := []struct{ name, code string }{
		{"python fib", "```python\ndef fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint(fib(10))\n```"},
		{"python loop", "```python\nfor row in rows:\n    if row['status'] == 'active':\n        print(row['id'])\n```"},
		{"python csv", "```python\nwith open('data.csv') as f:\n    reader = csv.DictReader(f)\n    total = sum(int(r['qty']) for r in reader if r['qty'])\nprint(total)\n```"},
		{"python comprehension", "```python\nx = [i * 2 for i in range(20) if i % 3 == 0]\nprint(len(x))\n```"},
		{"python regex", "```python\nimport re\nm = re.match(r'^(\\d+)-(\\d+)$', s)\nif m is not None:\n    lo, hi = map(int, m.groups())\n```"},
		{"go error", "```go\nif err != nil {\n\treturn fmt.Errorf(\"load config: %w\", err)\n}\n```"},
		{"go loop", "```go\nfor _, u := range users {\n\tif u.Age == 0 {\n\t\tcontinue\n\t}\n\tsum += u.Age\n}\n```"},
		{"go switch", "```go\nswitch {\ncase n%15 == 0:\n\tfmt.Println(\"FizzBuzz\")\ncase n%3 == 0:\n\tfmt.Println(\"Fizz\")\n}\n```"},
		{"js reduce", "```js\nconst total = items.reduce((acc, it) => acc + it.price * it.qty, 0);\nif (total === 0) {\n  showEmpty();\n}\n```"},
		{"js listener", "```js\ndocument.querySelector('#save').addEventListener('click', () => save());\n```"},
		{"ts clamp", "```ts\nexport function clamp(n: number, lo: number, hi: number): number {\n  if (n < lo) return lo;\n  return n > hi ? hi : n;\n}\n```"},
		{"rust match", "```rust\nmatch value {\n    Some(v) if v == 0 => println!(\"zero\"),\n    Some(v) => println!(\"{}\", v),\n    None => {}\n}\n```"},
		{"c search", "```c\nfor (int i = 0; i < n; i++) {\n    if (a[i] == key) {\n        return i;\n    }\n}\nreturn -1;\n```"},
		{"java stream", "```java\nif (user == null) {\n    throw new IllegalArgumentException(\"user\");\n}\nList<String> names = users.stream().map(User::getName).toList();\n```"},
		{"ruby", "```ruby\nif order.total == 0\n  order.cancel!\nend\nputs order.status\n```"},
		{"kotlin", "```kotlin\nval adults = people.filter { it.age >= 18 }\nif (adults.isEmpty()) println(\"none\")\n```"},
		{"swift", "```swift\nguard let url = URL(string: s) else { return }\nif url.scheme == \"https\" {\n    open(url)\n}\n```"},
		{"elixir", "```elixir\nif user.role == :admin do\n  IO.puts(\"hi admin\")\nend\n```"},
		{"lua", "```lua\nif x == nil then\n  print(\"nil\")\nend\n```"},
		{"haskell", "```haskell\nfactorial n = if n == 0 then 1 else n * factorial (n - 1)\n```"},
		{"php", "```php\nif ($count === 0) {\n    echo 'empty';\n}\n```"},
		{"sql update", "```sql\nUPDATE accounts\nSET balance = balance - 100\nWHERE id = 42;\n```"},
		{"sql join", "```sql\nSELECT o.id, c.name\nFROM orders o\nJOIN customers c ON c.id = o.customer_id\nWHERE o.created_at > now() - interval '7 days';\n```"},
		{"sql replace", "```sql\nREPLACE INTO settings (k, v) VALUES ('theme', 'dark');\n```"},
		{"yaml", "```yaml\nservices:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n```"},
		{"dockerfile", "```dockerfile\nFROM golang:1.23 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n```"},
		{"nginx", "```nginx\nlocation /api/ {\n    proxy_pass http://backend;\n    proxy_set_header Host $host;\n}\n```"},
		{"bash", "```bash\nfor f in *.png; do\n  convert \"$f\" -resize 50% \"small/$f\"\ndone\n```"},
		{"powershell", "```powershell\nGet-ChildItem -Recurse -Filter *.log | Where-Object { $_.Length -gt 1MB } | Remove-Item\n```"},
		{"batch", "```bat\n@echo off\nif exist build rmdir /s /q build\nmkdir build\n```"},
	}
	var cases []appCase
	for _, s := range snippets {
		cases = append(cases, appCase{s.name, post("/questions/77/answers", formType, "body="+url.QueryEscape(s.code))})
	}
	knownDenied := map[string]string{
		"bash":       "a shell loop is shell (932235, 932370)",
		"powershell": "a PowerShell pipeline is shell (932120, 932380)",
		"batch":      "a batch file is cmd: IF EXIST and rmdir (932140, 932380)",
		"elixir":     "\"if a == b do ...\" is cmd's IF grammar: a word, ==, a word, a command (932140)",
		"lua":        "\"if x == nil then ...\": cmd's IF grammar (932140)",
		"haskell":    "\"if n == 0 then 1\": cmd's IF grammar (932140)",
		"sql replace": "REPLACE at a line's start is replace.exe to 932370 and MySQL's replace utility " +
			"to 932235 (the narrowing of update and print left it)",
		"sql join":     "JOIN and SELECT at a line's start are read as commands (932235)",
		"ts clamp":     "\"export\" at a line's start is the shell's (932235), \"if (n < lo)\" a comparison (942230)",
		"java stream":  "\"if (user == null)\" a comparison (942230), a line starting with a command (932235)",
		"js reduce":    "a comparison and a conditional (942170, 942230)",
		"js listener":  "document.querySelector called: script syntax (941180)",
		"python regex": "libinjection reads the raw string and the comparison as SQL (942100)",
		"php":          "$count and echo (481000, 932235, 942290)",
	}
	passesUnlessKnown(t, cases, knownDenied)
}

// TestQueriesPeopleTypePass: the query languages, filters and templates that users of
// admin tools, dashboards and APIs type into a field (JQL, PromQL, LogQL, KQL, Lucene,
// SCIM and Kubernetes selectors, GitHub's and Sentry's search, cron, Handlebars, Liquid,
// Jinja, JSONPath, jq, spreadsheet formulas), held out from the tuning like the tests
// above. It found Loki's line_format "{{.msg}}" denied (942550, narrowed in narrow.go).
// What stays denied is SQL or a shell's syntax by design, with its reason below.
func TestQueriesPeopleTypePass(t *testing.T) {
	q := url.QueryEscape
	cases := []appCase{
		{"jql", get("/rest/api/3/search?jql=" + q(`project = WEB AND status in ("In Progress", Review) AND assignee = currentUser() ORDER BY created DESC`))},
		{"jql text", get("/rest/api/3/search?jql=" + q(`text ~ "login error" AND updated >= -7d`))},
		{"promql", get("/api/v1/query?query=" + q(`sum(rate(http_requests_total{job="api",status=~"5.."}[5m])) by (instance)`))},
		{"promql range", get("/api/v1/query_range?query=" + q(`histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))`) + "&start=1733400000&end=1733486400&step=60")},
		{"logql", get("/loki/api/v1/query_range?query=" + q(`{app="nginx"} |= "error" | json | line_format "{{.msg}}"`))},
		{"kql", post("/api/query", jsonType, `{"query":"requests | where timestamp > ago(1h) | summarize count() by bin(timestamp, 5m), resultCode | order by timestamp desc"}`)},
		{"lucene", get("/search?q=" + q(`title:(quick OR brown) AND NOT status:closed`))},
		{"kibana", post("/internal/search/es", jsonType, `{"params":{"index":"logs-*","body":{"query":{"bool":{"filter":[{"query_string":{"query":"response:500 AND NOT path:\"/healthz\""}},{"range":{"@timestamp":{"gte":"now-15m"}}}]}}}}}`)},
		{"scim", get("/scim/v2/Users?filter=" + q(`userName eq "bjensen" and (emails co "example.com" or emails.value sw "b")`))},
		{"kubernetes selector", get("/api/v1/namespaces/default/pods?labelSelector=" + q(`app in (web,api),tier!=frontend`))},
		{"github search", get("/search?q=" + q(`is:pr is:open label:"bug" -author:app/dependabot sort:updated-desc`))},
		{"sentry search", get("/api/0/organizations/acme/issues/?query=" + q(`is:unresolved !has:release level:error`))},
		{"cron", post("/api/jobs", jsonType, `{"name":"nightly","schedule":"*/5 * * * *","command":"report --since=24h"}`)},
		{"regex", post("/api/rules", jsonType, `{"pattern":"^/api/v[0-9]+/users/\\d+$","action":"allow"}`)},
		{"handlebars", post("/api/templates", jsonType, `{"body":"{{#if user}}Hello {{user.name}}{{else}}Hello there{{/if}}"}`)},
		{"liquid", post("/admin/themes/1/assets.json", jsonType, `{"asset":{"key":"sections/price.liquid","value":"{% if product.available %}{{ product.price | money }}{% else %}Sold out{% endif %}"}}`)},
		{"jinja", post("/api/emails", jsonType, `{"subject":"Your order {{ order.number }}","body":"Hi {{ customer.first_name | default('there') }}, total: {{ order.total }}"}`)},
		{"mustache", post("/api/templates", formType, "tpl="+q(`Dear {{name}}, your code is {{code}}.`))},
		{"native sql", post("/api/dataset", jsonType, `{"database":1,"type":"native","native":{"query":"SELECT date_trunc('day', created_at) AS day, count(*) FROM orders WHERE status = 'paid' GROUP BY 1 ORDER BY 1"}}`)},
		{"graphql persisted query", get("/graphql?operationName=Product&variables=" + q(`{"id":"gid://shopify/Product/1"}`) + "&extensions=" + q(`{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}`))},
		{"json-rpc", post("/rpc", jsonType, `{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x6b175474e89094c44da98b954eedeac495271d0f","data":"0x70a08231000000000000000000000000d8da6bf26964af9d7eed9e03e53415d37aa96045"},"latest"]}`)},
		{"soap", post("/ws/orders", "text/xml; charset=utf-8", `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetOrder xmlns="http://shop.example.com/"><OrderId>1029</OrderId></GetOrder></soap:Body></soap:Envelope>`)},
		{"xpath", post("/api/scrapers", jsonType, `{"selector":"//div[@class='price']/span[1]/text()"}`)},
		{"css selector", post("/api/scrapers", jsonType, `{"selector":"div.product > a[href^='/p/']:not(.ad)"}`)},
		{"jsonpath", post("/api/alerts", jsonType, `{"path":"$.store.book[?(@.price < 10)].title"}`)},
		{"jq", post("/api/transforms", jsonType, `{"jq":".items[] | select(.status == \"active\") | {id, name}"}`)},
		{"spreadsheet formula", post("/api/cells", jsonType, `{"value":"=IF(AND(B2>0,C2<>\"\"),VLOOKUP(A2,Sheet2!A:B,2,FALSE),\"n/a\")"}`)},
		{"airtable formula", get("/v0/app1/Orders?filterByFormula=" + q(`AND({Status}='Paid', IS_AFTER({Date}, '2026-01-01'))`))},
		{"notion filter", post("/v1/databases/1/query", jsonType, `{"filter":{"and":[{"property":"Done","checkbox":{"equals":false}},{"property":"Tags","multi_select":{"contains":"urgent"}}]},"sorts":[{"property":"Due","direction":"ascending"}]}`)},
		{"where in json", get("/api/products?where=" + q(`{"price":{"gte":10},"category":"shoes"}`))},
	}
	knownDenied := map[string]string{
		"jql":        "JQL is SQL's syntax: libinjection reads it as SQL (942100)",
		"jql text":   "JQL is SQL's syntax (942100)",
		"native sql": "a SQL query typed into a BI tool is SQL (942100)",
		"regex":      "a path with a character class is a shell glob (932130)",
		"xpath":      "an XPath step with a predicate is a shell glob (932130)",
		// libinjection's fingerprint of a string, an operator and a string, the shape
		// of the ' = ' tautology.
		"css selector": "a quoted attribute value after ^= (942100)",
	}
	passesUnlessKnown(t, cases, knownDenied)
}
