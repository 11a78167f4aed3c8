#include "lua_shared_state.hpp"

#include "state/shared_store.hpp"

namespace scriptlet {

namespace {

const char kStoreUserKey = 0;  // its address keys the sentinel in the registry

// __gc of the sentinel: lua_close of the master.
int releaseStore(lua_State*) {
  SharedStore::instance().release();
  return 0;
}

}  // namespace

void installSharedState(lua_State* L, RunningCall running, MasterState* master) {
  installAuditSeries(L, running, master);
  installAudit(L, running, master);
  installCounters(L, running, master);
  // A userdata whose __gc runs when the state closes: the store counts the
  // masters alive, and the last one to go writes the snapshot.
  lua_pushlightuserdata(L, const_cast<char*>(&kStoreUserKey));
  lua_newuserdata(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, releaseStore);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  SharedStore::instance().retain();
}

}  // namespace scriptlet
