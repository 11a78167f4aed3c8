// The small msys functions written in C: msys.asyncOk (can this callout
// suspend?), msys.core.get_now_ts and msys.parseRFC2822Addresses (the
// address-list parser msg:address_header uses).
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "lua_libraries.hpp"
#include "master_state.hpp"
#include "util/address_list.hpp"

namespace scriptlet {

namespace {

// msys.asyncOk() -> whether msys.sleep/dnsLookup may suspend here: in the
// callout's own Lua thread of a call whose caller can wait (runAsync).
int msysAsyncOk(lua_State* L) {
  CallContext* call = *static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(1)));
  lua_pushboolean(L, call && call->allowSuspend && call->run.haveThread && call->run.thread.co == L);
  return 1;
}

// msys.core.get_now_ts() -> whole seconds since the epoch (UTC).
int coreGetNowTs(lua_State* L) {
  lua_pushnumber(L, static_cast<lua_Number>(std::time(nullptr)));
  return 1;
}

enum class Component { All, Localpart, User, Detail, Domain };

// The piece of address (local@domain) a component names. "user" and
// "detail" split the local part at its first '+' (sub-addressing): detail
// is "" when there is none.
std::string componentOf(const std::string& address, Component c) {
  size_t at = address.rfind('@');
  std::string local = at == std::string::npos ? address : address.substr(0, at);
  size_t plus = local.find('+');
  switch (c) {
    case Component::All: return address;
    case Component::Localpart: return local;
    case Component::User: return plus == std::string::npos ? local : local.substr(0, plus);
    case Component::Detail: return plus == std::string::npos ? std::string() : local.substr(plus + 1);
    case Component::Domain: return at == std::string::npos ? std::string() : address.substr(at + 1);
  }
  return address;
}

// [-0, +1] The components of every address of the list, in order.
void pushComponents(lua_State* L, const char* s, size_t n, Component c) {
  std::vector<Address> list;
  parseAddressList(s, n, list);
  lua_createtable(L, static_cast<int>(list.size()), 0);
  int i = 0;
  for (const Address& a : list) {
    std::string piece = componentOf(a.address, c);
    lua_pushlstring(L, piece.data(), piece.size());
    lua_rawseti(L, -2, ++i);
  }
}

// msys.parseRFC2822Addresses(list [, component]) -> { ... }; component is
// "all" (default: local@domain), "localpart", "user", "detail" or "domain".
int msysParseAddresses(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  static const char* const kNames[] = {"all", "localpart", "user", "detail", "domain", nullptr};
  const char* name = luaL_optstring(L, 2, "all");
  int which = -1;
  for (int i = 0; kNames[i]; i++)
    if (std::strcmp(kNames[i], name) == 0) which = i;
  if (which < 0)
    return luaL_argerror(L, 2, "component must be 'all', 'localpart', 'user', 'detail' or 'domain'");
  pushComponents(L, s, n, static_cast<Component>(which));
  return 1;
}

}  // namespace

void installMsysExtras(lua_State* L, MasterState* master, RunningCall running) {
  (void)master;
  pushModuleTable(L, "msys");
  lua_pushlightuserdata(L, const_cast<CallContext**>(running));
  lua_pushcclosure(L, msysAsyncOk, 1);
  lua_setfield(L, -2, "asyncOk");
  lua_pushcfunction(L, msysParseAddresses);
  lua_setfield(L, -2, "parseRFC2822Addresses");
  lua_pop(L, 1);
  pushModuleTable(L, "msys.core");
  lua_pushcfunction(L, coreGetNowTs);
  lua_setfield(L, -2, "get_now_ts");
  lua_pop(L, 1);
}

}  // namespace scriptlet
