// The rest of the reference: every function of Momentum's API that no
// library installed raises a clear error naming itself ("msys.snmpTrap: not
// available in scriptlet: <why>", or "... yet: <which part brings it>")
// instead of "attempt to call a nil value", and every require name of the
// reference loads. The list is generated from src/engine/lua-function-status.ts.
#include <cstring>
#include <string>

#include "lua_libraries.hpp"

namespace scriptlet {

namespace {

struct StubRow {
  const char* name;     // msys.a.b, msg:method or vctx:method
  const char* message;  // what calling it raises
};

#include "lua_function_status.inc"

// Raises its row's message (upvalue: the StubRow, static, so a stub costs
// a closure and no string), at the script line that called it.
int raiseStub(lua_State* L) {
  const StubRow* row = static_cast<const StubRow*>(lua_touserdata(L, lua_upvalueindex(1)));
  luaL_where(L, 1);
  lua_pushstring(L, row->message);
  lua_concat(L, 2);
  return lua_error(L);
}

// [-0, +1] The msg or vctx method table: an upvalue of the handles' __index
// (installHandles: running, msg methods, vctx methods).
void pushMethodTableOf(lua_State* L, bool message) {
  lua_pushlightuserdata(L, nullptr);
  lua_getmetatable(L, -1);
  lua_getfield(L, -1, "__index");
  lua_getupvalue(L, -1, message ? 2 : 3);
  lua_replace(L, -4);
  lua_pop(L, 2);
}

// [-0, +0] t[key] = the row's stub, unless t (at -1) has key already.
void setStubIfAbsent(lua_State* L, const char* key, const StubRow& row) {
  lua_getfield(L, -1, key);
  bool present = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (present) return;
  lua_pushlightuserdata(L, const_cast<StubRow*>(&row));
  lua_pushcclosure(L, raiseStub, 1);
  lua_setfield(L, -2, key);
}

void installStub(lua_State* L, const StubRow& row) {
  const char* colon = std::strchr(row.name, ':');
  if (colon) {
    pushMethodTableOf(L, std::strncmp(row.name, "msg:", 4) == 0);
    setStubIfAbsent(L, colon + 1, row);
    lua_pop(L, 1);
    return;
  }
  const char* dot = std::strrchr(row.name, '.');
  std::string parent(row.name, dot - row.name);
  pushModuleTable(L, parent.c_str());
  setStubIfAbsent(L, dot + 1, row);
  lua_pop(L, 1);
}

// [-0, +0] package.loaded[path] = the table at path, unless it is loaded.
void loadIfAbsent(lua_State* L, const char* path) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_getfield(L, -1, path);
  bool loaded = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (!loaded) {
    pushModuleTable(L, path);
    lua_setfield(L, -2, path);
  }
  lua_pop(L, 2);
}

}  // namespace

void pushModuleTable(lua_State* L, const char* path) {
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  const char* part = path;
  for (;;) {
    const char* dot = std::strchr(part, '.');
    size_t len = dot ? static_cast<size_t>(dot - part) : std::strlen(part);
    lua_pushlstring(L, part, len);
    lua_rawget(L, -2);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushlstring(L, part, len);
      lua_pushvalue(L, -2);
      lua_rawset(L, -4);
    }
    lua_remove(L, -2);
    if (!dot) return;
    part = dot + 1;
  }
}

void setGlobalModule(lua_State* L, const char* path) {
  const char* dot = std::strrchr(path, '.');
  if (dot) {
    std::string parent(path, dot - path);
    pushModuleTable(L, parent.c_str());
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, dot + 1);
    lua_pop(L, 1);
  } else {
    lua_pushvalue(L, -1);
    lua_setglobal(L, path);
  }
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, path);
  lua_pop(L, 3);
}

void installUnavailable(lua_State* L) {
  for (const StubRow& row : kStubRows) installStub(L, row);
  for (const char* path : kRequireNames) loadIfAbsent(L, path);
}

}  // namespace scriptlet
