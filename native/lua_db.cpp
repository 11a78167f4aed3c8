// msys.db.query / fetch_row / execute: a statement against a configured
// datasource, run by Node (src/datasource/) while the call is suspended.
// The functions are Lua (a C function cannot go on after a yield in Lua 5.1
// or LuaJIT), around two C ones: dbSuspend fills the call's suspension and
// yields; dbDecode turns the encoded answer into row tables. The rows are
// built after the resume, inside the Lua thread, so that running out of
// memory there is a Lua error of the call, not a panic.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "lua_data_libraries.hpp"
#include "lua_libraries.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

MasterState* masterOf(lua_State* L) {
  return static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// [-0, +0] Appends the parameter value at -1, tagged: n(il), t(rue), f(alse),
// d(ouble, as text), s(tring bytes); false for any other type.
bool encodeParam(lua_State* L, std::string* out) {
  switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN:
      out->push_back(lua_toboolean(L, -1) ? 't' : 'f');
      return true;
    case LUA_TNUMBER: {
      char text[40];
      int n = std::snprintf(text, sizeof text, "d%.17g", static_cast<double>(lua_tonumber(L, -1)));
      out->append(text, static_cast<size_t>(n));
      return true;
    }
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      out->push_back('s');
      out->append(s, len);
      return true;
    }
    default:
      return false;
  }
}

// [-0, +0] Raises the message at -1 at the script's line: level 3 is the
// caller of msys.db.x (1: its helper run(), 2: msys.db.x itself).
int raiseAtScript(lua_State* L) {
  luaL_where(L, 3);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return lua_error(L);
}

// dbSuspend(mode, cachename, query, params|nil, nocache) -> yields; resumed
// with the encoded rows, or nil, error. Its Lua callers checked the types.
int dbSuspend(lua_State* L) {
  size_t modeLen, nameLen, sqlLen;
  const char* mode = luaL_checklstring(L, 1, &modeLen);
  const char* name = luaL_checklstring(L, 2, &nameLen);
  const char* sql = luaL_checklstring(L, 3, &sqlLen);
  const char* what = std::strcmp(mode, "execute") == 0     ? "msys.db.execute"
                     : std::strcmp(mode, "fetch_row") == 0 ? "msys.db.fetch_row"
                                                            : "msys.db.query";
  CallContext* call = masterOf(L)->suspendingCall(L, what);  // may raise: nothing to clean up yet
  Suspension& s = call->suspension;
  s.items.clear();
  if (lua_istable(L, 4)) {
    lua_pushnil(L);
    while (lua_next(L, 4)) {
      // The key first, without lua_tostring on it (that would break lua_next).
      char key[32];
      int keyType = lua_type(L, -2);
      bool keyOk = keyType == LUA_TSTRING || (keyType == LUA_TNUMBER && lua_tonumber(L, -2) >= 1 &&
                                              lua_tonumber(L, -2) == static_cast<double>(lua_tointeger(L, -2)));
      if (!keyOk) {
        s.items.clear();
        lua_pushfstring(L, "%s: queryparams keys must be positions (1, 2, ...) or names, got a %s key", what,
                        luaL_typename(L, -2));
        return raiseAtScript(L);
      }
      if (keyType == LUA_TNUMBER) {
        int n = std::snprintf(key, sizeof key, "%lld", static_cast<long long>(lua_tointeger(L, -2)));
        s.items.emplace_back(key, static_cast<size_t>(n));
      } else {
        size_t len;
        const char* k = lua_tolstring(L, -2, &len);
        s.items.emplace_back(k, len);
      }
      s.items.emplace_back();
      if (!encodeParam(L, &s.items.back())) {
        s.items.clear();
        lua_pushfstring(L, "%s: a query parameter must be a string, number or boolean, got %s", what,
                        luaL_typename(L, -1));
        return raiseAtScript(L);
      }
      lua_pop(L, 1);
    }
  }
  s.name.assign(name, nameLen);
  s.type.assign(sql, sqlLen);
  s.body.assign(mode, modeLen);
  s.flag = lua_toboolean(L, 5) != 0;
  s.kind = Suspension::Kind::DbQuery;
  return yieldSuspension(L);
}

// Reads the encoded answer (src/datasource/result-encoding.ts): little-endian
// u32 counts and lengths, a tag byte per cell.
struct Reader {
  const unsigned char* p;
  const unsigned char* end;
  bool ok = true;

  uint32_t u32() {
    if (end - p < 4) return ok = false, 0;
    uint32_t v = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    p += 4;
    return v;
  }
  const char* bytes(uint32_t n) {
    if (static_cast<size_t>(end - p) < n) return ok = false, nullptr;
    const char* at = reinterpret_cast<const char*>(p);
    p += n;
    return at;
  }
};

