#include "lua_lexer.hpp"

#include <cstring>

#include "byte_classes.hpp"

namespace scriptlet {
namespace dialect {

namespace {

bool isNameStart(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool isNameChar(unsigned char c) { return isNameStart(c) || isDigit(c); }

struct Keyword {
  const char* word;
  Tok kind;
};

constexpr Keyword kKeywords[] = {
    {"and", Tok::And},       {"break", Tok::Break},   {"do", Tok::Do},       {"else", Tok::Else},
    {"elseif", Tok::Elseif}, {"end", Tok::End},       {"false", Tok::False}, {"for", Tok::For},
    {"function", Tok::Function}, {"if", Tok::If},     {"in", Tok::In},
    {"local", Tok::Local},   {"nil", Tok::Nil},       {"not", Tok::Not},     {"or", Tok::Or},
    {"repeat", Tok::Repeat}, {"return", Tok::Return}, {"then", Tok::Then},   {"true", Tok::True},
    {"until", Tok::Until},   {"while", Tok::While},
};

Tok nameKind(const char* s, size_t len) {
  if (len < 2 || len > 8 || s[0] < 'a' || s[0] > 'w') return Tok::Name;  // no keyword is shorter, longer or elsewhere
  for (const Keyword& k : kKeywords)
    if (k.word[0] == s[0] && std::strncmp(k.word, s, len) == 0 && k.word[len] == '\0') return k.kind;
  return Tok::Name;
}

// Lua's read_numeral, widened to LuaJIT's: digits, letters, '_' and '.',
// and a sign right after an exponent mark (e/E, or p/P in hex).
size_t skipNumber(const char* s, size_t n, size_t i) {
  bool hex = i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
  while (i < n) {
    unsigned char c = s[i];
    if (isNameChar(c) || c == '.') {
      i++;
      bool exponent = hex ? (c == 'p' || c == 'P') : (c == 'e' || c == 'E');
      if (exponent && i < n && (s[i] == '+' || s[i] == '-')) i++;
    } else {
      break;
    }
  }
  return i;
}

// The symbol at s[i]: its kind and length (longest match).
Tok symbolAt(const char* s, size_t n, size_t i, size_t* len) {
  char c = s[i];
  char d = i + 1 < n ? s[i + 1] : '\0';
  *len = 2;
  switch (c) {
    case '+': *len = 1; return Tok::Plus;
    case '-': *len = 1; return Tok::Minus;
    case '*': *len = 1; return Tok::Star;
    case '/': *len = 1; return Tok::Slash;
    case '%': *len = 1; return Tok::Percent;
    case '#': *len = 1; return Tok::Hash;
    case '(': *len = 1; return Tok::LParen;
    case ')': *len = 1; return Tok::RParen;
    case '{': *len = 1; return Tok::LBrace;
    case '}': *len = 1; return Tok::RBrace;
    case '[': *len = 1; return Tok::LBracket;
    case ']': *len = 1; return Tok::RBracket;
    case ';': *len = 1; return Tok::Semi;
    case ',': *len = 1; return Tok::Comma;
    case '&': *len = 1; return Tok::BitAnd;
    case '|': *len = 1; return Tok::BitOr;
    case '\\': *len = 1; return Tok::IntDiv;
    case '^':
      if (d == '^') return Tok::BitXor;
      *len = 1;
      return Tok::Caret;
    case '=':
      if (d == '=') return Tok::Eq;
      *len = 1;
      return Tok::Assign;
    case '~':
      if (d == '=') return Tok::Ne;
      *len = 1;
      return Tok::BitNot;
    case '!':
      if (d == '=') return Tok::Ne;
      *len = 1;
      return Tok::Other;
    case '<':
      if (d == '=') return Tok::Le;
      if (d == '<') return Tok::Shl;
      *len = 1;
      return Tok::Lt;
    case '>':
      if (d == '=') return Tok::Ge;
      if (d == '>') return Tok::Shr;
      *len = 1;
      return Tok::Gt;
    case ':':
      if (d == ':') return Tok::DoubleColon;
      *len = 1;
      return Tok::Colon;
    case '.':
      if (d == '.') {
        if (i + 2 < n && s[i + 2] == '.') {
          *len = 3;
          return Tok::Dots;
        }
        return Tok::Concat;
      }
      *len = 1;
      return Tok::Dot;
    default:
      *len = 1;
      return Tok::Other;
  }
}

}  // namespace

bool openLongBracket(const char* s, size_t n, size_t i, size_t* after, int* level) {
  if (i >= n || s[i] != '[') return false;
  size_t j = i + 1;
  while (j < n && s[j] == '=') j++;
  if (j >= n || s[j] != '[') return false;
  *level = static_cast<int>(j - i - 1);
  *after = j + 1;
  return true;
}

size_t skipLineBreak(const char* s, size_t n, size_t i) {
  char c = s[i++];
  if (i < n && (s[i] == '\n' || s[i] == '\r') && s[i] != c) i++;
  return i;
}

size_t skipLongBracketBody(const char* s, size_t n, size_t i, int level, uint32_t* line) {
  while (i < n) {
    char c = s[i];
    if (c == ']') {
      size_t j = i + 1;
      while (j < n && s[j] == '=') j++;
      if (j < n && s[j] == ']' && static_cast<int>(j - i - 1) == level) return j + 1;
      i = j;  // the '=' run cannot hold a ']' that closes
    } else if (c == '\n' || c == '\r') {
      i = skipLineBreak(s, n, i);
      ++*line;
    } else {
      i++;
    }
  }
  return n;
}

size_t skipQuoted(const char* s, size_t n, size_t i, uint32_t* line) {
  char quote = s[i++];
  while (i < n) {
    // Eight bytes at a time over what cannot end the string or escape.
    while (i + 8 <= n && !anyMarked(kStringBytes, s + i)) i += 8;
    if (i >= n) break;
    char c = s[i];
    if (c == quote) return i + 1;
    if (c == '\n' || c == '\r') return i;  // unfinished string: Lua reports it
    if (c == '\\' && i + 1 < n) {
      char e = s[i + 1];
      if (e == '\n' || e == '\r') {
        i = skipLineBreak(s, n, i + 1);
        ++*line;
        continue;
      }
      i += 2;
      continue;
    }
    i++;
  }
  return n;
}

std::vector<Token> tokenize(const char* s, size_t n) {
  std::vector<Token> out;
  out.reserve(n / 4 + 1);
  uint32_t line = 1;
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c == '\n' || c == '\r') {
      i = skipLineBreak(s, n, i);
      line++;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
      i++;
      continue;
    }
    uint32_t startLine = line;
    size_t start = i;
    Tok kind;
    size_t after;
    int level;
    if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      if (openLongBracket(s, n, i + 2, &after, &level)) {
        i = skipLongBracketBody(s, n, after, level, &line);
      } else {
        i += 2;
        while (i < n && s[i] != '\n' && s[i] != '\r') i++;
      }
      continue;
    }
    if (openLongBracket(s, n, i, &after, &level)) {
      i = skipLongBracketBody(s, n, after, level, &line);
      kind = Tok::String;
    } else if (c == '"' || c == '\'') {
      i = skipQuoted(s, n, i, &line);
      kind = Tok::String;
    } else if (isNameStart(c)) {
      while (i < n && isNameChar(static_cast<unsigned char>(s[i]))) i++;
      kind = nameKind(s + start, i - start);
    } else if (isDigit(c) || (c == '.' && i + 1 < n && isDigit(static_cast<unsigned char>(s[i + 1])))) {
      i = skipNumber(s, n, i);
      kind = Tok::Number;
    } else {
      size_t len;
      kind = symbolAt(s, n, i, &len);
      i += len;
    }
    out.push_back(Token{kind, static_cast<uint32_t>(start), static_cast<uint32_t>(i), startLine});
  }
  out.push_back(Token{Tok::Eof, static_cast<uint32_t>(n), static_cast<uint32_t>(n), line});
  return out;
}

const char* tokenSpelling(Tok kind) {
  switch (kind) {
    case Tok::BitAnd: return "&";
    case Tok::BitOr: return "|";
    case Tok::BitXor: return "^^";
    case Tok::Shl: return "<<";
    case Tok::Shr: return ">>";
    case Tok::BitNot: return "~";
    case Tok::IntDiv: return "\\";
    case Tok::Eof: return "<eof>";
    default: return "?";
  }
}

}  // namespace dialect
}  // namespace scriptlet
