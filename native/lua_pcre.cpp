// msys.pcre.* — match, replace and split on PCRE2 with its JIT. Patterns are
// bare PCRE (no /.../), options go inline ("(?i)"), subjects are bytes:
// a pattern is in UTF-8 mode only when it starts with (*UTF), and then an
// invalid UTF-8 subject still matches where it is valid (see pattern_cache).
#include "lua_pcre.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "pcre/pattern_cache.hpp"

namespace scriptlet {

namespace {

const char kCacheKey = 0;  // its address keys the cache in the registry

// [-0, +0] The string at idx, or raises "<fname>: <what> must be a string".
// Numbers are taken, as by every Lua string function.
const char* checkText(lua_State* L, int idx, const char* fname, const char* what, size_t* len) {
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER)
    luaL_error(L, "%s: %s must be a string, got %s", fname, what, lua_typename(L, t));
  return lua_tolstring(L, idx, len);
}

// Raises for a match that could not finish. Called with no C++ object alive
// in the caller's frame: the error longjmps on LuaJIT.
int raiseMatchError(lua_State* L, const char* fname, int rc) {
  switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
      return luaL_error(L, "%s: pattern exceeded the match limit", fname);
    case PCRE2_ERROR_DEPTHLIMIT:
      return luaL_error(L, "%s: pattern exceeded the depth limit", fname);
    case PCRE2_ERROR_HEAPLIMIT:
      return luaL_error(L, "%s: pattern exceeded the heap limit", fname);
    case PCRE2_ERROR_JIT_STACKLIMIT:
      return luaL_error(L, "%s: pattern exceeded the JIT stack limit", fname);
    default: {
      PCRE2_UCHAR buf[160];
      if (pcre2_get_error_message(rc, buf, sizeof buf) < 0) buf[0] = 0;
      return luaL_error(L, "%s: match failed: %s (%d)", fname, reinterpret_cast<const char*>(buf), rc);
    }
  }
}

// [-0, +3] nil, errstr, errnum; returns 3.
int pushCompileError(lua_State* L, const std::string& errstr, int errnum) {
  lua_pushnil(L);
  lua_pushlstring(L, errstr.data(), errstr.size());
  lua_pushinteger(L, errnum);
  return 3;
}

// The compiled pattern at patternIndex, or null after pushing nil, errstr,
// errnum (the error text lives only inside this function).
CompiledPattern* patternAt(lua_State* L, int patternIndex, const char* fname) {
  size_t len;
  const char* text = checkText(L, patternIndex, fname, "pattern", &len);
  int errnum = 0;
  std::string errstr;
  CompiledPattern* p = pcreCacheOf(L)->get(text, len, &errnum, &errstr);
  if (!p) pushCompileError(L, errstr, errnum);
  return p;
}

// [-0, +1] The match in p's match data as { [0], [1..n], [name] }.
void pushMatchTable(lua_State* L, const CompiledPattern* p, const char* subject) {
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(p->matchData);
  lua_createtable(L, static_cast<int>(p->captureCount), static_cast<int>(p->nameCount) + 1);
  for (uint32_t i = 0; i <= p->captureCount; i++) {
    if (ov[2 * i] == PCRE2_UNSET)
      lua_pushboolean(L, 0);
    else
      lua_pushlstring(L, subject + ov[2 * i], ov[2 * i + 1] - ov[2 * i]);
    lua_rawseti(L, -2, static_cast<int>(i));
  }
  for (uint32_t j = 0; j < p->nameCount; j++) {
    PCRE2_SPTR entry = p->nameTable + j * p->nameEntrySize;
    int group = (entry[0] << 8) | entry[1];
    const char* name = reinterpret_cast<const char*>(entry + 2);
    // With (?J) a name may name several groups: the first that is set wins.
    lua_getfield(L, -1, name);
    bool taken = lua_isstring(L, -1);
    lua_pop(L, 1);
    if (taken) continue;
    lua_rawgeti(L, -1, group);
    lua_setfield(L, -2, name);
  }
}

// One pcre2_match from start; rc as pcre2_match returns it.
int matchAt(const CompiledPattern* p, PatternCache* cache, const char* subject, size_t len, size_t start,
            uint32_t options) {
  return pcre2_match(p->code, reinterpret_cast<PCRE2_SPTR>(subject), len, start, options, p->matchData,
                     cache->matchContext());
}

// Where the search goes on after a match [s, e): at e, but an empty match
// must not be found again at the same place (Perl's rule: PCRE2_NOTEMPTY_ATSTART).
uint32_t optionsAfter(const PCRE2_SIZE* ov) { return ov[0] == ov[1] ? PCRE2_NOTEMPTY_ATSTART : 0; }

// msys.pcre.match(subject, pattern) -> the first match, or nil; nil,
// errstr, errnum when the pattern does not compile.
int pcreMatch(lua_State* L) {
  size_t len;
  const char* subject = checkText(L, 1, "msys.pcre.match", "subject", &len);
  CompiledPattern* p = patternAt(L, 2, "msys.pcre.match");
  if (!p) return 3;
  int rc = matchAt(p, pcreCacheOf(L), subject, len, 0, 0);
  if (rc == PCRE2_ERROR_NOMATCH) {
    lua_pushnil(L);
    return 1;
  }
  if (rc < 0) return raiseMatchError(L, "msys.pcre.match", rc);
  pushMatchTable(L, p, subject);
  return 1;
}

// msys.pcre.replace(subject, pattern, replacement) -> the new string (the
// subject itself when nothing matched); nil, errstr, errnum.
int pcreReplaceAll(lua_State* L) {
  size_t len;
  const char* subject = checkText(L, 1, "msys.pcre.replace", "subject", &len);
  const char* out;
  size_t outLen;
  int n = pcreReplace(L, subject, len, 2, 3, "msys.pcre.replace", &out, &outLen);
  if (n < 0) return -n;
  if (n == 0)
    lua_pushvalue(L, 1);  // no copy of an unchanged subject
  else
    lua_pushlstring(L, out, outLen);
  return 1;
}

