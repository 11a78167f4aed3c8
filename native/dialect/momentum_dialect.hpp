// Momentum's Lua dialect (its patched Lua 5.1) turned into plain Lua before
// either engine compiles it: "!=" is "~=", and the operators & | ^^ << >>
// (binary), ~ (unary) and \ (integer division) become calls to the
// functions of one read-only global, kDialectRuntime, taken into locals
// (__scriptlet_band, ...) at the chunk's start (so a local named bit,
// module() or a changed environment later do not change what they call).
// Strings, comments and a first "#" line are never touched, and no line
// break is added or removed, so line numbers hold; columns hold for "!=".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace scriptlet {

constexpr const char* kDialectRuntime = "__scriptlet_dialect";

enum class DialectResult { Unchanged, Rewritten, Error };

struct DialectError {
  uint32_t line = 0;
  std::string message;  // without a position ("operator '&' has no operand after it")
};

// Unchanged: the source has no dialect operator outside strings and
// comments (out is not touched; compile the original bytes). Rewritten:
// out holds plain Lua. Error: a dialect operator where none can be.
// A syntax error of plain Lua is left for the engine to report: out then
// holds the source rewritten up to it.
DialectResult rewriteMomentumDialect(const char* source, size_t len, std::string* out, DialectError* error);

}  // namespace scriptlet
