// msys.cidr.define/query/reload: named IP lookup tables. The tables
// themselves are process-wide (cidr/cidr_registry.hpp); each master keeps,
// per name, a handle (a full userdata, freed by __gc with the state) that
// holds its table and the version it saw, and the options that only matter
// to the query (interpolate, default_value). A query is a table lookup by
// name, one atomic load and a binary search: it allocates nothing unless it
// interpolates.
#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "cidr/cidr_registry.hpp"
#include "cidr/lua_cidr.hpp"
#include "data_files.hpp"
#include "lua_libraries.hpp"
#include "master_state.hpp"

namespace scriptlet {

namespace {

using cidr::CidrSlot;
using cidr::CidrSpec;
using cidr::CidrTable;
using cidr::IpAddress;

const char kHandleMeta[] = "scriptlet.cidr.handle";
constexpr double kDefaultRefresh = 1800;  // Momentum's datasource default

struct CidrHandle {
  std::shared_ptr<CidrSlot> slot;
  std::shared_ptr<const CidrTable> table;
  uint64_t version = 0;
  uint64_t errorsSeen = 0;
  bool interpolate = false;
  bool hitIsTrue = false;  // datasource without value_column: a hit is true
};

int handleGc(lua_State* L) {
  static_cast<CidrHandle*>(lua_touserdata(L, 1))->~CidrHandle();
  return 0;
}

// What define reads from its options, and the query-time options.
struct DefineRequest {
  CidrSpec spec;
  bool interpolate = false;
  bool hitIsTrue = false;
};

// [-0, +1] t[key] at idx (a positive index), without metamethods.
void rawField(lua_State* L, int idx, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, idx);
}

bool isKnownOption(const char* key) {
  static const char* const kKnown[] = {"type", "source", "value", "record_type", "interpolate", "default_value",
                                       "refresh", "optimize", "optimize_hosts", "cachename", "query",
                                       "cidr_column", "value_column", nullptr};
  for (int i = 0; kKnown[i]; i++)
    if (std::strcmp(kKnown[i], key) == 0) return true;
  return false;
}

// [-0, +0] A column option: a name, or a 1-based ordinal (kept as its text).
bool readColumn(lua_State* L, int idx, const char* key, std::string* out, std::string* why) {
  rawField(L, idx, key);
  bool ok = true;
  if (lua_type(L, -1) == LUA_TSTRING && lua_objlen(L, -1) > 0) {
    *out = lua_tostring(L, -1);
  } else if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 1 &&
             lua_tonumber(L, -1) == static_cast<double>(lua_tointeger(L, -1))) {
    *out = "#" + std::to_string(lua_tointeger(L, -1));
  } else if (!lua_isnil(L, -1)) {
    ok = false;
  }
  lua_pop(L, 1);
  if (!ok) *why = std::string("option '") + key + "' must be a column name or a 1-based column number";
  return ok;
}

// [-0, +0] type "datasource": cachename and query (required), cidr_column
// (default: the first column), value_column (absent: a hit is true), refresh.
bool readDatasourceOptions(lua_State* L, int idx, DefineRequest* req, std::string* why) {
  CidrSpec& spec = req->spec;
  for (const char* key : {"cachename", "query"}) {
    rawField(L, idx, key);
    bool ok = lua_type(L, -1) == LUA_TSTRING && lua_objlen(L, -1) > 0;
    if (ok) (key[0] == 'c' ? spec.cachename : spec.query) = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (!ok) return *why = std::string("option '") + key + "' (a string) is required for type 'datasource'", false;
  }
  if (!readColumn(L, idx, "cidr_column", &spec.cidrColumn, why)) return false;
  if (spec.cidrColumn.empty()) spec.cidrColumn = "#1";
  if (!readColumn(L, idx, "value_column", &spec.valueColumn, why)) return false;
  req->hitIsTrue = spec.valueColumn.empty();
  spec.kind = cidr::ValueKind::Txt;
  rawField(L, idx, "refresh");
  bool refreshOk = lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 0);
  spec.refresh = lua_isnil(L, -1) ? kDefaultRefresh : lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!refreshOk) return *why = "option 'refresh' must be a number of seconds, 0 or more", false;
  return true;
}

