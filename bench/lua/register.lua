-- Full API registrations: create an API flow (GET /self-service/registration/api), then submit it
-- with the password method and a fresh email (POST /self-service/registration); `ok` counts
-- registrations. Arguments: a run prefix (so that runs on one database never collide) and the
-- password.
local prefix, password = "bench", "correct horse battery staple 93"
local n = 0

function init(args)
  prefix = (args[1] or prefix) .. "-t" .. tostring(tid) .. "-"
  password = args[2] or password
end

function request()
  return two_step_request("/self-service/registration/api", "/self-service/registration?flow=", function()
    n = n + 1
    return string.format(
      '{"method":"password","password":"%s","traits":{"email":"%s%d@bench.example"}}', password, prefix, n)
  end)
end

function response(status, headers, body)
  two_step_response(status, body, '"identity":{')
end
