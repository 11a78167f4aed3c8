// msys.config(action, parameters): Momentum's way for a script to run the
// console's "config" command. Here it runs `config get` and `config set` on
// the host's console (serve, milter, any engine made from a configuration):
// the call suspends while the main thread answers, because a `set` changes
// every worker at once. Other console verbs (reload, shutdown, stats) are
// refused: a script that reloads the scripts it runs in, or stops the
// server, from a callout, is a loop waiting to happen.
#include <cstring>
#include <string>

#include "lua_libraries.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

// msys.config(action, parameters) -> value, console text | nil, error.
// action: "get" or "set"; parameters: the rest of the console line,
// e.g. "scriptlet scriptlet gc_pause 150". upvalue: master.
int msysConfig(lua_State* L) {
  const char* action = luaL_checkstring(L, 1);
  const char* parameters = luaL_optstring(L, 2, "");
  if (std::strcmp(action, "get") != 0 && std::strcmp(action, "set") != 0)
    return luaL_argerror(L, 1, "msys.config: the action must be 'get' or 'set'");
  MasterState* master = static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
  CallContext* call = master->suspendingCall(L, "msys.config");  // raises where a call cannot wait
  call->suspension.kind = Suspension::Kind::Console;
  call->suspension.name.assign("config ").append(action).append(" ").append(parameters);
  return yieldSuspension(L);
}

}  // namespace

void installMsysConfig(lua_State* L, MasterState* master) {
  pushModuleTable(L, "msys");
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, msysConfig, 1);
  lua_setfield(L, -2, "config");
  lua_pop(L, 1);
}

}  // namespace scriptlet
