// json: decode, encode, new, strerror, null and the ERROR_* codes.
// Momentum's json wraps json-c objects in userdata; here JSON objects and
// arrays are plain Lua tables (a script indexes and walks them as it would
// Momentum's), marked by one of two sealed metatables so that an empty array
// stays [] and tostring() gives the JSON text. JSON null is json.null, a
// userdata (a table would be copied by the sandbox's read-only proxies, and
// compare unequal to the one decode returns).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "lua_libraries.hpp"

namespace scriptlet {

namespace {

// json-c's json_tokener_error codes and messages, which Momentum returns.
enum JsonError : int {
  kOk = 0, kDepth, kParseEof, kParseUnexpected, kParseNull, kParseBoolean, kParseNumber, kParseArray,
  kParseObjectKeyName, kParseObjectKeySep, kParseObjectValueSep, kParseString, kParseComment, kErrorCount
};
constexpr const char* kErrorNames[kErrorCount] = {
    "SUCCESS", "DEPTH", "PARSE_EOF", "PARSE_UNEXPECTED", "PARSE_NULL", "PARSE_BOOLEAN", "PARSE_NUMBER",
    "PARSE_ARRAY", "PARSE_OBJECT_KEY_NAME", "PARSE_OBJECT_KEY_SEP", "PARSE_OBJECT_VALUE_SEP", "PARSE_STRING",
    "PARSE_COMMENT"};
constexpr const char* kErrorText[kErrorCount] = {
    "success", "nesting too deep", "unexpected end of data", "unexpected character", "null expected",
    "boolean expected", "number expected", "array value separator ',' expected",
    "quoted object property name expected", "object property name separator ':' expected",
    "object value separator ',' expected", "invalid string sequence", "expected comment"};

constexpr int kMaxDepth = 512;
// Registry keys: the two metatables and json.null.
const char kObjectMeta = 0, kArrayMeta = 0, kNullKey = 0;
// table.sort as installed, so that a script's globals cannot change encode.
const char kSortKey = 0;

void pushRegistryValue(lua_State* L, const char* key) {
  lua_pushlightuserdata(L, const_cast<char*>(key));
  lua_rawget(L, LUA_REGISTRYINDEX);
}

// ---- decode --------------------------------------------------------------

struct Parser {
  const char* s;
  size_t n;
  size_t at;
  int error;
};

void skipSpace(Parser& p) {
  while (p.at < p.n && (p.s[p.at] == ' ' || p.s[p.at] == '\t' || p.s[p.at] == '\n' || p.s[p.at] == '\r')) p.at++;
}

bool fail(Parser& p, int error) {
  if (p.error == kOk) p.error = p.at >= p.n ? kParseEof : error;
  return false;
}

void appendUtf8(luaL_Buffer* b, unsigned long cp) {
  if (cp < 0x80) {
    luaL_addchar(b, static_cast<char>(cp));
  } else if (cp < 0x800) {
    luaL_addchar(b, static_cast<char>(0xC0 | (cp >> 6)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    luaL_addchar(b, static_cast<char>(0xE0 | (cp >> 12)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    luaL_addchar(b, static_cast<char>(0xF0 | (cp >> 18)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    luaL_addchar(b, static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool readHex4(Parser& p, unsigned long* out) {
  if (p.at + 4 > p.n) return false;
  unsigned long v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p.s[p.at++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return false;
  }
  *out = v;
  return true;
}

// [-0, +1 on success] A string; p.at is on the opening quote.
bool parseString(lua_State* L, Parser& p) {
  p.at++;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (;;) {
    if (p.at >= p.n) {
      luaL_pushresult(&b);
      lua_pop(L, 1);
      return fail(p, kParseEof);
    }
    unsigned char c = static_cast<unsigned char>(p.s[p.at++]);
    if (c == '"') break;
    bool bad = c < 0x20;
    if (c == '\\' && !bad) {
      char e = p.at < p.n ? p.s[p.at++] : '\0';
      unsigned long cp = 0;
      switch (e) {
        case '"': case '\\': case '/': luaL_addchar(&b, e); continue;
        case 'b': luaL_addchar(&b, '\b'); continue;
        case 'f': luaL_addchar(&b, '\f'); continue;
        case 'n': luaL_addchar(&b, '\n'); continue;
        case 'r': luaL_addchar(&b, '\r'); continue;
        case 't': luaL_addchar(&b, '\t'); continue;
        case 'u':
          bad = !readHex4(p, &cp);
          if (!bad && cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate needs its low one
            unsigned long lo = 0;
            bad = !(p.at + 1 < p.n && p.s[p.at] == '\\' && p.s[p.at + 1] == 'u');
            if (!bad) {
              p.at += 2;
              bad = !readHex4(p, &lo) || lo < 0xDC00 || lo > 0xDFFF;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad = true;
          }
          if (!bad) {
            appendUtf8(&b, cp);
            continue;
          }
          break;
        default: bad = true;
      }
    }
    if (bad) {
      luaL_pushresult(&b);
      lua_pop(L, 1);
      return fail(p, kParseString);
    }
    luaL_addchar(&b, static_cast<char>(c));
  }
  luaL_pushresult(&b);
  return true;
}

bool parseNumber(lua_State* L, Parser& p) {
  size_t start = p.at;
  auto digits = [&p]() {
    size_t from = p.at;
    while (p.at < p.n && p.s[p.at] >= '0' && p.s[p.at] <= '9') p.at++;
    return p.at - from;
  };
  if (p.at < p.n && p.s[p.at] == '-') p.at++;
  size_t intDigits = digits();
  if (intDigits > 1 && p.s[p.at - intDigits] == '0') {  // a leading zero, wherever the data ends
    p.error = kParseNumber;
    return false;
  }
  if (intDigits == 0) return fail(p, kParseNumber);
  if (p.at < p.n && p.s[p.at] == '.') {
    p.at++;
    if (digits() == 0) return fail(p, kParseNumber);
  }
  if (p.at < p.n && (p.s[p.at] == 'e' || p.s[p.at] == 'E')) {
    p.at++;
    if (p.at < p.n && (p.s[p.at] == '+' || p.s[p.at] == '-')) p.at++;
    if (digits() == 0) return fail(p, kParseNumber);
  }
  char text[64];
  size_t len = p.at - start;
  if (len >= sizeof text) {  // rare: a very long number, parsed from a copy
    std::string copy(p.s + start, len);
    double v = std::strtod(copy.c_str(), nullptr);
    lua_pushnumber(L, v);
    return true;
  }
  std::memcpy(text, p.s + start, len);
  text[len] = '\0';
  lua_pushnumber(L, std::strtod(text, nullptr));
  return true;
}

// A truncated literal ("nul") is the end of the data, as json-c says.
bool literal(Parser& p, const char* word, int error) {
  size_t len = std::strlen(word);
  size_t have = p.n - p.at < len ? p.n - p.at : len;
  if (std::memcmp(p.s + p.at, word, have) != 0) return fail(p, error);
  p.at += have;
  return have == len || fail(p, kParseEof);
}

bool parseValue(lua_State* L, Parser& p, int depth);

// [-0, +1 on success] An array or object; p.at is on '[' or '{'.
bool parseContainer(lua_State* L, Parser& p, int depth, bool object) {
  if (depth > kMaxDepth) return fail(p, kDepth);
  if (!lua_checkstack(L, 4)) return fail(p, kDepth);
  char close = object ? '}' : ']';
  p.at++;
  lua_newtable(L);
  pushRegistryValue(L, object ? &kObjectMeta : &kArrayMeta);
  lua_setmetatable(L, -2);
  skipSpace(p);
  if (p.at < p.n && p.s[p.at] == close) {
    p.at++;
    return true;
  }
  for (int i = 1;; i++) {
    skipSpace(p);
    if (object) {
      if (p.at >= p.n || p.s[p.at] != '"') return lua_pop(L, 1), fail(p, kParseObjectKeyName);
      if (!parseString(L, p)) return lua_pop(L, 1), false;
      skipSpace(p);
      if (p.at >= p.n || p.s[p.at] != ':') return lua_pop(L, 2), fail(p, kParseObjectKeySep);
      p.at++;
    }
    if (!parseValue(L, p, depth + 1)) return lua_pop(L, object ? 2 : 1), false;
    if (object) lua_rawset(L, -3);  // a repeated key: the last one wins
    else lua_rawseti(L, -2, i);
    skipSpace(p);
    if (p.at < p.n && p.s[p.at] == close) {
      p.at++;
      return true;
    }
    if (p.at >= p.n || p.s[p.at] != ',') return lua_pop(L, 1), fail(p, object ? kParseObjectValueSep : kParseArray);
    p.at++;
  }
}

// [-0, +1 on success]
bool parseValue(lua_State* L, Parser& p, int depth) {
  skipSpace(p);
  if (p.at >= p.n) return fail(p, kParseEof);
  switch (p.s[p.at]) {
    case '{': return parseContainer(L, p, depth, true);
    case '[': return parseContainer(L, p, depth, false);
    case '"': return parseString(L, p);
    case 't': if (!literal(p, "true", kParseBoolean)) return false; lua_pushboolean(L, 1); return true;
    case 'f': if (!literal(p, "false", kParseBoolean)) return false; lua_pushboolean(L, 0); return true;
    case 'n': if (!literal(p, "null", kParseNull)) return false; pushRegistryValue(L, &kNullKey); return true;
    default:
      if (p.s[p.at] == '-' || (p.s[p.at] >= '0' && p.s[p.at] <= '9')) return parseNumber(L, p);
      return fail(p, kParseUnexpected);
  }
}

// json.decode(text) -> value | nil, code, message
int jsonDecode(lua_State* L) {
  Parser p{nullptr, 0, 0, kOk};
  p.s = luaL_checklstring(L, 1, &p.n);
  lua_settop(L, 1);
  if (parseValue(L, p, 0)) {
    skipSpace(p);
    if (p.at == p.n) return 1;
    lua_pop(L, 1);
    p.error = kParseUnexpected;
  }
  lua_pushnil(L);
  lua_pushinteger(L, p.error);
  lua_pushfstring(L, "%s at offset %d", kErrorText[p.error], static_cast<int>(p.at));
  return 3;
}

// ---- encode --------------------------------------------------------------

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
  bool array;
  if (lua_getmetatable(L, idx)) {
    pushRegistryValue(L, &kArrayMeta);
    array = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    if (!array) {
      lua_rawgeti(L, idx, 1);
      array = !lua_isnil(L, -1) && lua_getmetatable(L, idx) == 0;  // a json.new object stays one
      lua_pop(L, 1);
    }
  } else {
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

// json.encode(value) -> text
int jsonEncode(lua_State* L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  lua_newtable(L);
  return encodeOrRaise(L, "json.encode");
}

// __tostring of decoded and json.new() tables.
int jsonToString(lua_State* L) {
  lua_settop(L, 1);
  lua_newtable(L);
  return encodeOrRaise(L, "tostring(json object)");
}

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
    {"decode", jsonDecode},
    {"encode", jsonEncode},
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
  makeMetatable(L, &kObjectMeta, "json.object", jsonToString);
  makeMetatable(L, &kArrayMeta, "json.array", jsonToString);
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
