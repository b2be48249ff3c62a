-- Shared by every scenario: numbers each wrk thread, and at the end prints one line
-- `BENCHJSON {...}` with wrk's totals, latency percentiles (microseconds) and the status counts
-- the scenario's own response() kept (globals of each thread, read back with thread:get).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

s2xx, s429, s4xx, s5xx, ok = 0, 0, 0, 0, 0
-- The first unexpected answer of each thread (status and the start of the body), for the report.
first_error = ""

function count(status, body)
  if status >= 400 and status ~= 429 and first_error == "" then
    first_error = tostring(status) .. " " .. string.sub(body or "", 1, 400)
  end
  if status < 300 then
    s2xx = s2xx + 1
  elseif status == 429 then
    s429 = s429 + 1
  elseif status < 500 then
    s4xx = s4xx + 1
  else
    s5xx = s5xx + 1
  end
end

function done(summary, latency, requests)
  local t = { s2xx = 0, s429 = 0, s4xx = 0, s5xx = 0, ok = 0 }
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (tonumber(th:get(k)) or 0)
    end
  end
  for _, th in ipairs(threads) do
    local err = th:get("first_error")
    if err and err ~= "" then
      io.stderr:write("unexpected answer: " .. err .. "\n")
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
    '"counted":{"s2xx":%d,"s429":%d,"s4xx":%d,"s5xx":%d,"ok":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    t.s2xx, t.s429, t.s4xx, t.s5xx, t.ok))
end

-- The two-step scenarios (create a flow, then submit it): each thread keeps the ids of the flows
-- it created; the next request of any of its connections submits one if there is one, else
-- creates a flow. `ok` counts answers that contain `success` (a finished registration or sign-in).
local pending = {}
local json_headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local get_headers = { ["Accept"] = "application/json" }

function two_step_request(create_path, submit_path, body)
  local id = table.remove(pending)
  if id then
    return wrk.format("POST", submit_path .. id, json_headers, body())
  end
  return wrk.format("GET", create_path, get_headers)
end

function two_step_response(status, body, success)
  count(status, body)
  if status == 200 then
    if string.find(body, success, 1, true) then
      ok = ok + 1
    else
      local id = string.match(body, '"id":"([%x%-]+)"')
      if id then table.insert(pending, id) end
    end
  end
end
