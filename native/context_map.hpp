// A connection or message context: string keys to string values, small, kept
// in insertion order. Loaded lazily from the host on first access so that a
// policy that never touches a context costs nothing to cross the boundary.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace scriptlet {

class ContextMap {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;
  using Loader = std::function<void(Entries&)>;

  void setLoader(Loader loader) { loader_ = std::move(loader); loaded_ = false; }
  // Emptied for the next call. Strings too long for std::string's inline
  // buffer move to spare_ with their capacity, so that long keys and values
  // cost no heap work per call once warm. Bounded: the host's loader adds
  // entries of its own every call, which set() may never take back.
  void reset() {
    if (!entries_.empty()) recycle();
    if (loader_) loader_ = nullptr;
    loaded_ = true;
    dirty_ = false;
  }

  const std::string* get(const char* key, size_t len) {
    ensureLoaded();
    for (auto& e : entries_)
      if (e.first.size() == len && e.first.compare(0, len, key, len) == 0) return &e.second;
    return nullptr;
  }
  void set(const char* key, size_t klen, const char* value, size_t vlen) {
    ensureLoaded();
    dirty_ = true;
    for (auto& e : entries_)
      if (e.first.size() == klen && e.first.compare(0, klen, key, klen) == 0) {
        e.second.assign(value, vlen);
        return;
      }
    entries_.emplace_back(take(key, klen), take(value, vlen));
  }
  bool erase(const char* key, size_t len) {
    ensureLoaded();
    for (auto it = entries_.begin(); it != entries_.end(); ++it)
      if (it->first.size() == len && it->first.compare(0, len, key, len) == 0) {
        entries_.erase(it);
        dirty_ = true;
        return true;
      }
    return false;
  }
  // True when the call changed the context: only then must it travel back.
  bool dirty() const { return dirty_; }
  const Entries& entries() { ensureLoaded(); return entries_; }

 private:
  __attribute__((noinline)) void recycle() {
    for (auto& e : entries_) {
      keep(e.first);
      keep(e.second);
    }
    entries_.clear();
  }
  void keep(std::string& s) {
    if (s.capacity() > kInline && spare_.size() < kMaxSpare) spare_.push_back(std::move(s));
  }
  std::string take(const char* s, size_t n) {
    if (n <= kInline || spare_.empty()) return std::string(s, n);
    std::string out = std::move(spare_.back());
    spare_.pop_back();
    out.assign(s, n);
    return out;
  }
  void ensureLoaded() {
    if (loaded_) return;
    loaded_ = true;
    if (loader_) loader_(entries_);
  }
  Entries entries_;
  static constexpr size_t kMaxSpare = 32;
  static inline const size_t kInline = std::string().capacity();
  std::vector<std::string> spare_;  // long strings of emptied entries, with their capacity
  Loader loader_;
  bool loaded_ = true;
  bool dirty_ = false;
};

}  // namespace scriptlet
