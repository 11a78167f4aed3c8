// json.encode and tostring() of json tables: Lua values to JSON text.
// Arrays and objects are told apart by the json metatables, else by t[1];
// object keys are sorted so that the text is the same on both engines.
// What cannot be written is an error raised after the text is freed.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "lua_json.hpp"

namespace scriptlet {
namespace json {

namespace {


// Where encoding stopped; raised once the output string is gone.
struct Encoder {
  std::string out;
  const char* error = nullptr;
  char detail[96] = "";
};

void encodeString(Encoder& e, const char* s, size_t n) {
  e.out += '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': e.out += "\\\""; break;
      case '\\': e.out += "\\\\"; break;
      case '\n': e.out += "\\n"; break;
      case '\r': e.out += "\\r"; break;
      case '\t': e.out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char u[8];
          std::snprintf(u, sizeof u, "\\u%04x", c);
          e.out += u;
        } else {
          e.out += static_cast<char>(c);
        }
    }
  }
  e.out += '"';
}

bool encodeNumber(Encoder& e, lua_Number v) {
  if (std::isnan(v) || std::isinf(v)) {
    e.error = "cannot encode NaN or infinity (JSON has neither)";
    return false;
  }
  char text[32];
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) std::snprintf(text, sizeof text, "%.0f", v);
  else std::snprintf(text, sizeof text, "%.17g", v);
  e.out += text;
  return true;
}

bool encodeValue(lua_State* L, Encoder& e, int idx, int depth);

// Sorted keys make the text the same on both engines and from run to run.
// [-0, +0] The table at idx as an object: string keys, and numbers as text.
bool encodeObject(lua_State* L, Encoder& e, int idx, int depth) {
  lua_newtable(L);  // the keys, to sort
  int keys = lua_gettop(L);
  int count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    int kt = lua_type(L, -1);
    if (kt != LUA_TSTRING && kt != LUA_TNUMBER) {
      std::snprintf(e.detail, sizeof e.detail, "a %s key", lua_typename(L, kt));
      e.error = "cannot encode a table with a key that is not a string or a number";
      lua_pop(L, 2);
      return false;
    }
    lua_pushvalue(L, -1);
    if (kt == LUA_TNUMBER) lua_tostring(L, -1);  // in place: the copy becomes its text
    lua_rawseti(L, keys, ++count);
  }
  pushRegistryValue(L, &kSortKey);
  lua_pushvalue(L, keys);
  lua_call(L, 1, 0);
  e.out += '{';
  for (int i = 1; i <= count; i++) {
    if (i > 1) e.out += ',';
    lua_rawgeti(L, keys, i);
    size_t n;
    const char* k = lua_tolstring(L, -1, &n);
    encodeString(e, k, n);
    e.out += ':';
    lua_pushvalue(L, -1);
    lua_rawget(L, idx);
    if (lua_isnil(L, -1)) {  // a number key, stored under its number
      lua_pop(L, 1);
      lua_pushnumber(L, lua_tonumber(L, -1));
      lua_rawget(L, idx);
    }
    bool ok = encodeValue(L, e, lua_gettop(L), depth + 1);
    lua_pop(L, 2);
    if (!ok) {
      lua_pop(L, 1);
      return false;
    }
  }
  e.out += '}';
  lua_pop(L, 1);
  return true;
}

// [-0, +0] The table at idx as an array of 1..max, holes as null.
bool encodeArray(lua_State* L, Encoder& e, int idx, int depth) {
  lua_Number max = 0;
  int count = 0;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    lua_Number k = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (k < 1 || k != std::floor(k)) {
      lua_pop(L, 1);
      e.error = "cannot encode a table with both array items (t[1]) and other keys";
      return false;
    }
    if (k > max) max = k;
    count++;
  }
  if (max > 2.0 * count + 16) {
    e.error = "cannot encode a sparse array (more than half of it holes)";
    return false;
  }
  e.out += '[';
  for (int i = 1; i <= static_cast<int>(max); i++) {
    if (i > 1) e.out += ',';
    lua_rawgeti(L, idx, i);
    bool ok = encodeValue(L, e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
    if (!ok) return false;
  }
  e.out += ']';
  return true;
}

// [-0, +0]
bool encodeValue(lua_State* L, Encoder& e, int idx, int depth) {
  switch (lua_type(L, idx)) {
    case LUA_TNIL: e.out += "null"; return true;
    case LUA_TBOOLEAN: e.out += lua_toboolean(L, idx) ? "true" : "false"; return true;
    case LUA_TNUMBER: return encodeNumber(e, lua_tonumber(L, idx));
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, idx, &n);
      encodeString(e, s, n);
      return true;
    }
    case LUA_TTABLE: break;
    default: {
      pushRegistryValue(L, &kNullKey);
      bool null = lua_rawequal(L, -1, idx);
      lua_pop(L, 1);
      if (null) {
        e.out += "null";
        return true;
      }
      std::snprintf(e.detail, sizeof e.detail, "a %s", luaL_typename(L, idx));
      e.error = "cannot encode this type of value";
      return false;
    }
  }
  if (depth > kMaxDepth || !lua_checkstack(L, 8)) {
    e.error = "cannot encode a table nested this deep, or with a cycle";
    return false;
  }
  // Cycles: the tables being encoded are keys of the table at 2.
  lua_pushvalue(L, idx);
  lua_rawget(L, 2);
  bool seen = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (seen) {
    e.error = "cannot encode a table that contains itself (a cycle)";
    return false;
  }
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, 2);
  // Decoded arrays and objects (and json.new()) keep their kind; any other
  // table is an array when it has t[1].
  bool array;
  bool known = false;
  if (lua_getmetatable(L, idx)) {
    pushRegistryValue(L, &kArrayMeta);
    array = lua_rawequal(L, -1, -2);
    pushRegistryValue(L, &kObjectMeta);
    known = array || lua_rawequal(L, -1, -3);
    lua_pop(L, 3);
  }
  if (!known) {
    lua_rawgeti(L, idx, 1);
    array = !lua_isnil(L, -1);
    lua_pop(L, 1);
  }
  bool ok = array ? encodeArray(L, e, idx, depth) : encodeObject(L, e, idx, depth);
  lua_pushvalue(L, idx);
  lua_pushnil(L);
  lua_rawset(L, 2);
  return ok;
}

// [-0, +1] The JSON text of the value at 1 (stack: value, seen-tables), or
// raises naming fn.
int encodeOrRaise(lua_State* L, const char* fn) {
  const char* error;
  char detail[96];
  {
    Encoder e;
    if (encodeValue(L, e, 1, 0)) {
      lua_pushlstring(L, e.out.data(), e.out.size());
      return 1;
    }
    error = e.error;
    std::memcpy(detail, e.detail, sizeof detail);
  }
  if (detail[0]) return luaL_error(L, "%s: %s (%s)", fn, error, detail);
  return luaL_error(L, "%s: %s", fn, error);
}

}  // namespace

int encode(lua_State* L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  lua_newtable(L);
  return encodeOrRaise(L, "json.encode");
}

int toString(lua_State* L) {
  lua_settop(L, 1);
  lua_newtable(L);
  return encodeOrRaise(L, "tostring(json object)");
}

}  // namespace json
}  // namespace scriptlet
