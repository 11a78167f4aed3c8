// msg:binding and msg:binding_group: in validate_set_binding, choose the
// binding (Momentum's outbound identity: source address, queues) the message
// leaves through. The configured bindings and groups live in registry
// tables made once per master; the choice goes into the verdict. Also
// msys.core.config_get_binding_*, which read the same tables.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "lua_api.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

// Registry keys: their addresses are unique to this file.
const char kBindingsKey = 0;  // { [name] = true }
const char kGroupsKey = 0;    // { [group] = { binding, ... } }

// "default" is always a binding, as on Momentum, declared or not.
constexpr const char* kDefaultBinding = "default";

// [-0, +1] registry[key]
void pushRegistryTable(lua_State* L, const char* key) {
  lua_pushlightuserdata(L, const_cast<char*>(key));
  lua_rawget(L, LUA_REGISTRYINDEX);
}

// Raises unless the running callout is validate_set_binding: Momentum leaves
// the binding undefined elsewhere; here it is a clear error.
CallContext* bindingCall(lua_State* L, const char* what) {
  CallContext* call = checkCall(L, 1, HandleKind::Message);
  if (call->phase != Phase::SetBinding)
    luaL_error(L, "%s is only available in validate_set_binding (called in %s)", what, calloutName(call->phase));
  return call;
}

// A small generator for binding_group's pick: splitmix64 over a per-state
// counter seeded from the clock. Not for anything that needs secrecy.
uint64_t nextRandom() {
  static thread_local uint64_t state =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// [-0, +1] Pushes s, or nil when it is empty.
void pushOrNil(lua_State* L, const std::string& s) {
  if (s.empty()) lua_pushnil(L);
  else lua_pushlstring(L, s.data(), s.size());
}

// Binding ids for msys.core.config_get_binding_*: "default" is 0, the
// configured bindings 1..n in configuration order. Registry table
// { [name] = id, [id] = name } under kIdsKey.
const char kIdsKey = 0;

// msys.core.config_get_binding_id_from_name(name) -> id, or -1 for a name
// that is no binding (the vendor's set_binding sample tests `id >= 0`).
int coreBindingIdFromName(lua_State* L) {
  luaL_checkstring(L, 1);
  pushRegistryTable(L, &kIdsKey);
  lua_pushvalue(L, 1);
  lua_rawget(L, -2);
  if (!lua_isnumber(L, -1)) lua_pushinteger(L, -1);
  return 1;
}

// msys.core.config_get_binding_name_from_id(id) -> name, or nil
int coreBindingNameFromId(lua_State* L) {
  lua_Integer id = luaL_checkinteger(L, 1);
  pushRegistryTable(L, &kIdsKey);
  lua_rawgeti(L, -1, static_cast<int>(id));
  if (!lua_isstring(L, -1)) lua_pushnil(L);
  return 1;
}

// msys.core.config_get_binding_group_size(group) -> the number of bindings
// in the group (0 for an unknown one)
int coreBindingGroupSize(lua_State* L) {
  luaL_checkstring(L, 1);
  pushRegistryTable(L, &kGroupsKey);
  lua_pushvalue(L, 1);
  lua_rawget(L, -2);
  lua_pushinteger(L, lua_istable(L, -1) ? static_cast<lua_Integer>(lua_objlen(L, -1)) : 0);
  return 1;
}

// [-0, +0] The ids table, and the three functions in msys.core.
void installBindingIds(lua_State* L, const std::vector<std::string>& bindings) {
  lua_pushlightuserdata(L, const_cast<char*>(&kIdsKey));
  lua_createtable(L, static_cast<int>(bindings.size()), static_cast<int>(bindings.size()) + 1);
  int id = 0;
  auto add = [&](const char* name) {
    lua_getfield(L, -1, name);
    bool seen = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (seen) return;  // "default" declared in the configuration keeps id 0
    lua_pushinteger(L, id);
    lua_setfield(L, -2, name);
    lua_pushstring(L, name);
    lua_rawseti(L, -2, id);
    id++;
  };
  add(kDefaultBinding);
  for (const std::string& b : bindings) add(b.c_str());
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_getglobal(L, "msys");
  lua_getfield(L, -1, "core");
  lua_pushcfunction(L, coreBindingIdFromName);
  lua_setfield(L, -2, "config_get_binding_id_from_name");
  lua_pushcfunction(L, coreBindingNameFromId);
  lua_setfield(L, -2, "config_get_binding_name_from_id");
  lua_pushcfunction(L, coreBindingGroupSize);
  lua_setfield(L, -2, "config_get_binding_group_size");
  lua_pop(L, 2);
}

}  // namespace

void installBindings(lua_State* L, const std::vector<std::string>& bindings, const std::vector<BindingGroup>& groups) {
  lua_pushlightuserdata(L, const_cast<char*>(&kBindingsKey));
  lua_createtable(L, 0, static_cast<int>(bindings.size()) + 1);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, kDefaultBinding);
  for (const std::string& b : bindings) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, b.c_str());
  }
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_pushlightuserdata(L, const_cast<char*>(&kGroupsKey));
  lua_createtable(L, 0, static_cast<int>(groups.size()));
  for (const BindingGroup& g : groups) {
    lua_createtable(L, static_cast<int>(g.bindings.size()), 0);
    for (size_t i = 0; i < g.bindings.size(); i++) {
      lua_pushstring(L, g.bindings[i].c_str());
      lua_rawseti(L, -2, static_cast<int>(i) + 1);
    }
    lua_setfield(L, -2, g.name.c_str());
  }
  lua_rawset(L, LUA_REGISTRYINDEX);
  installBindingIds(L, bindings);
}

// msg:binding() -> the binding chosen in this call, or nil;
// msg:binding(name) -> name, or nil (nothing changes) when no binding has it.
int msgBinding(lua_State* L) {
  CallContext* call = bindingCall(L, "msg:binding");
  if (lua_isnoneornil(L, 2)) {
    pushOrNil(L, call->verdict.binding);
    return 1;
  }
  size_t len;
  const char* name = luaL_checklstring(L, 2, &len);
  pushRegistryTable(L, &kBindingsKey);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  bool known = lua_toboolean(L, -1) != 0;
  lua_pop(L, 2);
  if (!known) {
    lua_pushnil(L);
    return 1;
  }
  call->verdict.binding.assign(name, len);
  call->verdict.bindingGroup.clear();
  lua_pushvalue(L, 2);
  return 1;
}

// msg:binding_group() -> the group chosen in this call, or nil;
// msg:binding_group(name) -> name, having bound the message to one of the
// group's bindings at random (every binding is eligible: there is no
// adaptive suspension here), or nil when no group has that name (or it is
// empty).
int msgBindingGroup(lua_State* L) {
  CallContext* call = bindingCall(L, "msg:binding_group");
  if (lua_isnoneornil(L, 2)) {
    pushOrNil(L, call->verdict.bindingGroup);
    return 1;
  }
  size_t len;
  const char* name = luaL_checklstring(L, 2, &len);
  pushRegistryTable(L, &kGroupsKey);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  size_t members = lua_istable(L, -1) ? lua_objlen(L, -1) : 0;
  if (members == 0) {
    lua_pop(L, 2);
    lua_pushnil(L);
    return 1;
  }
  lua_rawgeti(L, -1, static_cast<int>(nextRandom() % members) + 1);
  size_t blen;
  const char* binding = lua_tolstring(L, -1, &blen);
  call->verdict.binding.assign(binding, blen);
  call->verdict.bindingGroup.assign(name, len);
  lua_pop(L, 3);
  lua_pushvalue(L, 2);
  return 1;
}

}  // namespace scriptlet
