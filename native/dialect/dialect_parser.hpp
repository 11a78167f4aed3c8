// Walks a chunk's Lua grammar (Lua 5.1 plus LuaJIT's goto and labels) over
// the lexer's tokens, to find the operands of Momentum's operators, and
// records the edits that turn each into a call: "a & b" becomes
// " (__scriptlet_band(a , b))" and "~a" becomes " (__scriptlet_bnot(a))"
// (see momentum_dialect.hpp). The precedence, lowest first:
//   or < and < comparison < | < ^^ < & < << >> < .. < + - < * / % \ <
//   unary (not # - ~) < ^
// .. and ^ are right associative, the others left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lua_lexer.hpp"

namespace scriptlet {
namespace dialect {

// Text put at pos. At one position, closing parentheses come first, then
// the openings (the outer call before the inner), then a replacement of
// the token that starts there (len bytes of it).
struct Edit {
  enum Rank : uint8_t { Close = 0, Open = 1, Replace = 2 };
  uint32_t pos;
  Rank rank;
  uint32_t seq;  // order of creation: inner nodes before outer ones
  uint32_t len;  // bytes replaced (Replace only)
  const char* text;  // Open: the runtime function ("band"); else the text put there
};

// Where the walk stopped, if it did: at a token the grammar does not allow
// there. dialect: the problem is one of Momentum's operators (message says
// which); otherwise Lua's own parser reports the error.
struct ParseStop {
  bool stopped = false;
  bool dialect = false;
  uint32_t line = 0;
  std::string message;
};

// Fills edits for every dialect operator before the stop, if any.
void findDialectEdits(const std::vector<Token>& tokens, const char* source, std::vector<Edit>* edits,
                      ParseStop* stop);

}  // namespace dialect
}  // namespace scriptlet
