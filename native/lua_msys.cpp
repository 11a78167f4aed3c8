// The msys table: msys.registerModule, msys.core constants, print to the
// engine's log, msys.sleep and msys.dnsLookup (which suspend the call), and
// the package.loaded entries Momentum scripts require.
#include <cstring>
#include <strings.h>
#include <string>

#include "lua_api.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

MasterState* masterOf(lua_State* L) {
  return static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// msys.registerModule(name, mod)
int msysRegisterModule(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  masterOf(L)->registerModule(L, name, 2);
  return 0;
}

// print(...): like Lua's, but to the engine's log, tagged with the module.
int msysPrint(lua_State* L) {
  int n = lua_gettop(L);
  luaL_Buffer b;
  lua_getglobal(L, "tostring");
  int tostring = lua_gettop(L);
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, tostring);
    lua_pushvalue(L, i);
    lua_call(L, 1, 1);
    if (!lua_isstring(L, -1)) return luaL_error(L, "'tostring' must return a string to 'print'");
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t len;
  const char* text = lua_tolstring(L, -1, &len);
  masterOf(L)->log(text, len);
  return 0;
}

// msys.sleep(seconds): suspends the call; Node waits, then it goes on.
int msysSleep(lua_State* L) {
  lua_Number seconds = luaL_checknumber(L, 1);
  if (!(seconds >= 0) || seconds > 86400) luaL_argerror(L, 1, "seconds must be from 0 to 86400");
  CallContext* call = masterOf(L)->suspendingCall(L, "msys.sleep");
  call->suspension.kind = Suspension::Kind::Sleep;
  call->suspension.seconds = seconds;
  return yieldSuspension(L);
}

// msys.dnsLookup(name [, type]) -> { answers } | nil, error. Suspends the
// call while Node resolves. type: A (default), AAAA, MX, TXT, PTR, NS.
int msysDnsLookup(lua_State* L) {
  size_t len;
  const char* name = luaL_checklstring(L, 1, &len);
  const char* given = luaL_optstring(L, 2, "A");
  static const char* const kTypes[] = {"A", "AAAA", "MX", "TXT", "PTR", "NS"};
  const char* type = nullptr;  // the type's canonical (upper-case) name: real policies pass "mx"
  for (const char* t : kTypes)
    if (strcasecmp(t, given) == 0) type = t;
  bool known = type != nullptr;
  if (!known) luaL_argerror(L, 2, "type must be A, AAAA, MX, TXT, PTR or NS");
  if (len == 0 || len > 253) luaL_argerror(L, 1, "name must be 1 to 253 bytes");
  CallContext* call = masterOf(L)->suspendingCall(L, "msys.dnsLookup");
  call->suspension.kind = Suspension::Kind::DnsLookup;
  call->suspension.name.assign(name, len);
  call->suspension.type = type;
  return yieldSuspension(L);
}

// [-0, +0] t[name] = value for an integer constant; t at -1.
void setConstant(lua_State* L, const char* name, int value) {
  lua_pushinteger(L, value);
  lua_setfield(L, -2, name);
}

// [-0, +0] package.loaded[name] = value at -1 (popped).
void setLoaded(lua_State* L, const char* name) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, name);
  lua_pop(L, 3);
}

}  // namespace

void installMsys(lua_State* L, MasterState* master) {
  lua_newtable(L);  // msys

  lua_newtable(L);  // msys.core
  setConstant(L, "VALIDATE_CONT", kValidateCont);
  setConstant(L, "VALIDATE_DONE", kValidateDone);
  setConstant(L, "VALIDATE_AGAIN", kValidateAgain);
  setConstant(L, "VCTX_MESS", kContextMess);
  setConstant(L, "VCTX_CONN", kContextConn);
  setConstant(L, "ECMESS_CTX_MESS", kContextMess);
  setConstant(L, "ECMESS_CTX_CONN", kContextConn);
  lua_pushvalue(L, -1);
  setLoaded(L, "msys.core");
  lua_setfield(L, -2, "core");

  // msg:* methods are built in; the module exists so that scripts which
  // require it, as on Momentum, load unchanged.
  lua_newtable(L);  // msys.extended
  lua_newtable(L);  // msys.extended.message
  lua_pushvalue(L, -1);
  setLoaded(L, "msys.extended.message");
  lua_setfield(L, -2, "message");
  lua_setfield(L, -2, "extended");

  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysRegisterModule, 1);
  lua_setfield(L, -2, "registerModule");

  lua_pushstring(L, kEngineName);
  lua_setfield(L, -2, "engine");

  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysSleep, 1);
  lua_setfield(L, -2, "sleep");
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysDnsLookup, 1);
  lua_setfield(L, -2, "dnsLookup");

  lua_pushvalue(L, -1);
  setLoaded(L, "msys");
  lua_setglobal(L, "msys");

  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysPrint, 1);
  lua_setglobal(L, "print");
}

}  // namespace scriptlet
