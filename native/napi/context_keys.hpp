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
  // Ids fit one UTF-16 unit of the Private Use Area: U+E000 + id.
  static constexpr int32_t kMaxKeys = 6400;
  static constexpr uint32_t kFirstCodePoint = 0xE000;

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

  // Appends the UTF-8 form of the code point naming id.
  static void appendId(std::string& out, int32_t id) {
    uint32_t cp = kFirstCodePoint + static_cast<uint32_t>(id);
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }

 private:
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace scriptlet
