// Context keys by number. A policy writes the same few context keys on
// every message; made into JS strings afresh, each would be hashed and
// interned by V8 again (about 100 ns a key). So each key crosses once, and
// verdicts name it by its id: the TypeScript side keeps the strings in an
// array, in id order (src/engine/verdict.ts).
//
// A table is also made for each packed batch (the pool's, whose keys travel
// with it), so it is cleared rather than remade, and keeps its memory: an
// open-addressed index of ids over the keys in id order, with no node per
// key to allocate.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scriptlet {

class ContextKeyTable {
 public:
  // A key is named by one UTF-16 unit, U+0080 + id: with under 128 keys and
  // ASCII values the batch text stays Latin-1, which V8 takes as a copy.
  // Below the surrogates, so any id is one unit.
  static constexpr int32_t kMaxKeys = 0xD800 - 0x80;
  static constexpr char16_t kFirstUnit = 0x80;

  // The id of key, numbering it (and noting it in fresh) if it is new and
  // valid(key); -1 when it is new and not valid, or the table is full.
  template <class Valid>
  int32_t idFor(const std::string& key, std::vector<std::string>& fresh, Valid&& valid) {
    size_t hash = std::hash<std::string_view>{}(key);
    if (slots_.empty()) slots_.assign(kFirstSlots, Slot{});
    size_t at = find(key, hash);
    if (slots_[at].id >= 0) return slots_[at].id;
    if (count_ >= kMaxKeys || !valid(key)) return -1;
    int32_t id = count_++;
    if (static_cast<size_t>(id) < keys_.size())
      keys_[id].assign(key);  // into a string kept from an earlier batch: its room too
    else
      keys_.push_back(key);
    slots_[at] = Slot{hash, id};
    if (static_cast<size_t>(count_) * 2 > slots_.size()) grow();
    fresh.push_back(key);
    return id;
  }

  // The id of the key of a context's entry at, as idFor gives it. A policy
  // writes the same keys in the same order message after message: the id
  // the entry at this place had last time is tried first, by comparing the
  // key with it, before the key is hashed.
  template <class Valid>
  int32_t idAt(size_t at, const std::string& key, std::vector<std::string>& fresh, Valid&& valid) {
    if (at < kRemembered) {
      int32_t last = lastAt_[at];
      if (last >= 0 && last < count_ && keys_[last] == key) return last;
    }
    int32_t id = idFor(key, fresh, valid);
    if (at < kRemembered) lastAt_[at] = id;
    return id;
  }

  // Forgets every key, keeping the memory (ids start from 0 again).
  void clear() {
    if (count_ == 0) return;
    for (Slot& s : slots_) s.id = -1;
    count_ = 0;
  }

  static char16_t unitFor(int32_t id) { return static_cast<char16_t>(kFirstUnit + id); }

 private:
  struct Slot {
    size_t hash = 0;
    int32_t id = -1;
  };
  static constexpr size_t kFirstSlots = 16;  // a power of two, as every size is

  // The slot holding key, or the empty slot where it would go.
  size_t find(const std::string& key, size_t hash) const {
    size_t mask = slots_.size() - 1;
    for (size_t at = hash & mask;; at = (at + 1) & mask) {
      const Slot& s = slots_[at];
      if (s.id < 0 || (s.hash == hash && keys_[s.id] == key)) return at;
    }
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.id < 0) continue;
      size_t at = s.hash & mask;
      while (slots_[at].id >= 0) at = (at + 1) & mask;
      slots_[at] = s;
    }
  }

  static constexpr size_t kRemembered = 8;
  int32_t lastAt_[kRemembered] = {-1, -1, -1, -1, -1, -1, -1, -1};  // by entry place: the id found there last
  std::vector<Slot> slots_;
  std::vector<std::string> keys_;  // by id; those past count_ are kept for their room
  int32_t count_ = 0;
};

}  // namespace scriptlet
