// msys.registerAuth(schemename, authtable) and the `auth` phase that runs a
// scheme: Momentum's way for a script to check SMTP AUTH credentials.
// The scheme table is kept in the registry by name; the host (scriptlet
// serve, src/server/lua-auth.ts) runs the phase with the scheme, the user
// and the password in the connection context (auth.scheme, auth.user,
// auth.password), and the engine calls
//   authtable:authenticate(filename, paramsdict, username, password)
// as Momentum does (filename "" and an empty paramsdict: a Lua scheme has no
// file here). The answer becomes the verdict's code: 235 for
// msys.core.EC_AUTH_OK (or true), 535 for EC_AUTH_FAIL (or false),
// 454 for EC_AUTH_ERROR; anything else is a script error.
#include <cstring>
#include <initializer_list>
#include <string>

#include "lua_api.hpp"
#include "lua_auth.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

const char kSchemesKey[] = "scriptlet.auth_schemes";

enum AuthCode : int { kAuthOk = 0, kAuthFail = 1, kAuthError = 2 };

// [-0, +1] The registry's table of schemes, made on first use.
void pushSchemes(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kSchemesKey);
  if (lua_istable(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kSchemesKey);
}

// msys.registerAuth(schemename, authtable): from a main chunk or init(),
// where Momentum registers them; a call in progress may not add one.
int msysRegisterAuth(lua_State* L) {
  MasterState* master = static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
  size_t len;
  luaL_checklstring(L, 1, &len);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (len == 0) luaL_argerror(L, 1, "the scheme name must not be empty");
  if (master->runningCall() != nullptr)
    return luaL_error(L, "msys.registerAuth: register a scheme from init() or the script's main chunk, not during a call");
  // Resolved now (an __index may run here, under the loading's limits), so
  // that the auth call reads only the engine's own table before its budget starts.
  lua_getfield(L, 2, "authenticate");
  if (!lua_isfunction(L, -1)) luaL_argerror(L, 2, "the table must have an authenticate function");
  pushSchemes(L);
  lua_pushvalue(L, 1);
  lua_createtable(L, 2, 0);  // { authenticate, authtable }
  lua_pushvalue(L, -4);
  lua_rawseti(L, -2, 1);
  lua_pushvalue(L, 2);
  lua_rawseti(L, -2, 2);
  lua_rawset(L, -3);
  lua_pop(L, 2);
  return 0;
}

const std::string* connValue(CallContext* call, const char* key) {
  return call->conn.get(key, std::strlen(key));
}

void setCode(CallContext* call, int code, const char* text) {
  Disposition& d = call->verdict.disposition;
  d.set = true;
  d.code = code;
  d.text = text;
}

}  // namespace

void installAuth(lua_State* L, MasterState* master) {
  lua_getglobal(L, "msys");
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysRegisterAuth, 1);
  lua_setfield(L, -2, "registerAuth");
  lua_getfield(L, -1, "core");
  lua_pushinteger(L, kAuthOk);
  lua_setfield(L, -2, "EC_AUTH_OK");
  lua_pushinteger(L, kAuthFail);
  lua_setfield(L, -2, "EC_AUTH_FAIL");
  lua_pushinteger(L, kAuthError);
  lua_setfield(L, -2, "EC_AUTH_ERROR");
  lua_pop(L, 2);
}

bool pushAuthCallout(lua_State* co, CallContext* call) {
  const std::string* scheme = connValue(call, "auth.scheme");
  if (scheme) {
    pushSchemes(co);
    lua_pushlstring(co, scheme->data(), scheme->size());
    lua_rawget(co, -2);
    lua_remove(co, -2);  // the schemes
    if (lua_istable(co, -1)) {
      lua_rawgeti(co, -1, 1);
      lua_rawgeti(co, -2, 2);
      lua_remove(co, -3);  // authenticate, self
      return true;
    }
  }
  lua_settop(co, 0);
  setCode(call, 454, "4.7.0 no such authentication scheme");
  return false;
}

int pushAuthArgs(lua_State* co, CallContext* call) {
  lua_pushliteral(co, "");  // filename: a Lua scheme has none here
  lua_newtable(co);          // paramsdict
  for (const char* key : {"auth.user", "auth.password"}) {
    const std::string* v = connValue(call, key);
    if (v) lua_pushlstring(co, v->data(), v->size());
    else lua_pushliteral(co, "");
  }
  // Pushed: the password goes no further than the scheme (not back in the verdict's context).
  call->conn.erase("auth.password", std::strlen("auth.password"));
  return 4;
}

bool readAuthResult(lua_State* co, CallContext* call) {
  int top = lua_gettop(co);
  int type = top >= 1 ? lua_type(co, 1) : LUA_TNIL;
  if (type == LUA_TBOOLEAN) {
    bool ok = lua_toboolean(co, 1);
    setCode(call, ok ? 235 : 535, ok ? "2.7.0 Authentication successful" : "5.7.8 Authentication credentials invalid");
    return true;
  }
  if (type != LUA_TNUMBER) return false;
  switch (static_cast<int>(lua_tointeger(co, 1))) {
    case kAuthOk:
      setCode(call, 235, "2.7.0 Authentication successful");
      return true;
    case kAuthFail:
      setCode(call, 535, "5.7.8 Authentication credentials invalid");
      return true;
    case kAuthError:
      setCode(call, 454, "4.7.0 Temporary authentication failure");
      return true;
    default:
      return false;
  }
}

}  // namespace scriptlet
