// msys.shareGet/shareSet/shareUnset: Momentum's global shared values
// (deprecated there since 3.2, still found in old policies). One table for
// the whole process, like the shared store, so that every worker's Lua
// states see the same values; a mutex guards it (these are rare calls, not
// the per-message path).
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "lua_libraries.hpp"

namespace scriptlet {

namespace {

struct SharedValue {
  int type = LUA_TNIL;  // LUA_TSTRING, LUA_TNUMBER or LUA_TBOOLEAN
  std::string text;
  lua_Number number = 0;
  bool flag = false;
};

std::mutex& shareMutex() {
  static std::mutex mu;
  return mu;
}

// Never freed: the process's lifetime (every worker thread uses it until exit).
std::unordered_map<std::string, SharedValue>& shareTable() {
  static auto* table = new std::unordered_map<std::string, SharedValue>();
  return *table;
}

// msys.shareGet(key) -> the value, or nil.
int shareGet(lua_State* L) {
  size_t n;
  const char* key = luaL_checklstring(L, 1, &n);
  SharedValue found;
  {
    std::lock_guard<std::mutex> lock(shareMutex());
    auto it = shareTable().find(std::string(key, n));
    if (it != shareTable().end()) found = it->second;
  }
  switch (found.type) {
    case LUA_TSTRING: lua_pushlstring(L, found.text.data(), found.text.size()); break;
    case LUA_TNUMBER: lua_pushnumber(L, found.number); break;
    case LUA_TBOOLEAN: lua_pushboolean(L, found.flag); break;
    default: lua_pushnil(L);
  }
  return 1;
}

// msys.shareSet(key, value) -> true; false when the value is not a number,
// string, boolean or nil (nil removes the key, as shareUnset).
int shareSet(lua_State* L) {
  size_t n;
  const char* key = luaL_checklstring(L, 1, &n);
  SharedValue v;
  v.type = lua_type(L, 2);
  if (v.type == LUA_TNONE) v.type = LUA_TNIL;
  if (v.type == LUA_TSTRING) {
    size_t len;
    const char* s = lua_tolstring(L, 2, &len);
    v.text.assign(s, len);
  } else if (v.type == LUA_TNUMBER) {
    v.number = lua_tonumber(L, 2);
  } else if (v.type == LUA_TBOOLEAN) {
    v.flag = lua_toboolean(L, 2) != 0;
  } else if (v.type != LUA_TNIL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(shareMutex());
    if (v.type == LUA_TNIL) shareTable().erase(std::string(key, n));
    else shareTable()[std::string(key, n)] = std::move(v);
  }
  lua_pushboolean(L, 1);
  return 1;
}

// msys.shareUnset(key)
int shareUnset(lua_State* L) {
  size_t n;
  const char* key = luaL_checklstring(L, 1, &n);
  std::lock_guard<std::mutex> lock(shareMutex());
  shareTable().erase(std::string(key, n));
  return 0;
}

}  // namespace

void installShare(lua_State* L) {
  pushModuleTable(L, "msys");
  lua_pushcfunction(L, shareGet);
  lua_setfield(L, -2, "shareGet");
  lua_pushcfunction(L, shareSet);
  lua_setfield(L, -2, "shareSet");
  lua_pushcfunction(L, shareUnset);
  lua_setfield(L, -2, "shareUnset");
  lua_pop(L, 1);
}

}  // namespace scriptlet
