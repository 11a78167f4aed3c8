// Context keys by number. A policy writes the same few context keys on
// every message; made into JS strings afresh, each would be hashed and
// interned by V8 again (about 100 ns a key). So each key crosses once, and
// verdicts name it by its id: the TypeScript side keeps the strings in an
// array, in id order (src/engine/verdict.ts).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace scriptlet {

class ContextKeyTable {
 public:
  // A key is named by one UTF-16 unit, U+0080 + id: with under 128 keys and
  // ASCII values the batch text stays Latin-1, which V8 takes as a copy.
  // Below the surrogates, so any id is one unit.
  static constexpr int32_t kMaxKeys = 0xD800 - 0x80;
  static constexpr char16_t kFirstUnit = 0x80;

  // The id of key, numbering it (and noting it in fresh) if it is new; -1
  // when the table is full.
  int32_t idFor(const std::string& key, std::vector<std::string>& fresh) {
    auto it = ids_.find(key);
    if (it != ids_.end()) return it->second;
    if (static_cast<int32_t>(ids_.size()) >= kMaxKeys) return -1;
    int32_t id = static_cast<int32_t>(ids_.size());
    ids_.emplace(key, id);
    fresh.push_back(key);
    return id;
  }

  static char16_t unitFor(int32_t id) { return static_cast<char16_t>(kFirstUnit + id); }

 private:
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace scriptlet
