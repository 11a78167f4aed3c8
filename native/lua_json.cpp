// json: decode, encode, new, strerror, null and the ERROR_* codes.
// Momentum's json wraps json-c objects in userdata; here JSON objects and
// arrays are plain Lua tables (a script indexes and walks them as it would
// Momentum's), marked by one of two sealed metatables so that an empty array
// stays [] and tostring() gives the JSON text. JSON null is json.null, a
// userdata (a table would be copied by the sandbox's read-only proxies, and
// compare unequal to the one decode returns).
#include <cstdio>

#include "lua_json.hpp"

namespace scriptlet {
namespace json {

const char* const kErrorNames[kErrorCount] = {
    "SUCCESS", "DEPTH", "PARSE_EOF", "PARSE_UNEXPECTED", "PARSE_NULL", "PARSE_BOOLEAN", "PARSE_NUMBER",
    "PARSE_ARRAY", "PARSE_OBJECT_KEY_NAME", "PARSE_OBJECT_KEY_SEP", "PARSE_OBJECT_VALUE_SEP", "PARSE_STRING",
    "PARSE_COMMENT"};
const char* const kErrorText[kErrorCount] = {
    "success", "nesting too deep", "unexpected end of data", "unexpected character", "null expected",
    "boolean expected", "number expected", "array value separator ',' expected",
    "quoted object property name expected", "object property name separator ':' expected",
    "object value separator ',' expected", "invalid string sequence", "expected comment"};
const char kObjectMeta = 0, kArrayMeta = 0, kNullKey = 0, kSortKey = 0;

}  // namespace json

namespace {

using namespace json;

// json.new() -> an empty object
int jsonNew(lua_State* L) {
  lua_newtable(L);
  pushRegistryValue(L, &kObjectMeta);
  lua_setmetatable(L, -2);
  return 1;
}

// json.strerror(code) -> text
int jsonStrerror(lua_State* L) {
  lua_Integer code = luaL_checkinteger(L, 1);
  if (code < 0 || code >= kErrorCount) lua_pushfstring(L, "unknown json error %d", static_cast<int>(code));
  else lua_pushstring(L, kErrorText[code]);
  return 1;
}

int nullToString(lua_State* L) {
  lua_pushliteral(L, "null");
  return 1;
}

// [-0, +0] registry[key] = a sealed metatable named name, with __tostring.
void makeMetatable(lua_State* L, const char* key, const char* name, lua_CFunction tostring) {
  lua_pushlightuserdata(L, const_cast<char*>(key));
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__metatable");
  lua_rawset(L, LUA_REGISTRYINDEX);
}

const luaL_Reg kJsonFunctions[] = {
    {"decode", json::decode},
    {"encode", json::encode},
    {"new", jsonNew},
    {"strerror", jsonStrerror},
    {nullptr, nullptr},
};

}  // namespace

void installJson(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kSortKey));
  lua_getglobal(L, "table");
  lua_getfield(L, -1, "sort");
  lua_remove(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  makeMetatable(L, &kObjectMeta, "json.object", json::toString);
  makeMetatable(L, &kArrayMeta, "json.array", json::toString);
  lua_pushlightuserdata(L, const_cast<char*>(&kNullKey));
  lua_newuserdata(L, 0);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, nullToString);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "json.null");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_newtable(L);
  for (const luaL_Reg* r = kJsonFunctions; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  pushRegistryValue(L, &kNullKey);
  lua_setfield(L, -2, "null");
  for (int code = 0; code < kErrorCount; code++) {
    char name[64];
    std::snprintf(name, sizeof name, "ERROR_%s", kErrorNames[code]);
    lua_pushinteger(L, code);
    lua_setfield(L, -2, name);
  }
  setGlobalModule(L, "json");
}

}  // namespace scriptlet
