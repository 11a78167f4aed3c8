// The compiled PCRE2 patterns of one master Lua state, JIT-compiled once and
// kept with their match data, so that a pattern a policy uses on every
// message costs one hash lookup per call and no allocation. Bounded: the
// least recently used pattern goes when a new one would exceed the capacity.
// Owned by its MasterState, used by one OS thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <pcre2.h>

namespace scriptlet {

// The limits that bound one match, so that a catastrophic pattern such as
// "(a+)+$" ends with an error instead of stalling the worker: the Lua
// instruction hook cannot interrupt C code.
struct PcreLimits {
  uint32_t matchLimit = 10000000;  // backtracks (interpreter) or JIT steps: PCRE2's own default
  uint32_t depthLimit = 100000;    // backtracking depth (interpreter only)
  uint32_t heapLimitKib = 65536;   // the interpreter's frame vector: 64 MiB
  size_t jitStackBytes = 1 << 20;  // the JIT's own stack, made once per cache
};

struct CompiledPattern {
  std::string source;  // the pattern text: the cache's key points into it
  pcre2_code* code = nullptr;
  pcre2_match_data* matchData = nullptr;  // sized for this pattern, reused
  uint32_t captureCount = 0;
  uint32_t nameCount = 0, nameEntrySize = 0;
  PCRE2_SPTR nameTable = nullptr;  // in code: [2-byte group number][name\0]...
  bool utf = false;                // the pattern asked for (*UTF)
  bool jit = false;                // JIT-compiled (else the interpreter matches)
  uint64_t lastUse = 0;
};

class PatternCache {
 public:
  static constexpr size_t kDefaultCapacity = 256;

  explicit PatternCache(size_t capacity = kDefaultCapacity, const PcreLimits& limits = PcreLimits());
  ~PatternCache();
  PatternCache(const PatternCache&) = delete;
  PatternCache& operator=(const PatternCache&) = delete;

  // The compiled pattern, compiled (and JIT-compiled) on a miss. Null when
  // it does not compile: *errnum is PCRE2's error code and errstr its text
  // with the offset ("at offset 3: missing closing parenthesis").
  CompiledPattern* get(const char* pattern, size_t len, int* errnum, std::string* errstr);

  // The match context every match uses: the limits and the JIT stack
  // (valid once get() has returned a pattern).
  pcre2_match_context* matchContext() const { return matchContext_; }
  // A buffer for pcre2_substitute's output and other work, kept with its
  // capacity from call to call.
  std::vector<PCRE2_UCHAR>& scratch() { return scratch_; }
  std::string& messageScratch() { return messageScratch_; }

  uint64_t compiles() const { return compiles_; }
  size_t size() const { return byText_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  void ensureContexts();
  void evictLeastRecentlyUsed();
  static void release(CompiledPattern* p);

  size_t capacity_;
  PcreLimits limits_;
  std::unordered_map<std::string_view, std::unique_ptr<CompiledPattern>> byText_;
  pcre2_compile_context* compileContext_ = nullptr;
  pcre2_match_context* matchContext_ = nullptr;
  pcre2_jit_stack* jitStack_ = nullptr;
  std::vector<PCRE2_UCHAR> scratch_;
  std::string messageScratch_;
  uint64_t clock_ = 0;
  uint64_t compiles_ = 0;
};

// PCRE2's text for an error code (match or compile), e.g. "match limit exceeded".
std::string pcreErrorText(int errnum);

}  // namespace scriptlet