// msys.pcre.split(subject, pattern) -> { piece, ... } (1-based): the text
// between matches, as JavaScript's String.prototype.split with a RegExp
// (an empty match does not split at the subject's start or right after
// the previous separator; the groups of the pattern are not kept).
int pcreSplit(lua_State* L) {
  size_t len;
  const char* subject = checkText(L, 1, "msys.pcre.split", "subject", &len);
  CompiledPattern* p = patternAt(L, 2, "msys.pcre.split");
  if (!p) return 3;
  PatternCache* cache = pcreCacheOf(L);
  lua_newtable(L);
  int count = 0;
  size_t pieceStart = 0, from = 0;
  uint32_t options = 0;
  while (from < len) {
    int rc = matchAt(p, cache, subject, len, from, options);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) return raiseMatchError(L, "msys.pcre.split", rc);
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(p->matchData);
    if (ov[0] >= len) break;  // a separator at the very end splits nothing off
    if (ov[1] <= pieceStart || ov[1] < ov[0]) {  // empty, where the piece starts (or \K trickery)
      from = ov[0] + 1;
      // In (*UTF) mode the search must start on a character.
      while (p->utf && from < len && (static_cast<unsigned char>(subject[from]) & 0xC0) == 0x80) from++;
      options = 0;
      continue;
    }
    lua_pushlstring(L, subject + pieceStart, ov[0] - pieceStart);
    lua_rawseti(L, -2, ++count);
    pieceStart = from = ov[1];
    options = optionsAfter(ov);
  }
  lua_pushlstring(L, subject + pieceStart, len - pieceStart);
  lua_rawseti(L, -2, ++count);
  return 1;
}

const luaL_Reg kPcreFunctions[] = {
    {"match", pcreMatch},
    {"replace", pcreReplaceAll},
    {"split", pcreSplit},
    {nullptr, nullptr},
};

}  // namespace

PatternCache* pcreCacheOf(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kCacheKey));
  lua_rawget(L, LUA_REGISTRYINDEX);
  PatternCache* cache = static_cast<PatternCache*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return cache;
}

int pushPcreMatches(lua_State* L, const char* subject, size_t len, int patternIndex, const char* fname) {
  CompiledPattern* p = patternAt(L, patternIndex, fname);
  if (!p) return 3;
  PatternCache* cache = pcreCacheOf(L);
  int count = 0;
  size_t from = 0;
  uint32_t options = 0;
  while (from <= len) {
    int rc = matchAt(p, cache, subject, len, from, options);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      if (count > 0) lua_pop(L, 1);
      return raiseMatchError(L, fname, rc);
    }
    if (count == 0) lua_newtable(L);
    pushMatchTable(L, p, subject);
    lua_rawseti(L, -2, ++count);
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(p->matchData);
    if (ov[1] < ov[0]) break;  // \K in a lookahead: no way forward
    from = ov[1];
    options = optionsAfter(ov);
  }
  if (count == 0) lua_pushboolean(L, 0);
  return 1;
}

int pcreReplace(lua_State* L, const char* subject, size_t len, int patternIndex, int replacementIndex,
                const char* fname, const char** out, size_t* outLen) {
  size_t repLen;
  const char* replacement = checkText(L, replacementIndex, fname, "replacement", &repLen);
  CompiledPattern* p = patternAt(L, patternIndex, fname);
  if (!p) return -3;
  PatternCache* cache = pcreCacheOf(L);
  std::vector<PCRE2_UCHAR>& buf = cache->scratch();
  // Sized for the subject and some growth, then once more to the length
  // PCRE2 reports when that was short.
  if (buf.size() < len + len / 8 + 64) buf.resize(len + len / 8 + 64);
  const uint32_t options = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_EXTENDED | PCRE2_SUBSTITUTE_UNSET_EMPTY |
                           PCRE2_SUBSTITUTE_OVERFLOW_LENGTH;
  int rc;
  PCRE2_SIZE size;
  for (int attempt = 0; attempt < 2; attempt++) {
    size = buf.size();
    rc = pcre2_substitute(p->code, reinterpret_cast<PCRE2_SPTR>(subject), len, 0, options, p->matchData,
                          cache->matchContext(), reinterpret_cast<PCRE2_SPTR>(replacement), repLen, buf.data(),
                          &size);
    if (rc != PCRE2_ERROR_NOMEMORY) break;
    buf.resize(size);
  }
  if (rc >= 0) {
    *out = reinterpret_cast<const char*>(buf.data());
    *outLen = size;
    return rc;
  }
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
      rc == PCRE2_ERROR_JIT_STACKLIMIT || rc == PCRE2_ERROR_NOMEMORY)
    return raiseMatchError(L, fname, rc);
  // Anything else is the replacement's fault (a bad escape, an unknown
  // group): reported like a pattern that does not compile.
  std::string errstr = "replacement at offset " + std::to_string(size) + ": " + pcreErrorText(rc);
  pushCompileError(L, errstr, rc);
  return -3;
}

void installPcre(lua_State* L, PatternCache* cache) {
  lua_pushlightuserdata(L, const_cast<char*>(&kCacheKey));
  lua_pushlightuserdata(L, cache);
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_getglobal(L, "msys");
  lua_newtable(L);
  for (const luaL_Reg* f = kPcreFunctions; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "msys.pcre");
  lua_pop(L, 2);
  lua_setfield(L, -2, "pcre");
  lua_pop(L, 1);
}

}  // namespace scriptlet
