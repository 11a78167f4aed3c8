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
  const char* chunkname;     // for a library in a file: its module name
  const char* source;        // returns a table: full name -> function; nullptr: the
                             // module's file on the search path, returning short name -> function
  const char* functions[24];  // the full names, to a nullptr
};

const char kGlobalsKey = 0;  // registry: the globals as the master was built

#include "lua_embedded_sources.inc"

// [-0, +1] The chunk of module `name` (a.b -> a/b.lua on the script search
// path), compiled by the search-path loader that require uses
// (package.loaders[2] of the master's globals).
void loadLibraryFile(lua_State* L, const char* name) {
  lua_pushlightuserdata(L, const_cast<char*>(&kGlobalsKey));
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_getfield(L, -1, "package");
  lua_getfield(L, -1, "loaders");
  lua_pushinteger(L, 2);
  lua_gettable(L, -2);  // not raw: under the sandbox the library tables are read-only proxies
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (!lua_isfunction(L, -1)) {
    luaL_error(L, "%s: cannot find its Lua source on the script search path:%s", name, lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
  }
  lua_replace(L, -4);
  lua_pop(L, 2);
}

// [-0, +1] The table of the library's functions, compiled on first use.
void pushLibrary(lua_State* L, const EmbeddedLibrary* lib) {
  lua_pushlightuserdata(L, const_cast<EmbeddedLibrary*>(lib));
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (!lua_isnil(L, -1)) return;
  lua_pop(L, 1);
  if (lib->source == nullptr) {
    loadLibraryFile(L, lib->chunkname);
  } else if (luaL_loadbuffer(L, lib->source, std::strlen(lib->source), lib->chunkname) != 0) {
    lua_error(L);
  }
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
  if (!lua_isfunction(L, -1)) {
    const EmbeddedLibrary* lib = static_cast<const EmbeddedLibrary*>(lua_touserdata(L, lua_upvalueindex(1)));
    return luaL_error(L, "%s.%s: its library does not define it", lib->chunkname, lua_tostring(L, lua_upvalueindex(2)));
  }
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
  lua_pushstring(L, lib.source == nullptr ? dot + 1 : path);  // a file's table has short names
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
