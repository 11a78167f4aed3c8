// The sandbox (on by default; `sandbox = false` for trusted scripts): what
// can reach outside the process, or load native code or bytecode, is
// removed; the base library is read-only; and the globals a call sets are
// gone when it ends, so that one message never sees another's.
//
// Globals: _G is a fresh table, made the state's globals before any script
// loads, that holds only what scripts set; reads fall through (__index, a
// table, which both engines look up as fast as a field) to `base`, where the
// libraries sit behind read-only proxies. After init() the scripts' own
// globals join `base` too: a call may shadow them (until it ends) but not a
// library name. A fresh table rather than the old globals emptied, because a
// table keeps the slots of keys it once held and clearing a call's globals
// walks them all: on the old one that walk cost more than a trivial call.
// The old one stays the environment of the C functions (getfenv(print)):
// emptied and read-only.
#include <cstring>
#include <stdexcept>
#include <string>

#include "lua_api.hpp"

namespace scriptlet {

namespace {

// Run once per master with (the globals, package.loaded); returns seal() and
// the new globals.
constexpr const char* kSandboxSetup = R"lua(
local old, loaded = ...
local next, type, rawset, rawget, tostring, error, setmetatable, getmetatable, match =
  next, type, rawset, rawget, tostring, error, setmetatable, getmetatable, string.match
local G = {}  -- the globals from now on

for _, name in next, { "io", "debug", "jit", "ffi", "newproxy" } do old[name] = nil end
for _, name in next, { "io", "debug", "jit", "ffi", "jit.util", "jit.profile", "jit.opt" } do loaded[name] = nil end
for _, name in next, { "execute", "exit", "remove", "rename", "tmpname" } do old.os[name] = nil end
old.package.loadlib = nil
for name in next, old.package.preload do old.package.preload[name] = nil end  -- ffi and the like
loaded._G = G
getmetatable("").__metatable = false  -- its __index is the real string table

local proxies = setmetatable({}, { __mode = "k" })   -- real table -> its proxy
local readonly = setmetatable({}, { __mode = "k" })  -- proxy -> true
proxies[G], proxies[old] = G, G

local function refuse(_, k)
  error("the base library cannot be modified (field '" .. tostring(k) .. "')", 2)
end

-- A read-only view of real: its fields copied once (tables as proxies), or
-- for package.loaded, which require fills later, looked up live.
local function proxy(real)
  local p = proxies[real]
  if p then return p end
  p = {}
  proxies[real] = p
  readonly[p] = true
  local index
  if real == loaded then
    index = function(_, k)
      local v = real[k]
      return type(v) == "table" and proxies[v] or v
    end
  else
    index = {}
    for k, v in next, real do index[k] = type(v) == "table" and proxy(v) or v end
  end
  setmetatable(p, { __index = index, __newindex = refuse, __metatable = false })
  return p
end

local libs, base = {}, {}
for k, v in next, old do
  libs[k] = true
  base[k] = type(v) == "table" and proxy(v) or v
end
local names = {}
for k in next, old do names[#names + 1] = k end
for i = 1, #names do rawset(old, names[i], nil) end
setmetatable(old, { __index = base, __newindex = refuse, __metatable = false })

-- What require returns from package.loaded (a library, msys.core) is a
-- proxy too; a script's own modules come back as they are. A library
-- first loaded by a call (not at load or init() time) stays loaded, so
-- the globals its loading made (module("a.b") sets _G.a) join base as the
-- scripts' do at seal(): else the next message would find the library
-- loaded but its global gone.
local require, pcall = base.require, base.pcall
local sealed = false
base.require = function(name)
  local absent = loaded[name] == nil
  local before
  if sealed and absent then
    before = {}
    for k in next, G do before[k] = true end
    -- module("a.b") looks a up with rawget: show it a sealed script global
    -- a, or it would make a new table a and lose what a.x held (or, for a
    -- global a that is no table, replace it instead of Lua's "name conflict").
    local first = type(name) == "string" and match(name, "^[^.]+")
    if first and rawget(G, first) == nil and not libs[first] and base[first] ~= nil then
      rawset(G, first, base[first])
    end
  end
  local ok, v = pcall(require, name)
  if not ok then
    -- Lua leaves its "being loaded" mark (or module()'s half-made table):
    -- the next message would get "loop or previous error", or that table.
    if absent and type(name) == "string" then loaded[name] = nil end
    error(v, 2)  -- where the script called require
  end
  if before then
    local made = {}
    for k in next, G do
      if not before[k] then made[#made + 1] = k end
    end
    for i = 1, #made do
      local k = made[i]
      base[k] = G[k]
      rawset(G, k, nil)
    end
  end
  return type(v) == "table" and proxies[v] or v
end

base.rawset = function(t, k, v)
  if readonly[t] or t == old or (t == G and libs[k]) then
    error("the base library cannot be modified (field '" .. tostring(k) .. "')", 2)
  end
  return rawset(t, k, v)
end

setmetatable(G, {
  __index = base,
  __newindex = function(t, k, v)
    if libs[k] then error("the base library cannot be modified (global '" .. tostring(k) .. "')", 2) end
    rawset(t, k, v)
  end,
  __metatable = false,
})

-- After init(): the scripts' globals move to base, where calls can read
-- them and shadow them, but not change them for the next message.
return function()
  sealed = true
  local set = {}
  for k, v in next, G do set[#set + 1] = k; base[k] = v end
  for i = 1, #set do rawset(G, set[i], nil) end
end, G
)lua";

const char kSealKey = 0;  // registry[&kSealKey] = seal()

}  // namespace

void installSandbox(lua_State* L) {
  int top = lua_gettop(L);
  if (luaL_loadbuffer(L, kSandboxSetup, std::strlen(kSandboxSetup), "=sandbox") != 0)
    throw std::runtime_error(lua_tostring(L, -1));
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_remove(L, -2);
  if (lua_pcall(L, 2, 2, 0) != 0) throw std::runtime_error(lua_tostring(L, -1));
  lua_replace(L, LUA_GLOBALSINDEX);  // threads made from now on share them
  lua_pushlightuserdata(L, const_cast<char*>(&kSealKey));
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_settop(L, top);
}

bool sealSandbox(lua_State* L, std::string* error) {
  lua_pushlightuserdata(L, const_cast<char*>(&kSealKey));
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_isnil(L, -1)) {  // no sandbox
    lua_pop(L, 1);
    return true;
  }
  if (lua_pcall(L, 0, 0, 0) != 0) {
    *error = lua_isstring(L, -1) ? lua_tostring(L, -1) : "sealing the globals failed";
    lua_pop(L, 1);
    return false;
  }
  return true;
}

void clearCallGlobals(lua_State* L) {
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX) != 0) {
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, LUA_GLOBALSINDEX);  // setting an existing field to nil is allowed mid-traversal
  }
}

}  // namespace scriptlet
