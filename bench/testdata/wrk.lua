-- wrk script of the sidewall bench. The bench writes the raw HTTP requests of one corpus
-- (testdata/*.http, expanded over many client addresses) into a Lua data file and passes
-- its path after "--"; each connection sends them in turn. request() returns a prepared
-- string, so wrk spends next to nothing per request on Lua. done() prints one line that
-- the bench parses: "BENCH {json}".
local reqs, n, i

function init(args)
  reqs = dofile(args[1])
  n = #reqs
  i = 0
end

function request()
  i = i % n + 1
  return reqs[i]
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