// [-0, +1] One cell's value; false when the encoding is broken.
bool pushCell(lua_State* L, Reader& r) {
  const char* tag = r.bytes(1);
  if (!tag) return false;
  switch (*tag) {
    case 0: lua_pushnil(L); return true;
    case 1: lua_pushboolean(L, 0); return true;
    case 2: lua_pushboolean(L, 1); return true;
    case 3: {
      const char* b = r.bytes(8);
      if (!b) return false;
      double d;
      std::memcpy(&d, b, 8);  // little-endian hosts only (x64, arm64), as Buffer.writeDoubleLE wrote it
      lua_pushnumber(L, d);
      return true;
    }
    case 4: {
      uint32_t n = r.u32();
      const char* b = r.bytes(n);
      if (!b) return false;
      lua_pushlstring(L, b, n);
      return true;
    }
    default:
      return false;
  }
}

// dbDecode(encoded) -> { row, ... }, each row keyed by column name (SQL NULL
// leaves the key out).
int dbDecode(lua_State* L) {
  size_t len;
  const char* data = luaL_checklstring(L, 1, &len);
  Reader r{reinterpret_cast<const unsigned char*>(data), reinterpret_cast<const unsigned char*>(data) + len};
  uint32_t ncols = r.u32();
  if (!r.ok || ncols > len) return luaL_error(L, "msys.db: malformed answer from the datasource layer");
  lua_createtable(L, static_cast<int>(ncols), 0);  // names, at 2
  for (uint32_t c = 1; c <= ncols; c++) {
    uint32_t n = r.u32();
    const char* b = r.bytes(n);
    if (!b) return luaL_error(L, "msys.db: malformed answer from the datasource layer");
    lua_pushlstring(L, b, n);
    lua_rawseti(L, 2, static_cast<int>(c));
  }
  uint32_t nrows = r.u32();
  if (!r.ok || nrows > len) return luaL_error(L, "msys.db: malformed answer from the datasource layer");
  lua_createtable(L, static_cast<int>(nrows), 0);  // rows, at 3
  for (uint32_t i = 1; i <= nrows; i++) {
    lua_createtable(L, 0, static_cast<int>(ncols));
    for (uint32_t c = 1; c <= ncols; c++) {
      lua_rawgeti(L, 2, static_cast<int>(c));
      if (!pushCell(L, r)) return luaL_error(L, "msys.db: malformed answer from the datasource layer");
      lua_rawset(L, -3);
    }
    lua_rawseti(L, 3, static_cast<int>(i));
  }
  return 1;
}

// The functions scripts call. Errors name the function and point at the
// script's line (error levels count fail -> run -> db.x -> the script).
const char kDbSource[] = R"lua(
local suspend, decode, db = ...
local type, error, tostring = type, error, tostring

local function fail(fname, why)
  error(fname .. ": " .. why, 4)
end

local function run(fname, mode, cachename, query, params, options)
  if type(cachename) ~= "string" then fail(fname, "cachename must be a string, got " .. type(cachename)) end
  if type(query) ~= "string" then fail(fname, "query must be a string, got " .. type(query)) end
  if params ~= nil and type(params) ~= "table" then fail(fname, "queryparams must be a table, got " .. type(params)) end
  if options ~= nil and type(options) ~= "table" then fail(fname, "options must be a table, got " .. type(options)) end
  local raise, nocache = true, false
  if options ~= nil then
    if options.raise_error ~= nil then raise = options.raise_error and true or false end
    nocache = options.nocache and true or false
  end
  local raw, err = suspend(mode, cachename, query, params, nocache)
  if raw == nil then
    if raise then error(fname .. ": " .. tostring(err), 3) end
    return nil, err
  end
  return raw
end

function db.query(cachename, query, params, options)
  local raw, err = run("msys.db.query", "query", cachename, query, params, options)
  if raw == nil then return nil, err end
  local rows, i = decode(raw), 0
  return function()
    i = i + 1
    return rows[i]
  end
end

function db.fetch_row(cachename, query, params, options)
  local raw, err = run("msys.db.fetch_row", "fetch_row", cachename, query, params, options)
  if raw == nil then return nil, err end
  local row = decode(raw)[1]
  return row
end

function db.execute(cachename, query, params, options)
  local raw, err = run("msys.db.execute", "execute", cachename, query, params, options)
  if raw == nil then return false, err end
  return true
end
)lua";

}  // namespace

void installSuspendingLibrary(lua_State* L, MasterState* master, const char* name, lua_CFunction suspend,
                              lua_CFunction decode, const char* source, size_t len) {
  lua_pushlightuserdata(L, master);
  lua_pushcclosure(L, suspend, 1);
  lua_pushcfunction(L, decode);
  pushModuleTable(L, name);
  lua_pushvalue(L, -1);
  setGlobalModule(L, name);
  std::string chunkname = std::string("=") + name;
  if (luaL_loadbuffer(L, source, len, chunkname.c_str()) != 0) lua_error(L);  // a bug of ours: the build's tests see it
  lua_insert(L, -4);
  lua_call(L, 3, 0);
}

void installDb(lua_State* L, MasterState* master) {
  installSuspendingLibrary(L, master, "msys.db", dbSuspend, dbDecode, kDbSource, sizeof kDbSource - 1);
  pushModuleTable(L, "msys.datasource");  // required beside msys.db by Momentum scripts; holds nothing
  setGlobalModule(L, "msys.datasource");
}

}  // namespace scriptlet
