// The floor's message: a header index built in one memchr pass over the raw
// bytes on the first lookup, into storage reused from message to message (no
// heap work per message once warm), and the value of a field as msg:header
// defines it: unfolded, trimmed (white space, CR, LF) at both ends. Lenient
// where the engine is (native/message_view.cpp): an mbox "From " line is
// skipped, a bare LF ends a line, a line that is neither a field nor a
// continuation is skipped and ends the field before it, and with no blank
// line the whole message is header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace floor_bench {

class RawHeader {
 public:
  void reset(const char* data, size_t len) {
    data_ = data;
    len_ = len;
    indexed_ = false;
    fields_.clear();  // a vector of offsets: clear() keeps its capacity
  }

  // Visits the unfolded, trimmed value of every field called name
  // (ASCII case-insensitive), in order. The pointer lives until the next call.
  template <typename Fn>
  void forEachValue(const char* name, size_t nameLen, Fn&& fn) {
    if (!indexed_) index();
    for (const Field& f : fields_) {
      if (f.nameLen != nameLen || !sameName(data_ + f.nameOff, name, nameLen)) continue;
      size_t n;
      const char* v = value(f, &n);
      fn(v, n);
    }
  }

  const char* body(size_t* len) {
    if (!indexed_) index();
    *len = len_ - bodyOff_;
    return data_ + bodyOff_;
  }

 private:
  struct Field {
    uint32_t nameOff, nameLen, valueOff, valueLen;
  };

  static bool isWsp(char c) { return c == ' ' || c == '\t'; }
  static bool isTrimmed(char c) { return isWsp(c) || c == '\r' || c == '\n'; }
  static unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

  static bool sameName(const char* a, const char* b, size_t n) {
    for (size_t i = 0; i < n; i++)
      if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
    return true;
  }

  size_t lineFeed(size_t pos) const {
    const void* p = pos < len_ ? std::memchr(data_ + pos, '\n', len_ - pos) : nullptr;
    return p ? static_cast<const char*>(p) - data_ : len_;
  }

  bool mboxFromLine() const {
    if (len_ < 5 || std::memcmp(data_, "From ", 5) != 0) return false;
    size_t i = 5;
    while (i < len_ && isWsp(data_[i])) i++;
    return i < len_ && data_[i] != ':';
  }

  void index() {
    indexed_ = true;
    const char* d = data_;
    size_t pos = mboxFromLine() ? lineFeed(0) + 1 : 0;
    bodyOff_ = len_;
    bool inField = false;  // a continuation extends only the field just read
    while (pos < len_) {
      size_t lf = lineFeed(pos);
      size_t end = lf > pos && d[lf - 1] == '\r' ? lf - 1 : lf;
      size_t next = lf < len_ ? lf + 1 : len_;
      if (end == pos) {  // the blank line before the body
        bodyOff_ = next;
        return;
      }
      if (isWsp(d[pos])) {
        if (inField) fields_.back().valueLen = static_cast<uint32_t>(end - fields_.back().valueOff);
      } else {
        inField = false;
        const char* colon = static_cast<const char*>(std::memchr(d + pos, ':', end - pos));
        if (colon) {
          size_t c = colon - d, nameEnd = c;
          while (nameEnd > pos && isWsp(d[nameEnd - 1])) nameEnd--;
          if (nameEnd > pos) {
            fields_.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(nameEnd - pos),
                               static_cast<uint32_t>(c + 1), static_cast<uint32_t>(end - c - 1)});
            inField = true;
          }
        }
      }
      pos = next;
    }
  }

  // The value trimmed, and unfolded into scratch_ only if it was folded.
  const char* value(const Field& f, size_t* len) {
    const char* v = data_ + f.valueOff;
    size_t i = 0, n = f.valueLen;
    while (i < n && isTrimmed(v[i])) i++;
    while (n > i && isTrimmed(v[n - 1])) n--;
    if (!std::memchr(v + i, '\n', n - i)) {
      *len = n - i;
      return v + i;
    }
    if (scratch_.size() < n - i) scratch_.resize(n - i);
    char* o = scratch_.data();
    while (i < n) {  // copy the runs between line breaks; a CR goes only before its LF
      const char* lf = static_cast<const char*>(std::memchr(v + i, '\n', n - i));
      size_t run = (lf ? static_cast<size_t>(lf - v) : n) - i;
      if (lf && run > 0 && lf[-1] == '\r') run--;
      std::memcpy(o, v + i, run);
      o += run;
      i = lf ? static_cast<size_t>(lf - v) + 1 : n;
    }
    *len = static_cast<size_t>(o - scratch_.data());
    return scratch_.data();
  }

  const char* data_ = nullptr;
  size_t len_ = 0;
  size_t bodyOff_ = 0;
  bool indexed_ = false;
  std::vector<Field> fields_;
  std::vector<char> scratch_;  // the unfolded value; grows, never shrinks
};

}  // namespace floor_bench
