-- Full API sign-ins: create an API login flow (GET /self-service/login/api), then submit it with
-- the password method (POST /self-service/login); `ok` counts sessions issued.
-- Arguments: the identifier and the password of an existing identity.
local identifier, password = "", ""

function init(args)
  identifier = args[1]
  password = args[2]
end

function request()
  return two_step_request("/self-service/login/api", "/self-service/login?flow=", function()
    return string.format('{"method":"password","identifier":"%s","password":"%s"}', identifier, password)
  end)
end

function response(status, headers, body)
  two_step_response(status, body, '"session_token":')
end