// [-0, +0] Reads the options at idx (a table, or the type alone) into req;
// false and why. Raw reads only, so nothing here can raise.
bool readOptions(lua_State* L, int idx, MasterState* master, DefineRequest* req, std::string* why) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    req->spec.type = lua_tostring(L, idx);
  } else if (lua_istable(L, idx)) {
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (lua_type(L, -2) != LUA_TSTRING || !isKnownOption(lua_tostring(L, -2))) {
        std::string key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2);
        std::string line = "msys.cidr.define: option '" + key + "' is not known; ignored";
        master->log(line.data(), line.size());
      }
      lua_pop(L, 1);
    }
    rawField(L, idx, "type");
    if (lua_type(L, -1) == LUA_TSTRING) req->spec.type = lua_tostring(L, -1);
    lua_pop(L, 1);
  } else {
    return *why = std::string("options must be a table or a type, got ") + luaL_typename(L, idx), false;
  }
  const std::string& type = req->spec.type;
  if (type != "empty" && type != "rbldnsd" && type != "datasource")
    return *why = "option 'type' must be \"empty\", \"rbldnsd\" or \"datasource\", got '" + type + "'", false;
  if (!lua_istable(L, idx)) {
    if (type == "empty") return true;
    return *why = type == "rbldnsd" ? "type 'rbldnsd' needs an options table with its 'source'"
                                    : "type 'datasource' needs an options table with its 'cachename' and 'query'",
           false;
  }

  rawField(L, idx, "interpolate");
  bool interpolateOk = lua_isnil(L, -1) || lua_isboolean(L, -1);
  req->interpolate = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (!interpolateOk) return *why = "option 'interpolate' must be a boolean", false;
  if (type == "empty") return true;
  if (type == "datasource") return readDatasourceOptions(L, idx, req, why);

  rawField(L, idx, "value");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    rawField(L, idx, "record_type");  // the vendor's training policy spells it so
  }
  const char* value = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : lua_isnil(L, -1) ? "a" : nullptr;
  bool valueOk = value && (strcasecmp(value, "a") == 0 || strcasecmp(value, "txt") == 0);
  if (valueOk) req->spec.kind = strcasecmp(value, "a") == 0 ? cidr::ValueKind::A : cidr::ValueKind::Txt;
  lua_pop(L, 1);
  if (!valueOk) return *why = "option 'value' (or 'record_type') must be \"a\" or \"txt\"", false;

  rawField(L, idx, "refresh");
  bool refreshOk = lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) >= 0);
  req->spec.refresh = lua_isnil(L, -1) ? kDefaultRefresh : lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!refreshOk) return *why = "option 'refresh' must be a number of seconds, 0 or more", false;

  rawField(L, idx, "source");
  std::string source = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  if (source.empty()) return *why = "option 'source' (the rbldnsd file) is required", false;
  const char* because = nullptr;
  if (!resolveDataFile(master, source.c_str(), &req->spec.path, &because))
    return *why = "cannot open " + source + ": " + because, false;
  return true;
}

// [-0, +1] The handle of name from the names table (upvalue up), or raises.
CidrHandle* checkHandle(lua_State* L, int up, const char* fname) {
  if (lua_type(L, 1) != LUA_TSTRING)
    luaL_error(L, "%s: name must be a string, got %s", fname, luaL_typename(L, 1));
  lua_pushvalue(L, 1);
  lua_rawget(L, lua_upvalueindex(up));
  if (lua_isnil(L, -1)) luaL_error(L, "%s: no CIDR named '%s' (define it in init)", fname, lua_tostring(L, 1));
  return static_cast<CidrHandle*>(lua_touserdata(L, -1));
}

// msys.cidr.define(name, options). upvalues: master, names, defaults.
int cidrDefine(lua_State* L) {
  MasterState* master = static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (lua_type(L, 1) != LUA_TSTRING)
    return luaL_error(L, "msys.cidr.define: name must be a string, got %s", luaL_typename(L, 1));
  lua_settop(L, 2);
  // The handle first: nothing below may raise while C++ objects are alive.
  CidrHandle* h = new (lua_newuserdata(L, sizeof(CidrHandle))) CidrHandle();
  luaL_getmetatable(L, kHandleMeta);
  lua_setmetatable(L, -2);
  bool ok;
  {
    DefineRequest req;
    std::string why;
    ok = readOptions(L, 2, master, &req, &why);
    if (ok) {
      h->slot = cidr::acquireCidr(req.spec, &why);
      ok = h->slot != nullptr;
    }
    if (ok) {
      h->table = h->slot->current(&h->version);
      h->errorsSeen = h->slot->errorSerial();
      h->interpolate = req.interpolate;
      h->hitIsTrue = req.hitIsTrue;
    } else {
      std::string message = "msys.cidr.define: " + why;
      lua_pushlstring(L, message.data(), message.size());
    }
  }
  if (!ok) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
  }
  lua_pushvalue(L, 1);
  lua_insert(L, -2);
  lua_rawset(L, lua_upvalueindex(2));  // names[name] = handle
  lua_pushvalue(L, 1);
  if (lua_istable(L, 2)) rawField(L, 2, "default_value");
  else lua_pushnil(L);
  lua_rawset(L, lua_upvalueindex(3));  // defaults[name] = default_value
  return 0;
}

