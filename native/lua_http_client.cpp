// msys.http.client: new() and the client:* methods. do_request suspends the
// call while Node's own http/https client does the request
// (src/datasource/http-request.ts), bounded by the client's timeout and by
// the call's deadline. As in lua_db.cpp, the methods are Lua around two C
// functions: httpSuspend yields, httpDecode reads the encoded response.
#include <cstdint>
#include <cstring>

#include "lua_data_libraries.hpp"
#include "lua_libraries.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

// httpSuspend(method, url, headers, body, timeout) -> yields; resumed with
// the encoded response, or nil, error. Its Lua callers checked the types.
int httpSuspend(lua_State* L) {
  size_t methodLen, urlLen, bodyLen = 0;
  const char* method = luaL_checklstring(L, 1, &methodLen);
  const char* url = luaL_checklstring(L, 2, &urlLen);
  luaL_checktype(L, 3, LUA_TTABLE);
  const char* body = lua_isstring(L, 4) ? lua_tolstring(L, 4, &bodyLen) : nullptr;
  lua_Number timeout = lua_isnumber(L, 5) ? lua_tonumber(L, 5) : 0;
  MasterState* master = static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
  CallContext* call = master->suspendingCall(L, "client:do_request");  // may raise: nothing to clean up yet
  Suspension& s = call->suspension;
  s.items.clear();
  int n = static_cast<int>(lua_objlen(L, 3));
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 3, i);
    size_t len;
    const char* line = lua_tolstring(L, -1, &len);
    if (line) s.items.emplace_back(line, len);
    lua_pop(L, 1);
  }
  s.name.assign(url, urlLen);
  s.type.assign(method, methodLen);
  if (body) s.body.assign(body, bodyLen);
  s.seconds = timeout > 0 ? timeout : 0;
  s.kind = Suspension::Kind::HttpRequest;
  return yieldSuspension(L);
}

// httpDecode(encoded) -> status, status text, { header lines }, body. The
// encoding: u32 status, then u32-length-prefixed text, a u32 count of
// header lines each length-prefixed, and the length-prefixed body.
int httpDecode(lua_State* L) {
  size_t len;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(luaL_checklstring(L, 1, &len));
  const unsigned char* end = p + len;
  bool ok = true;
  auto u32 = [&]() -> uint32_t {
    if (end - p < 4) return ok = false, 0;
    uint32_t v = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    p += 4;
    return v;
  };
  auto pushBytes = [&]() {
    uint32_t n = u32();
    if (!ok || static_cast<size_t>(end - p) < n) return ok = false;
    lua_pushlstring(L, reinterpret_cast<const char*>(p), n);
    p += n;
    return true;
  };
  lua_pushinteger(L, static_cast<lua_Integer>(u32()));
  if (!ok || !pushBytes()) return luaL_error(L, "client:do_request: malformed response from the HTTP layer");
  uint32_t lines = u32();
  if (!ok || lines > len) return luaL_error(L, "client:do_request: malformed response from the HTTP layer");
  lua_createtable(L, static_cast<int>(lines), 0);
  for (uint32_t i = 1; i <= lines; i++) {
    if (!pushBytes()) return luaL_error(L, "client:do_request: malformed response from the HTTP layer");
    lua_rawseti(L, -2, static_cast<int>(i));
  }
  if (!pushBytes()) return luaL_error(L, "client:do_request: malformed response from the HTTP layer");
  return 4;
}

// The client object is a table whose state lives in a weak-keyed side table,
// so that scripts see only the methods.
const char kHttpSource[] = R"lua(
local suspend, decode, http = ...
local type, error, tostring, setmetatable, upper, find, match =
  type, error, tostring, setmetatable, string.upper, string.find, string.match
local states = setmetatable({}, { __mode = "k" })
local METHODS = { GET = true, POST = true, PUT = true, DELETE = true, HEAD = true, PATCH = true }
local client = {}
local meta = { __index = client, __metatable = "msys.http.client" }

local function state(self, fname)
  local s = states[self]
  if s == nil then error(fname .. ": not called on a client (use client:" .. fname:match(":(.*)") .. "(...))", 3) end
  return s
end

function http.new()
  local c = setmetatable({}, meta)
  states[c] = { headers = {} }
  return c
end

function client.set_header(self, header)
  local s = state(self, "client:set_header")
  if header == nil then
    s.headers = {}
    return
  end
  if type(header) ~= "string" or not find(header, "^[!#-'*+%-.0-9A-Z^-z|~]+:") or find(header, "[\r\n]") then
    error("client:set_header: header must be one line 'Name: value', got " .. (type(header) == "string" and ("'" .. header .. "'") or type(header)), 2)
  end
  s.headers[#s.headers + 1] = header
end

function client.set_timeout(self, seconds)
  local s = state(self, "client:set_timeout")
  if seconds ~= nil and (type(seconds) ~= "number" or not (seconds > 0)) then
    error("client:set_timeout: timeout must be a number of seconds above 0, got " .. tostring(seconds), 2)
  end
  s.timeout = seconds
end

function client.do_request(self, method, url, data)
  local s = state(self, "client:do_request")
  local m = type(method) == "string" and upper(method) or nil
  if not METHODS[m] then error("client:do_request: type must be GET, POST, PUT or DELETE, got " .. tostring(method), 2) end
  if type(url) ~= "string" or not find(url, "^[hH][tT][tT][pP][sS]?://") then
    error("client:do_request: url must be an http:// or https:// URL, got " .. tostring(url), 2)
  end
  if data ~= nil and type(data) ~= "string" then error("client:do_request: data must be a string, got " .. type(data), 2) end
  s.status, s.text, s.lines, s.body = nil, nil, nil, nil
  local raw, err = suspend(m, url, s.headers, data, s.timeout)
  if raw == nil then return false, err end
  s.status, s.text, s.lines, s.body = decode(raw)
  return true
end

function client.get_status(self)
  local s = state(self, "client:get_status")
  return s.status, s.text
end

function client.get_body(self)
  return state(self, "client:get_body").body
end

function client.get_headers(self)
  local lines, copy = state(self, "client:get_headers").lines, {}
  if lines == nil then return nil end
  for i = 1, #lines do copy[i] = lines[i] end
  return copy
end

function client.parse_headers(self, headers)
  state(self, "client:parse_headers")
  if type(headers) ~= "table" then error("client:parse_headers: headers must be the table of get_headers(), got " .. type(headers), 2) end
  local out = {}
  for i = 1, #headers do
    local name, value = match(tostring(headers[i]), "^([^:]+):%s*(.-)%s*$")
    if name then
      local before = out[name]
      out[name] = before and (before .. ", " .. value) or value
    end
  end
  return out
end
)lua";

}  // namespace

void installHttpClient(lua_State* L, MasterState* master) {
  installSuspendingLibrary(L, master, "msys.http.client", httpSuspend, httpDecode, kHttpSource, sizeof kHttpSource - 1);
}

}  // namespace scriptlet
