// What the three files of json share (lua_json.cpp installs the library,
// lua_json_decode.cpp and lua_json_encode.cpp do the work): registry keys
// of the two metatables, json.null and table.sort, and the error codes.
#pragma once

#include "lua_libraries.hpp"

namespace scriptlet {
namespace json {

// json-c's json_tokener_error codes and messages, which Momentum returns.
enum Error : int {
  kOk = 0, kDepth, kParseEof, kParseUnexpected, kParseNull, kParseBoolean, kParseNumber, kParseArray,
  kParseObjectKeyName, kParseObjectKeySep, kParseObjectValueSep, kParseString, kParseComment, kErrorCount
};
extern const char* const kErrorNames[kErrorCount];
extern const char* const kErrorText[kErrorCount];

constexpr int kMaxDepth = 512;
// Registry keys: the object and array metatables, json.null, and
// table.sort as installed (a script's globals cannot change encode).
extern const char kObjectMeta, kArrayMeta, kNullKey, kSortKey;

// [-0, +1] registry[key]
inline void pushRegistryValue(lua_State* L, const char* key) {
  lua_pushlightuserdata(L, const_cast<char*>(key));
  lua_rawget(L, LUA_REGISTRYINDEX);
}

// json.decode(text) -> value | nil, code, message
int decode(lua_State* L);
// json.encode(value) -> text
int encode(lua_State* L);
// __tostring of decoded and json.new() tables.
int toString(lua_State* L);

}  // namespace json
}  // namespace scriptlet
