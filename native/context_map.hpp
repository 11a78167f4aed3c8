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
  void reset() { entries_.clear(); loader_ = nullptr; loaded_ = true; dirty_ = false; }

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
    entries_.emplace_back(std::string(key, klen), std::string(value, vlen));
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
  void ensureLoaded() {
    if (loaded_) return;
    loaded_ = true;
    if (loader_) loader_(entries_);
  }
  Entries entries_;
  Loader loader_;
  bool loaded_ = true;
  bool dirty_ = false;
};

}  // namespace scriptlet
