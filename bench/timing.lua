-- wrk script: keep each response's Server-Timing duration and report percentiles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  durations = {}
  errors = 0
end

function response(status, headers, body)
  if status >= 400 then errors = errors + 1 end
  local st = headers["Server-Timing"] or headers["server-timing"]
  if st then
    local d = string.match(st, "dur=([%d%.]+)")
    if d then durations[#durations + 1] = tonumber(d) end
  end
end

function done(summary, latency, requests)
  local all, errs = {}, 0
  for _, t in ipairs(threads) do
    local d = t:get("durations")
    for i = 1, #d do all[#all + 1] = d[i] end
    errs = errs + t:get("errors")
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return -1 end
    return all[math.max(1, math.ceil(#all * p / 100))]
  end
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f lat_p50_ms=%.2f lat_p95_ms=%.2f lat_p99_ms=%.2f srv_p50_ms=%.2f srv_p95_ms=%.2f srv_p99_ms=%.2f http_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    pct(50), pct(95), pct(99), errs,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
