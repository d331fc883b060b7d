-- wrk script of the bench's scale scenarios: every request comes from a client address
-- never used before (100.64.0.0/10 counted up from an offset), sent straight to sidewall's
-- /auth with the headers nginx's include would set. Arguments after "--": the first
-- address number, and the number of wrk threads (each thread takes every n-th number).
-- done() prints "BENCH {json}" as wrk.lua does.
local k, step, host

function setup(thread)
  thread:set("tid", tostring(setup_count or 0))
  setup_count = (setup_count or 0) + 1
end

function init(args)
  step = tonumber(args[2])
  k = tonumber(args[1]) + tonumber(tid or "0")
end

function request()
  local a = k
  k = k + step
  local addr = string.format("100.%d.%d.%d", 64 + math.floor(a / 65536) % 64,
    math.floor(a / 256) % 256, a % 256)
  return "GET /auth HTTP/1.1\r\nHost: sidewall\r\n" ..
    "X-Sidewall-Method: GET\r\nX-Sidewall-URI: /products/4711?color=navy\r\n" ..
    "X-Sidewall-Host: shop.example.com\r\nX-Sidewall-Addr: " .. addr .. "\r\n" ..
    "X-Sidewall-Protocol: HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" ..
    "Accept: text/html\r\n\r\n"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