// After a background rebuild: the new table, and once per failure a log line.
void catchUp(CidrHandle* h, MasterState* master) {
  if (h->slot->version() != h->version) h->table = h->slot->current(&h->version);
  uint64_t errors = h->slot->errorSerial();
  if (errors != h->errorsSeen) {
    h->errorsSeen = errors;
    std::string line = "msys.cidr: reload failed, the table read before stays: " + h->slot->lastError();
    master->log(line.data(), line.size());
  }
}

// [-0, +1] The value with every '$' replaced by the address.
void pushInterpolated(lua_State* L, const std::string& value, const IpAddress& a) {
  char text[64];
  size_t n = cidr::formatAddress(a, text);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (char c : value) {
    if (c == '$') luaL_addlstring(&b, text, n);
    else luaL_addchar(&b, c);
  }
  luaL_pushresult(&b);
}

// msys.cidr.query(name [, address]) -> the value, or the default_value.
// upvalues: master, names, defaults, running.
int cidrQuery(lua_State* L) {
  lua_settop(L, 2);  // the handle goes at 3, the address stays at 2
  CidrHandle* h = checkHandle(L, 2, "msys.cidr.query");
  IpAddress a;
  bool haveAddress;
  if (lua_isnoneornil(L, 2)) {  // the connected peer
    CallContext* call = *static_cast<RunningCall>(lua_touserdata(L, lua_upvalueindex(4)));
    if (call) call->ensureFacts();
    haveAddress = call && cidr::parseQueryAddress(call->remoteAddr.data(), call->remoteAddr.size(), &a);
  } else {
    size_t len;
    const char* s = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : nullptr;
    if (!s || !cidr::parseQueryAddress(s, len, &a))
      return luaL_error(L, "msys.cidr.query: address must be an IPv4 or IPv6 address, got %s",
                        s ? lua_pushfstring(L, "'%s'", s) : luaL_typename(L, 2));
    haveAddress = true;
  }
  if (h->slot->version() != h->version || h->slot->errorSerial() != h->errorsSeen)
    catchUp(h, static_cast<MasterState*>(lua_touserdata(L, lua_upvalueindex(1))));
  const std::string* value = haveAddress && h->table ? h->table->lookup(a) : nullptr;
  if (!value) {
    lua_pushvalue(L, 1);
    lua_rawget(L, lua_upvalueindex(3));
  } else if (h->hitIsTrue) {
    lua_pushboolean(L, 1);
  } else if (h->interpolate && value->find('$') != std::string::npos) {
    pushInterpolated(L, *value, a);
  } else {
    lua_pushlstring(L, value->data(), value->size());
  }
  return 1;
}

// msys.cidr.reload(name): the table is read again in the background; queries
// answer from the old one until the new one is made. upvalues: -, names.
int cidrReload(lua_State* L) {
  CidrHandle* h = checkHandle(L, 2, "msys.cidr.reload");
  cidr::requestReload(h->slot);
  return 0;
}

}  // namespace

void installCidr(lua_State* L, MasterState* master, RunningCall running) {
  luaL_newmetatable(L, kHandleMeta);
  lua_pushcfunction(L, handleGc);
  lua_setfield(L, -2, "__gc");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);

  pushModuleTable(L, "msys.cidr");
  lua_newtable(L);  // names: name -> handle
  lua_newtable(L);  // defaults: name -> default_value
  struct Fn {
    const char* name;
    lua_CFunction fn;
  };
  static const Fn kFunctions[] = {{"define", cidrDefine}, {"query", cidrQuery}, {"reload", cidrReload}};
  for (const Fn& f : kFunctions) {
    lua_pushlightuserdata(L, master);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_pushlightuserdata(L, const_cast<CallContext**>(running));
    lua_pushcclosure(L, f.fn, 4);
    lua_setfield(L, -4, f.name);
  }
  lua_pop(L, 3);
}

}  // namespace scriptlet
