-- Full API registrations: each connection creates an API flow (GET /self-service/registration/api)
-- and submits it with the password method and a fresh email (POST /self-service/registration).
-- A thread keeps the ids of created flows; the next request of any of its connections submits one
-- if there is one, else creates a flow. `ok` counts successful registrations.
-- Arguments: a run prefix (so that runs on one database never collide) and the password.
local prefix, password = "bench", "correct horse battery staple 93"
local pending, n = {}, 0

function init(args)
  prefix = (args[1] or prefix) .. "-t" .. tostring(tid) .. "-"
  password = args[2] or password
end

local json_headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local get_headers = { ["Accept"] = "application/json" }

function request()
  local id = table.remove(pending)
  if id then
    n = n + 1
    local body = string.format(
      '{"method":"password","password":"%s","traits":{"email":"%s%d@bench.example"}}', password, prefix, n)
    return wrk.format("POST", "/self-service/registration?flow=" .. id, json_headers, body)
  end
  return wrk.format("GET", "/self-service/registration/api", get_headers)
end

function response(status, headers, body)
  count(status, body)
  if status == 200 then
    if string.find(body, '"identity":{', 1, true) then
      ok = ok + 1
    else
      local id = string.match(body, '"id":"([%x%-]+)"')
      if id then table.insert(pending, id) end
    end
  end
end
