#include "pattern_cache.hpp"

#include <new>

namespace scriptlet {

std::string pcreErrorText(int errnum) {
  PCRE2_UCHAR buf[256];
  int n = pcre2_get_error_message(errnum, buf, sizeof buf);
  if (n < 0) return "PCRE2 error " + std::to_string(errnum);
  return std::string(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

PatternCache::PatternCache(size_t capacity, const PcreLimits& limits)
    : capacity_(capacity ? capacity : 1), limits_(limits) {}

// The contexts and the JIT stack are made on the first pattern, so that a
// master whose scripts never use PCRE pays nothing for it.
void PatternCache::ensureContexts() {
  if (matchContext_) return;
  compileContext_ = pcre2_compile_context_create(nullptr);
  pcre2_match_context* match = pcre2_match_context_create(nullptr);
  jitStack_ = pcre2_jit_stack_create(32 * 1024, limits_.jitStackBytes, nullptr);
  if (!compileContext_ || !match || !jitStack_) {
    pcre2_jit_stack_free(jitStack_);
    pcre2_match_context_free(match);
    pcre2_compile_context_free(compileContext_);
    jitStack_ = nullptr;
    compileContext_ = nullptr;
    throw std::bad_alloc();
  }
  // A pattern's own (*LIMIT_MATCH=...) may lower these, never raise them.
  pcre2_set_match_limit(match, limits_.matchLimit);
  pcre2_set_depth_limit(match, limits_.depthLimit);
  pcre2_set_heap_limit(match, limits_.heapLimitKib);
  pcre2_jit_stack_assign(match, nullptr, jitStack_);
  matchContext_ = match;
  byText_.reserve(capacity_);
}

PatternCache::~PatternCache() {
  for (auto& entry : byText_) release(entry.second.get());
  pcre2_jit_stack_free(jitStack_);
  pcre2_match_context_free(matchContext_);
  pcre2_compile_context_free(compileContext_);
}

void PatternCache::release(CompiledPattern* p) {
  pcre2_match_data_free(p->matchData);
  pcre2_code_free(p->code);
  p->matchData = nullptr;
  p->code = nullptr;
}

void PatternCache::evictLeastRecentlyUsed() {
  // A linear scan, only on a miss with a full cache: cheaper to keep than a
  // list threaded through every hit.
  auto oldest = byText_.begin();
  for (auto it = byText_.begin(); it != byText_.end(); ++it)
    if (it->second->lastUse < oldest->second->lastUse) oldest = it;
  std::unique_ptr<CompiledPattern> gone = std::move(oldest->second);
  byText_.erase(oldest);
  release(gone.get());
}

CompiledPattern* PatternCache::get(const char* pattern, size_t len, int* errnum, std::string* errstr) {
  ensureContexts();
  auto hit = byText_.find(std::string_view(pattern, len));
  if (hit != byText_.end()) {
    hit->second->lastUse = ++clock_;
    return hit->second.get();
  }

  int code;
  PCRE2_SIZE offset;
  PCRE2_SPTR text = reinterpret_cast<PCRE2_SPTR>(pattern);
  pcre2_code* compiled = pcre2_compile(text, len, 0, &code, &offset, compileContext_);
  if (compiled) {
    uint32_t options = 0;
    pcre2_pattern_info(compiled, PCRE2_INFO_ALLOPTIONS, &options);
    if (options & PCRE2_UTF) {
      // A pattern that asks for (*UTF) matches subjects that are not valid
      // UTF-8 too (mail often is not): invalid sequences never match.
      pcre2_code_free(compiled);
      compiled = pcre2_compile(text, len, PCRE2_MATCH_INVALID_UTF, &code, &offset, compileContext_);
    }
  }
  if (!compiled) {
    *errnum = code;
    *errstr = "at offset " + std::to_string(offset) + ": " + pcreErrorText(code);
    return nullptr;
  }
  compiles_++;

  auto entry = std::make_unique<CompiledPattern>();
  entry->source.assign(pattern, len);
  entry->code = compiled;
  // Not every pattern can be JIT-compiled (or the JIT may be unavailable on
  // this CPU): those are matched by the interpreter, under the same limits.
  entry->jit = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE) == 0;
  entry->matchData = pcre2_match_data_create_from_pattern(compiled, nullptr);
  if (!entry->matchData) {
    pcre2_code_free(compiled);
    throw std::bad_alloc();
  }
  uint32_t options = 0;
  pcre2_pattern_info(compiled, PCRE2_INFO_ALLOPTIONS, &options);
  entry->utf = (options & PCRE2_UTF) != 0;
  pcre2_pattern_info(compiled, PCRE2_INFO_CAPTURECOUNT, &entry->captureCount);
  pcre2_pattern_info(compiled, PCRE2_INFO_NAMECOUNT, &entry->nameCount);
  pcre2_pattern_info(compiled, PCRE2_INFO_NAMEENTRYSIZE, &entry->nameEntrySize);
  pcre2_pattern_info(compiled, PCRE2_INFO_NAMETABLE, &entry->nameTable);
  entry->lastUse = ++clock_;

  if (byText_.size() >= capacity_) evictLeastRecentlyUsed();
  CompiledPattern* p = entry.get();
  byText_.emplace(std::string_view(p->source), std::move(entry));
  return p;
}

}  // namespace scriptlet
