// msys.pcre and the PCRE2 matching the msg:*_match/*_replace methods share
// (lua_pcre.cpp). Every function compiles its pattern through the master's
// PatternCache, found in the registry, so a hot pattern compiles once.
//
// Shapes, used alike by msys.pcre.match, msg:body_match and msg:raw_match:
//   a match: { [0] = whole match, [1..n] = groups (false when a group did
//            not take part), [name] = each named group }
//   bad pattern (or replacement): nil, "at offset N: text", PCRE2 error number
//   a match or depth limit hit: a Lua error "<fname>: pattern exceeded the
//            match limit" (never a stall: the limits bound the C code the
//            instruction hook cannot interrupt)
#pragma once

#include <cstddef>

#include "util/lua_headers.hpp"

namespace scriptlet {

class PatternCache;

// [-0, +0] msys.pcre (also package.loaded["msys.pcre"]) on the msys global,
// and cache in L's registry for the functions below. Call after installMsys.
void installPcre(lua_State* L, PatternCache* cache);

// [-0, +0] The cache installPcre gave L (or any thread of its state).
PatternCache* pcreCacheOf(lua_State* L);

// [-0, +1|3] Every non-overlapping match of the pattern (string at
// patternIndex) in subject: pushes an array of match tables, or false when
// there is none; nil, errstr, errnum when the pattern does not compile.
// Returns how many values it pushed. fname names the Lua function in errors
// ("msg:text_match"). For the MIME part methods (text_match) too.
int pushPcreMatches(lua_State* L, const char* subject, size_t len, int patternIndex, const char* fname);

// [-0, +0|3] Every match of the pattern (at patternIndex) in subject
// replaced by the replacement (at replacementIndex; $1, ${name}, $$ and the
// rest of PCRE2_SUBSTITUTE_EXTENDED's syntax). Returns the number of
// replacements, >= 0, with *out/*outLen the whole new text (in the cache's
// scratch: valid until the next PCRE call on this state); or -3 after
// pushing nil, errstr, errnum for a pattern or replacement that is bad.
int pcreReplace(lua_State* L, const char* subject, size_t len, int patternIndex, int replacementIndex,
                const char* fname, const char** out, size_t* outLen);

}  // namespace scriptlet

namespace scriptlet {

// msg:body_match(pattern), msg:raw_match(pattern), msg:body_replace(pattern,
// replacement), msg:raw_replace(pattern, replacement) (lua_message_pcre.cpp),
// listed in lua_message.cpp's method table: closures over the RunningCall.
int msgBodyMatch(lua_State* L);
int msgRawMatch(lua_State* L);
int msgBodyReplace(lua_State* L);
int msgRawReplace(lua_State* L);

}  // namespace scriptlet
