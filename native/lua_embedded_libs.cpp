// The libraries easier to write in Lua than in C: msys.dumper,
// msys.policyeditor, msys.type, msys.lock/unlock, msys.runInPool and thread.
// Their source is compiled on the first call of one of their functions, so
// a policy that never calls them pays nothing. Each function is a C
// trampoline installed now (the sandbox copies library tables once, when the
// master is built), which loads its library into the registry and calls the
// Lua function. Libraries run with the master's original globals, which a
// call's own globals cannot shadow.
#include <cstring>

#include "lua_libraries.hpp"

namespace scriptlet {

namespace {

struct EmbeddedLibrary {
  const char* chunkname;
  const char* source;        // returns a table: full name -> function
  const char* functions[24];  // the full names, to a nullptr
};

const char kGlobalsKey = 0;  // registry: the globals as the master was built

#include "lua_embedded_sources.inc"

// [-0, +1] The table of the library's functions, compiled on first use.
void pushLibrary(lua_State* L, const EmbeddedLibrary* lib) {
  lua_pushlightuserdata(L, const_cast<EmbeddedLibrary*>(lib));
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (!lua_isnil(L, -1)) return;
  lua_pop(L, 1);
  if (luaL_loadbuffer(L, lib->source, std::strlen(lib->source), lib->chunkname) != 0) lua_error(L);
  lua_pushlightuserdata(L, const_cast<char*>(&kGlobalsKey));
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_setfenv(L, -2);
  lua_call(L, 0, 1);
  lua_pushlightuserdata(L, const_cast<EmbeddedLibrary*>(lib));
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

// Upvalues: the library, the function's full name. Calls it with the
// arguments given and returns what it returns.
int callEmbedded(lua_State* L) {
  pushLibrary(L, static_cast<const EmbeddedLibrary*>(lua_touserdata(L, lua_upvalueindex(1))));
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_rawget(L, -2);
  lua_replace(L, -2);
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// [-0, +0] path = a trampoline to lib's function of that name.
void installTrampoline(lua_State* L, const EmbeddedLibrary& lib, const char* path) {
  const char* dot = std::strrchr(path, '.');
  lua_pushlstring(L, path, dot - path);
  pushModuleTable(L, lua_tostring(L, -1));
  lua_remove(L, -2);
  lua_pushlightuserdata(L, const_cast<EmbeddedLibrary*>(&lib));
  lua_pushstring(L, path);
  lua_pushcclosure(L, callEmbedded, 2);
  lua_setfield(L, -2, dot + 1);
  lua_pop(L, 1);
}

}  // namespace

void installEmbeddedLibraries(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kGlobalsKey));
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_rawset(L, LUA_REGISTRYINDEX);
  for (const EmbeddedLibrary* lib : kEmbeddedLibraries)
    for (const char* const* f = lib->functions; *f; f++) installTrampoline(L, *lib, *f);

  pushModuleTable(L, "thread");
  static const char* const kMutexTypes[] = {"MUTEX_NORMAL", "MUTEX_RECURSIVE", "MUTEX_ERRORCHECK"};
  for (int i = 0; i < 3; i++) {
    lua_pushinteger(L, i);
    lua_setfield(L, -2, kMutexTypes[i]);
  }
  lua_pop(L, 1);
  for (const char* path : {"msys.dumper", "msys.policyeditor", "thread"}) {
    pushModuleTable(L, path);
    setGlobalModule(L, path);
  }
  // debug.output(...) is print(...), where the debug library exists
  // (sandbox = false; the sandbox removes it).
  lua_getglobal(L, "debug");
  if (lua_istable(L, -1)) {
    lua_getglobal(L, "print");
    lua_setfield(L, -2, "output");
  }
  lua_pop(L, 1);
}

}  // namespace scriptlet
