// Byte tables for the scans over a source: which bytes may matter, and a
// test of eight bytes at once against one (no branch per byte, which is
// what made a byte-by-byte scan cost as much as compiling the source).
#pragma once

#include <initializer_list>

namespace scriptlet {
namespace dialect {

struct ByteClass {
  bool marked[256] = {};
  constexpr ByteClass(std::initializer_list<unsigned char> bytes) {
    for (unsigned char c : bytes) marked[c] = true;
  }
};

// Inside a quoted string: its end, an escape, an (illegal) line break.
constexpr ByteClass kStringBytes{'"', '\'', '\\', '\n', '\r'};
// Outside strings and comments: where a string or comment may start, and
// the first byte of every dialect operator.
constexpr ByteClass kDialectBytes{'"', '\'', '[', '-', '!', '&', '|', '\\', '^', '<', '>', '~'};

inline bool anyMarked(const ByteClass& cls, const char* p) {
  const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
  return cls.marked[u[0]] | cls.marked[u[1]] | cls.marked[u[2]] | cls.marked[u[3]] | cls.marked[u[4]] |
         cls.marked[u[5]] | cls.marked[u[6]] | cls.marked[u[7]];
}

}  // namespace dialect
}  // namespace scriptlet
