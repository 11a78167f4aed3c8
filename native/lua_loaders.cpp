// Every way a script can turn text into code, replaced so that bytecode is
// refused on all of them (neither engine verifies bytecode): load,
// loadstring, loadfile, dofile and require. require searches the script
// search path for "a/b.lua" and "a/b/init.lua"; C modules are not loadable.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "dialect/dialect_runtime.hpp"
#include "lua_api.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

constexpr const char* kBytecodeRefused = "bytecode refused: only Lua source text can be loaded";

MasterState* masterOf(lua_State* L) {
  return static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

bool readFile(const std::string& path, std::string& out) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool ok = !std::ferror(f);
  std::fclose(f);
  return ok;
}

// [-0, +1] Compiles text (in Momentum's dialect), or pushes nil and returns
// false with the error message pushed after it (as load() reports).
bool loadText(lua_State* L, const char* s, size_t n, const char* chunkname) {
  if (!skipShebang(&s, &n)) {
    lua_pushnil(L);
    lua_pushstring(L, kBytecodeRefused);
    return false;
  }
  if (loadDialectBuffer(L, s, n, chunkname) != 0) {
    lua_pushnil(L);
    lua_insert(L, -2);
    return false;
  }
  return true;
}

// [-0, +1|2] Reads and compiles a file: the function, or nil and a message.
int loadFileAt(lua_State* L, const char* path) {
  std::string text;
  if (!readFile(path, text)) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot open %s", path);
    return 2;
  }
  std::string chunkname = std::string("@") + path;
  return loadText(L, text.data(), text.size(), chunkname.c_str()) ? 1 : 2;
}

// load(chunk [, chunkname]): chunk is a string or a function returning pieces.
int safeLoad(lua_State* L) {
  if (lua_type(L, 1) == LUA_TSTRING) {
    size_t n;
    const char* s = lua_tolstring(L, 1, &n);
    const char* name = luaL_optstring(L, 2, s);
    return loadText(L, s, n, name) ? 1 : 2;
  }
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* name = luaL_optstring(L, 2, "=(load)");
  lua_settop(L, 2);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    if (lua_objlen(L, -1) == 0) {
      lua_pop(L, 1);
      break;
    }
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  size_t n;
  const char* s = lua_tolstring(L, -1, &n);
  return loadText(L, s, n, name) ? 1 : 2;
}

// loadstring(s [, chunkname])
int safeLoadstring(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  const char* name = luaL_optstring(L, 2, s);
  return loadText(L, s, n, name) ? 1 : 2;
}

// Under the sandbox a file is read only from inside the search path (after
// resolving "..", and links); one that does not exist fails as "cannot open".
bool mayRead(MasterState* master, const char* path) {
  if (!master->options().sandbox) return true;
  char* real = realpath(path, nullptr);
  if (!real) return true;
  bool inside = false;
  for (const std::string& dir : master->searchPath()) {
    char* realDir = realpath(dir.c_str(), nullptr);
    if (!realDir) continue;
    size_t n = std::strlen(realDir);
    inside = std::strncmp(real, realDir, n) == 0 && real[n] == '/';
    std::free(realDir);
    if (inside) break;
  }
  std::free(real);
  return inside;
}

// [-0, +2] nil and why a file is out of reach.
int pushOutsidePath(lua_State* L, const char* path) {
  lua_pushnil(L);
  lua_pushfstring(L, "cannot open %s: outside the script search path (sandbox)", path);
  return 2;
}

// loadfile(path): no standard input here, a path is required.
int safeLoadfile(lua_State* L) {
  const char* path = luaL_checkstring(L, 1);
  if (!mayRead(masterOf(L), path)) return pushOutsidePath(L, path);
  return loadFileAt(L, path);
}

// dofile(path): runs it and returns what it returns; errors propagate.
int safeDofile(lua_State* L) {
  const char* path = luaL_checkstring(L, 1);
  lua_settop(L, 1);
  if (!mayRead(masterOf(L), path)) {
    pushOutsidePath(L, path);
    return lua_error(L);
  }
  if (loadFileAt(L, path) != 1) return lua_error(L);
  lua_call(L, 0, LUA_MULTRET);
  return lua_gettop(L) - 1;
}

// package.loaders entry: the Lua source of module name on the search path.
int searchScriptPath(lua_State* L) {
  std::string name = luaL_checkstring(L, 1);
  for (char& c : name)
    if (c == '.') c = '/';
  std::string tried;
  for (const std::string& dir : masterOf(L)->searchPath()) {
    for (const char* suffix : {".lua", "/init.lua"}) {
      std::string path = dir + "/" + name + suffix;
      std::string text;
      if (!readFile(path, text)) {
        tried += "\n\tno file '" + path + "'";
        continue;
      }
      std::string chunkname = "@" + path;
      if (!loadText(L, text.data(), text.size(), chunkname.c_str()))
        return luaL_error(L, "error loading module '%s' from file '%s':\n\t%s", lua_tostring(L, 1), path.c_str(),
                          lua_tostring(L, -1));
      return 1;
    }
  }
  lua_pushlstring(L, tried.data(), tried.size());
  return 1;
}

// [-0, +0] Sets global name to a C closure over the master.
void setLoader(lua_State* L, MasterState* master, const char* name, lua_CFunction fn) {
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, fn, 1);
  lua_setglobal(L, name);
}

}  // namespace

void installLoaders(lua_State* L, MasterState* master) {
  setLoader(L, master, "load", safeLoad);
  setLoader(L, master, "loadstring", safeLoadstring);
  setLoader(L, master, "loadfile", safeLoadfile);
  setLoader(L, master, "dofile", safeDofile);

  // package.loaders = { preload searcher (kept), search-path searcher }
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaders");
  lua_rawgeti(L, -1, 1);
  lua_createtable(L, 2, 0);
  lua_insert(L, -2);
  lua_rawseti(L, -2, 1);
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, searchScriptPath, 1);
  lua_rawseti(L, -2, 2);
  lua_setfield(L, -3, "loaders");
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pop(L, 1);
}

}  // namespace scriptlet
