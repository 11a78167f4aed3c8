// json.decode: RFC 8259 text to Lua values (objects and arrays as tables
// with the json metatables, null as json.null), or nil, code, message with
// json-c's codes. Recursive descent, at most kMaxDepth levels.
#include <cstdlib>
#include <cstring>
#include <string>

#include "lua_json.hpp"

namespace scriptlet {
namespace json {

namespace {


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

}  // namespace

int decode(lua_State* L) {
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

}  // namespace json
}  // namespace scriptlet
