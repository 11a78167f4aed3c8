#pragma once
// The text a crossing hands back to JS beside its ints: every verdict's
// reply and contexts (verdict_js.hpp), as one string. It is kept as Latin-1
// bytes while every unit fits in one (the usual case: ASCII replies and
// values, key ids below 128, lengths as bytes), so that ASCII is appended
// with a memcpy and V8 copies the bytes as they are; the first unit past
// 0xFF widens it to UTF-16 for the rest of the crossing.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace scriptlet {

struct BatchText {
  std::vector<std::string> freshKeys;  // the context keys numbered while building it

  int32_t size() const { return static_cast<int32_t>(wide_ ? units_.size() : bytes_.size()); }
  void push(char16_t u) {
    if (!wide_ && u <= 0xFF) {
      bytes_.push_back(static_cast<char>(u));
      return;
    }
    if (!wide_) widen();
    units_.push_back(u);
  }
  // Appends s if it is valid UTF-8 without NUL and takes at most maxUnits
  // UTF-16 units; else false, with part of it perhaps appended (the caller
  // cuts the text back to where it was, truncate).
  bool appendUtf8(const std::string& s, size_t maxUnits = SIZE_MAX);
  void truncate(int32_t to) {
    if (wide_)
      units_.resize(static_cast<size_t>(to));
    else
      bytes_.resize(static_cast<size_t>(to));
  }
  // Appends n (below 64 Ki) as two units, its high and low byte.
  void pushLength(uint32_t n) {
    push(static_cast<char16_t>(n >> 8));
    push(static_cast<char16_t>(n & 0xFF));
  }
  void setLength(size_t at, uint32_t n) {
    setUnit(at, static_cast<char16_t>(n >> 8));
    setUnit(at + 1, static_cast<char16_t>(n & 0xFF));
  }
  // Unit at, written before: u below 0x100.
  void setUnit(size_t at, char16_t u) {
    if (wide_)
      units_[at] = u;
    else
      bytes_[at] = static_cast<char>(u);
  }
  // Appends n as four units, its bytes high to low (Latin-1 stays Latin-1).
  void pushQuad(uint32_t n) {
    for (int shift = 24; shift >= 0; shift -= 8) push(static_cast<char16_t>((n >> shift) & 0xFF));
  }
  void setQuad(size_t at, uint32_t n) {
    for (int k = 0; k < 4; k++) setUnit(at + k, static_cast<char16_t>((n >> (24 - 8 * k)) & 0xFF));
  }
  // A packed batch's keys (freshKeys, in id order) after its verdicts, for
  // its text to cross to another thread as one string with them: per key,
  // its length in UTF-16 units as a quad, then its units; then the count of
  // keys and where the section starts, a quad each (src/engine/verdict.ts,
  // batchKeys). freshKeys is emptied.
  void appendKeySection();
  Napi::String toJs(Napi::Env env) const;
  // Empty again, keeping its capacity (up to a bound) for the next crossing.
  void clear();

 private:
  static constexpr size_t kKeptCapacity = 256 * 1024;
  void widen();
  bool wide_ = false;
  std::string bytes_;      // Latin-1, while !wide_
  std::u16string units_;   // UTF-16, once wide_
};

// Whether every byte of [p, p + n) is ASCII and none is NUL: eight at a time.
// Inline: it is called for every string of every verdict, most of them short.
inline bool plainAscii(const char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    // A byte with its high bit set, or a zero byte (the classic has-zero test).
    if ((w & 0x8080808080808080ull) || ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) return false;
  }
  for (; i < n; i++)
    if (static_cast<unsigned char>(p[i]) - 1u >= 0x7fu) return false;
  return true;
}

// Decodes UTF-8 [p, p + n) into UTF-16 units, handing each to unit(u):
// false when it is not valid UTF-8 (an overlong form, a code point past
// Unicode) or holds a NUL, which JS could not slice back out at the offsets
// counted here.
template <class Unit>
bool decodeUtf8(const char* p, size_t n, Unit&& unit) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (c == 0 || len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
    for (size_t k = 1; k < len; k++) {
      unsigned char cc = static_cast<unsigned char>(p[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF) return false;  // overlong, or past Unicode
    if (cp >= 0x10000) {
      cp -= 0x10000;
      unit(static_cast<char16_t>(0xD800 + (cp >> 10)));
      unit(static_cast<char16_t>(0xDC00 + (cp & 0x3ff)));
    } else {
      unit(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return true;
}

// The batch text a crossing writes into: its object's own, or, for a
// crossing made while another is still writing (a script calling back into
// JS, which calls the addon), one of its own.
class TextLease {
 public:
  TextLease(BatchText& own, bool& busy) : own_(own), busy_(busy), mine_(!busy) {
    if (mine_) {
      busy_ = true;
      own_.clear();
    }
  }
  ~TextLease() {
    if (mine_) busy_ = false;
  }
  TextLease(const TextLease&) = delete;
  TextLease& operator=(const TextLease&) = delete;
  BatchText& text() { return mine_ ? own_ : spare_; }
  // Whether this lease has the master's own text (and so its other reused parts).
  bool owned() const { return mine_; }

 private:
  BatchText& own_;
  bool& busy_;
  bool mine_;
  BatchText spare_;
};

}  // namespace scriptlet
