-- msys.policyeditor: the helpers of Momentum's Policy Configuration Editor
-- (deprecated there since 3.x, kept for the scripts that call them and used
-- by the scripts scriptlet's own policy editor generates).
--
-- Every helper is f(ctx, vars, params):
--   ctx    = { ec_message = msg } (the only field Momentum supports),
--   vars   = the script's variable table (pcre_match writes captures into it),
--   params = the named arguments, e.g. { header = "Subject" }.
--
-- The engine installs msys.policyeditor.* as small C trampolines and loads
-- this file from the script search path on the first call of one of them
-- (a policy that never calls them pays nothing). It runs with the master's
-- original globals and returns { short name = function }. The two helpers
-- Momentum backs with its own subsystems, send_trap (SNMP) and
-- get_binding_domain_failure_rate (delivery statistics), are not here: the
-- engine's function-status table makes them raise
-- "msys.policyeditor.<name>: not available in scriptlet: <why>".
local type, error, tostring, tonumber, pairs, random = type, error, tostring, tonumber, pairs, math.random
local core = msys.core
local P = "msys.policyeditor."

local function message(fn, ctx)
  if type(ctx) ~= "table" or ctx.ec_message == nil then
    error(P .. fn .. ": bad argument #1 (ctx = { ec_message = msg } expected)", 4)
  end
  return ctx.ec_message
end

local function param(fn, params, name)
  if type(params) ~= "table" then error(P .. fn .. ": bad argument #3 (params table expected)", 4) end
  local v = params[name]
  if v == nil then error(P .. fn .. ": params." .. name .. " is required", 4) end
  return v
end

local function vars(fn, t)
  if type(t) ~= "table" then error(P .. fn .. ": bad argument #2 (vars table expected)", 4) end
  return t
end

-- A context value, or nil when the key is absent (whether context_get says
-- so with nil or with "").
local function contextGet(msg, kind, key)
  local v = msg:context_get(kind, key)
  if v == "" then
    local e = msg:context_exists(kind, key)
    if e == false or e == 0 then return nil end
  end
  return v
end

local function getter(fn, kind)
  return function(ctx, _, params) return contextGet(message(fn, ctx), kind, tostring(param(fn, params, "key"))) end
end

local function setter(fn, kind)
  return function(ctx, _, params)
    local msg, key = message(fn, ctx), tostring(param(fn, params, "key"))
    local value = param(fn, params, "value")
    msg:context_set(kind, key, value)
    return value
  end
end

local function address(fn, method)
  return function(ctx, _, params)
    local msg = message(fn, ctx)
    local ipOnly = type(params) == "table" and (params.ip_only == 1 or params.ip_only == true or params.ip_only == "1")
    return msg[method](msg, ipOnly and "ip" or "all")
  end
end

local sent = {}  -- send_email's throttle: last time per "from to subject"

return {
  del_header = function(ctx, _, params)
    local msg, name = message("del_header", ctx), param("del_header", params, "header")
    msg:header(name, "")
    return name
  end,
  get_header = function(ctx, _, params)
    return message("get_header", ctx):header(param("get_header", params, "header"))[1]
  end,
  get_mailfrom = function(ctx) return message("get_mailfrom", ctx):mailfrom() end,
  get_rcptto = function(ctx) return message("get_rcptto", ctx):rcptto() end,
  get_mess_recv_from = address("get_mess_recv_from", "reception_peer"),
  get_mess_recv_via = address("get_mess_recv_via", "listener_addr"),
  get_variable = function(_, v, params) return vars("get_variable", v)[param("get_variable", params, "name")] end,
  set_variable = function(_, v, params)
    local name = param("set_variable", params, "name")
    vars("set_variable", v)[name] = params.value
    return params.value
  end,
  -- On a match, vars["$0"] is the subject (as Momentum documents it),
  -- vars["$1"].. the groups and vars["$name"] the named ones.
  pcre_match = function(_, v, params)
    vars("pcre_match", v)
    local subject, pattern = param("pcre_match", params, "subject"), param("pcre_match", params, "pattern")
    local m, err = msys.pcre.match(subject, pattern)
    if err then error(P .. "pcre_match: " .. tostring(err), 3) end
    if not m then return false end
    for k, value in pairs(m) do
      if k ~= 0 then v["$" .. tostring(k)] = value end
    end
    v["$0"] = subject
    return true
  end,
  send_email = function(_, _, params)
    local from, to = param("send_email", params, "from"), param("send_email", params, "to")
    local subject, body = params.subject or "", params.body or ""
    local throttle = tonumber(params.throttle) or 0
    local now = core.get_now_ts()
    local id = from .. "\0" .. to .. "\0" .. subject
    if throttle > 0 and sent[id] and now - sent[id] < throttle then return end
    sent[id] = now
    local m = core.ec_message_new(now)
    m:build({ From = from, To = to, Subject = subject }, { ["text/plain"] = body }, {})
    m:inject(from, (to:gsub("[%s,]+", ",")))
  end,
  set_binding = function(ctx, _, params)
    local msg, list = message("set_binding", ctx), tostring(param("set_binding", params, "binding"))
    local names = {}
    for name in list:gmatch("[^,%s]+") do names[#names + 1] = name end
    if #names == 0 then return false end
    return msg:binding(names[random(#names)]) ~= nil
  end,
  set_binding_group = function(ctx, _, params)
    local msg = message("set_binding_group", ctx)
    return msg:binding_group(tostring(param("set_binding_group", params, "binding_group"))) ~= nil
  end,
  vctx_conn_get = getter("vctx_conn_get", core.ECMESS_CTX_CONN),
  vctx_conn_set = setter("vctx_conn_set", core.ECMESS_CTX_CONN),
  vctx_mess_get = getter("vctx_mess_get", core.ECMESS_CTX_MESS),
  vctx_mess_set = setter("vctx_mess_set", core.ECMESS_CTX_MESS),
}
