#include "momentum_dialect.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "byte_classes.hpp"
#include "dialect_parser.hpp"
#include "lua_lexer.hpp"

namespace scriptlet {

namespace {

using dialect::Edit;

// Before each call: a space, so that "return~x" does not glue into a name,
// and a parenthesis, so that "return a \\ b" is not a tail call (an error
// in the call then has the script's line).
constexpr const char* kCallPrefix = " (__scriptlet_";
constexpr const char* kRuntimeFunctions[] = {"band", "bor", "bxor", "lshift", "rshift", "bnot", "idiv"};

// "local __scriptlet_band, __scriptlet_bor = __scriptlet_dialect.band,
// __scriptlet_dialect.bor; ": the functions used, read once per chunk into
// locals (an upvalue is the cheapest call on both engines).
void appendLocals(const std::vector<Edit>& edits, std::string* out) {
  std::string names, values;
  for (const char* fn : kRuntimeFunctions) {
    bool used = false;
    for (const Edit& e : edits) used = used || (e.rank == Edit::Open && std::strcmp(e.text, fn) == 0);
    if (!used) continue;
    names += names.empty() ? "local __scriptlet_" : ", __scriptlet_";
    names += fn;
    values += values.empty() ? " = " : ", ";
    values += std::string(kDialectRuntime) + "." + fn;
  }
  if (!names.empty()) *out += names + values + "; ";
}

// Where the line that i is on ends (at its "\n" or "\r", or n).
size_t lineEnd(const char* s, size_t n, size_t i) {
  const void* lf = std::memchr(s + i, '\n', n - i);
  size_t end = lf ? static_cast<const char*>(lf) - s : n;
  const void* cr = std::memchr(s + i, '\r', end - i);
  return cr ? static_cast<const char*>(cr) - s : end;
}

struct ScanResult {
  bool operators = false;           // anything but "!="
  std::vector<uint32_t> notEquals;  // where each "!=" starts
};

// One pass over the source, skipping strings and comments; stops at the
// first operator that needs the full rewrite.
void scan(const char* s, size_t n, ScanResult* result) {
  uint32_t line = 0;  // not needed here
  size_t i = 0;
  while (i < n) {
    while (i + 8 <= n && !dialect::anyMarked(dialect::kDialectBytes, s + i)) i += 8;
    while (i < n && !dialect::kDialectBytes.marked[static_cast<unsigned char>(s[i])]) i++;
    if (i >= n) break;
    unsigned char c = s[i];
    char d = i + 1 < n ? s[i + 1] : '\0';
    size_t after;
    int level;
    switch (c) {
      case '"':
      case '\'':
        i = dialect::skipQuoted(s, n, i, &line);
        continue;
      case '[':
        i = dialect::openLongBracket(s, n, i, &after, &level) ? dialect::skipLongBracketBody(s, n, after, level, &line)
                                                             : i + 1;
        continue;
      case '-':
        if (d != '-') {
          i++;
        } else if (dialect::openLongBracket(s, n, i + 2, &after, &level)) {
          i = dialect::skipLongBracketBody(s, n, after, level, &line);
        } else {
          i = lineEnd(s, n, i + 2);
        }
        continue;
      case '!':
        if (d == '=') result->notEquals.push_back(static_cast<uint32_t>(i));
        i++;
        continue;
      case '^':
      case '<':
      case '>':
        if (d == c) {
          result->operators = true;
          return;
        }
        i++;
        continue;
      case '~':
        if (d == '=') {
          i += 2;
          continue;
        }
        result->operators = true;
        return;
      default:  // & | backslash
        result->operators = true;
        return;
    }
  }
}

bool editBefore(const Edit& a, const Edit& b) {
  if (a.pos != b.pos) return a.pos < b.pos;
  if (a.rank != b.rank) return a.rank < b.rank;
  // Closing: inner (made first) first. Opening: outer (made last) first.
  return a.rank == Edit::Open ? a.seq > b.seq : a.seq < b.seq;
}

void applyEdits(const char* s, size_t n, std::vector<Edit>& edits, std::string* out) {
  std::sort(edits.begin(), edits.end(), editBefore);
  out->clear();
  out->reserve(n + edits.size() * 16 + 256);
  appendLocals(edits, out);
  size_t cursor = 0;
  for (const Edit& e : edits) {
    if (e.pos > cursor) {
      out->append(s + cursor, e.pos - cursor);
      cursor = e.pos;
    }
    if (e.rank == Edit::Open) out->append(kCallPrefix);
    out->append(e.text);
    if (e.rank == Edit::Open) out->push_back('(');
    if (e.rank == Edit::Replace) cursor = e.pos + e.len;
  }
  out->append(s + cursor, n - cursor);
}

DialectResult fullRewrite(const char* s, size_t n, std::string* out, DialectError* error) {
  std::vector<dialect::Token> tokens = dialect::tokenize(s, n);
  std::vector<Edit> edits;
  uint32_t seq = 0;
  for (const dialect::Token& t : tokens)
    if (t.kind == dialect::Tok::Ne && s[t.start] == '!') edits.push_back(Edit{t.start, Edit::Replace, seq++, 2, "~="});
  size_t notEquals = edits.size();
  dialect::ParseStop stop;
  dialect::findDialectEdits(tokens, s, &edits, &stop);
  if (stop.dialect) {
    error->line = stop.line;
    error->message = stop.message;
    return DialectResult::Error;
  }
  // The walker numbers its edits from 0: keep the "!=" ones apart.
  for (size_t i = notEquals; i < edits.size(); i++) edits[i].seq += seq;
  applyEdits(s, n, edits, out);
  return DialectResult::Rewritten;
}

}  // namespace

DialectResult rewriteMomentumDialect(const char* source, size_t len, std::string* out, DialectError* error) {
  if (len >= UINT32_MAX) return DialectResult::Unchanged;  // token offsets are 32-bit; Lua reports any operator
  try {
    ScanResult found;
    scan(source, len, &found);
    if (found.operators) return fullRewrite(source, len, out, error);
    if (found.notEquals.empty()) return DialectResult::Unchanged;
    out->assign(source, len);
    for (uint32_t at : found.notEquals) (*out)[at] = '~';
    return DialectResult::Rewritten;
  } catch (const std::bad_alloc&) {
    error->line = 1;
    error->message = "not enough memory to rewrite Momentum's operators";
    return DialectResult::Error;
  }
}

}  // namespace scriptlet
