// A Lua 5.1 / LuaJIT lexer that also knows the tokens of Momentum's dialect
// (!=, &, |, ^^, <<, >>, unary ~, \). It only finds where tokens start and
// end and on which line, as Lua counts lines; it never interprets a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace scriptlet {
namespace dialect {

enum class Tok : uint8_t {
  Eof, Name, Number, String, Other,
  // keywords
  // (not goto: a name on Lua 5.1, a keyword on LuaJIT; the walker tells)
  And, Break, Do, Else, Elseif, End, False, For, Function, If, In, Local, Nil, Not, Or, Repeat, Return,
  Then, True, Until, While,
  // symbols
  Plus, Minus, Star, Slash, Percent, Caret, Hash, Eq, Ne, Le, Ge, Lt, Gt, Assign, LParen, RParen, LBrace,
  RBrace, LBracket, RBracket, Semi, Colon, DoubleColon, Comma, Dot, Concat, Dots,
  // Momentum's dialect (Ne also comes as "!=")
  BitAnd, BitOr, BitXor, Shl, Shr, BitNot, IntDiv,
};

struct Token {
  Tok kind;
  uint32_t start;  // byte offsets in the source
  uint32_t end;
  uint32_t line;   // 1-based, as Lua counts them
};

// Where a long bracket "[==[" at i ends (the index after its last '['), and
// its level; false when s[i] does not open one.
bool openLongBracket(const char* s, size_t n, size_t i, size_t* after, int* level);
// The index after the "]==]" of that level closing a long bracket whose
// body starts at i (n when unfinished); adds the line breaks it crosses.
size_t skipLongBracketBody(const char* s, size_t n, size_t i, int level, uint32_t* line);
// The index after a quoted string whose opening quote is at i (at the
// unescaped line break, or n, when it is unfinished).
size_t skipQuoted(const char* s, size_t n, size_t i, uint32_t* line);
// A line break at i ("\n", "\r", "\r\n" or "\n\r"): the index after it.
size_t skipLineBreak(const char* s, size_t n, size_t i);

// Every token of the source, ending with one Eof token. Comments and
// white space are skipped.
std::vector<Token> tokenize(const char* s, size_t n);

// The token's spelling for messages ("&", "<<", "end").
const char* tokenSpelling(Tok kind);

}  // namespace dialect
}  // namespace scriptlet
