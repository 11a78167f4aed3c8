// libFuzzer target: Momentum's dialect rewriter (native/dialect) on arbitrary
// bytes. It must never crash or read outside the source, and a rewrite must
// keep every line break (error line numbers depend on it). Build and run like
// scripts/fuzz.sh does the message parser:
//   clang++ -g -O1 -std=gnu++17 -fsanitize=fuzzer,address,undefined
//     -fno-sanitize-recover=undefined -Inative/dialect test/fuzz/dialect_rewriter_fuzzer.cpp
//     native/dialect/momentum_dialect.cpp native/dialect/dialect_parser.cpp
//     native/dialect/lua_lexer.cpp -o build/fuzz/dialect_rewriter_fuzzer
//   build/fuzz/dialect_rewriter_fuzzer -max_total_time=60 -max_len=8192
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "momentum_dialect.hpp"

namespace {

size_t lineBreaks(const char* s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) count += s[i] == '\n' || s[i] == '\r';
  return count;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* source = reinterpret_cast<const char*>(data);
  std::string out;
  scriptlet::DialectError error;
  switch (scriptlet::rewriteMomentumDialect(source, size, &out, &error)) {
    case scriptlet::DialectResult::Rewritten:
      if (lineBreaks(out.data(), out.size()) != lineBreaks(source, size)) std::abort();
      break;
    case scriptlet::DialectResult::Error:
      if (error.line < 1 || error.line > lineBreaks(source, size) + 1 || error.message.empty()) std::abort();
      break;
    case scriptlet::DialectResult::Unchanged:
      break;
  }
  return 0;
}
