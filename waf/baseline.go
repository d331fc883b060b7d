package waf

// crsSetup is sidewall's CRS setup: three of the CRS's own setup variables, set where the
// CRS's defaults turned away modern traffic that sidewall can judge on its content. The
// SecActions have ids of sidewall's (480020-480022), not the ones crs-setup.conf.example
// documents (900200, 900220, 900250), so that an operator's own SecAction of those ids
// in Options.BeforeCRS, loaded later, still loads and wins. Each deviation from stock CRS, with
// the false positives it removed on eval's benign corpus (make eval), is in the README,
// "Precision: where sidewall departs from stock CRS".
//
//   - tx.allowed_methods (the CRS's 900200): PUT, PATCH and DELETE too. REST APIs use them; the CRS
//     admits GET, HEAD, POST and OPTIONS only (911100). Methods that read or change what
//     they should not (TRACE, CONNECT, PROPFIND and WebDAV's others, made-up ones) are
//     still denied.
//   - tx.allowed_request_content_type (900220): the CRS's types, plus the types sidewall
//     reads by their content (body.go): text/plain (navigator.sendBeacon), binary types
//     (octet-stream, protobuf, gRPC-Web, tus uploads, git's smart HTTP protocol),
//     newline-delimited JSON, the
//     browser's own reports (CSP, Reporting API), and common +json types (920420's
//     narrowing in narrow.go admits every application/...+json type, which Coraza
//     parses as JSON). A type a backend might parse in a way sidewall does not (YAML,
//     Java serialisation, AMF...) stays denied by 920420.
//   - tx.restricted_headers_basic (900250): without /content-encoding/. The CRS restricts
//     the header because it cannot read a compressed body; sidewall decodes gzip,
//     deflate, br, zstd and snappy, and refuses every other coding itself.
const crsSetup = `SecAction "id:480020,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',` +
	`setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
SecAction "id:480021,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',` +
	`setvar:'tx.allowed_request_content_type=` +
	`|application/x-www-form-urlencoded| |multipart/form-data| |text/xml| |application/xml| |application/soap+xml| |application/json| ` +
	`|application/csp-report| |application/reports+json| |text/plain| |application/octet-stream| ` +
	`|application/x-ndjson| |application/ndjson| |application/jsonl| |application/x-jsonlines| ` +
	`|application/x-protobuf| |application/protobuf| |application/vnd.google.protobuf| ` +
	`|application/grpc-web| |application/grpc-web+proto| |application/grpc-web-text| |application/grpc-web-text+proto| ` +
	`|application/offset+octet-stream| |application/graphql| ` +
	`|application/x-git-upload-pack-request| |application/x-git-receive-pack-request| ` +
	`|application/vnd.api+json| |application/merge-patch+json| |application/json-patch+json| |application/problem+json| ` +
	`|application/ld+json| |application/hal+json| |application/activity+json| |application/scim+json| |application/geo+json|'"
SecAction "id:480022,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',` +
	`setvar:'tx.restricted_headers_basic=/proxy/ /lock-token/ /content-range/ /if/ /x-http-method-override/ /x-http-method/ /x-method-override/ /x-middleware-subrequest/ /expect/'"
`

// bodyProcessorSecLang turns the processor planBody chose (TX:sidewall_body_processor,
// set before phase 1) into Coraza's body processor. It comes after
// coraza.conf-recommended's rules, which choose by Content-Type, and before the CRS's
// 901340, which would have Coraza parse a body of any other type as a form.
const bodyProcessorSecLang = `SecRule TX:sidewall_body_processor "@streq JSON" "id:480010,phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=JSON"
SecRule TX:sidewall_body_processor "@streq URLENCODED" "id:480011,phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=URLENCODED"
SecRule TX:sidewall_body_processor "@streq TEXT" "id:480012,phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=TEXT"
SecRule TX:sidewall_body_processor "@streq RAW" "id:480013,phase:1,pass,nolog,t:none,ctl:requestBodyProcessor=RAW"
`

// txBodyProcessor is the TX variable planBody's choice travels in.
const txBodyProcessor = "sidewall_body_processor"
