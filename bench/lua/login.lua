-- Full API sign-ins: each connection creates an API login flow (GET /self-service/login/api) and
-- submits it with the password method (POST /self-service/login); `ok` counts sessions issued.
-- Arguments: the identifier and the password of an existing identity.
local identifier, password = "", ""
local pending = {}

function init(args)
  identifier = args[1]
  password = args[2]
end

local json_headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local get_headers = { ["Accept"] = "application/json" }

function request()
  local id = table.remove(pending)
  if id then
    local body = string.format(
      '{"method":"password","identifier":"%s","password":"%s"}', identifier, password)
    return wrk.format("POST", "/self-service/login?flow=" .. id, json_headers, body)
  end
  return wrk.format("GET", "/self-service/login/api", get_headers)
end

function response(status, headers, body)
  count(status, body)
  if status == 200 then
    if string.find(body, '"session_token":', 1, true) then
      ok = ok + 1
    else
      local id = string.match(body, '"id":"([%x%-]+)"')
      if id then table.insert(pending, id) end
    end
  end
end
