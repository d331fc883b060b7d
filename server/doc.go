// Package server is sidewall's decision service: the fasthttp endpoint that nginx's
// auth_request module asks, for every client request, whether it may pass.
//
// # The nginx contract
//
// nginx sends a subrequest to /auth for each request it protects. The subrequest is a GET
// with no body that carries the client's original headers, plus headers that the include
// file nginx/sidewall-auth-proxy.conf sets (and that therefore replace anything of the same
// name a client sent):
//
//	X-Sidewall-Method          the original method ($request_method)
//	X-Sidewall-URI             the raw request URI with its query string ($request_uri)
//	X-Sidewall-Addr            the client address ($remote_addr, after realip)
//	X-Sidewall-Host            the host for rate-limit rules ($host)
//	X-Sidewall-Client-Host     the client's Host header as sent ($http_host), for the WAF
//	X-Sidewall-Profile         the WAF profile a location chose ($sidewall_profile)
//	X-Sidewall-Continue        the named location to continue at (body path only)
//	X-Sidewall-Protocol        the original protocol ($server_protocol)
//	X-Sidewall-Request-ID      nginx's $request_id, carried into every log line
//	X-Sidewall-Content-Length  the original Content-Length, if any
//	X-Sidewall-Transfer-Encoding  the original Transfer-Encoding, if any (nginx de-chunks)
//
// A client may send headers of these names itself; nginx replaces them, so they cannot
// change a decision, but the application behind nginx still receives them. nginx passes
// their values in one more header, X-Sidewall-Forged (absent when the client sent none),
// which sidewall hands to the WAF with the client's other headers.
//
// nginx's auth_request understands only three answers: 2xx lets the request pass, 401 and
// 403 deny it, and anything else becomes a 500 for the client. So sidewall answers 204 to
// allow and 403 to deny, and says why in headers that nginx reads into variables
// (auth_request_set) and logs, and that never reach the client:
//
//	X-Sidewall-Action   blocklist | ban | ratelimit | waf | invalid | error
//	X-Sidewall-Reason   the blocklist entry, the ban ("203.0.113.9/32 ban: scraping"), the
//	                    rate-limit rule, the WAF score, or what was malformed
//	X-Sidewall-Rules    WAF rule ids that matched, comma-separated
//
// A rate-limit denial also carries Retry-After and the IETF RateLimit and RateLimit-Policy
// fields (draft-ietf-httpapi-ratelimit-headers); nginx's named location @sidewall_denied
// turns such a 403 into the client's 429.
//
// # Order of checks
//
// The checks run cheapest first and stop at the first denial: the allowlist (which
// exempts a client from the next two), the dynamic bans and the blocklist (bloom filter
// probes), rate limits (a sharded map), then the WAF (Coraza with the OWASP CRS, two
// orders of magnitude dearer than the rest). Every matching rate-limit rule counts the
// request, even when an earlier rule already denies it. With Policy.AutoBan, WAF and
// rate-limit denials also count towards banning the client (see bans.AutoBan).
//
// # Malformed requests
//
// A request sidewall cannot make sense of (no client address, a request head larger than
// Options.MaxHeaderBytes, a syntax error) is denied with X-Sidewall-Action: invalid; the
// server keeps serving. A panic inside a check is recovered and answered by the failure
// policy (Policy.FailOpen): fasthttp itself does no recovery.
package server
