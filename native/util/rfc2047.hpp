// RFC 2047 encoded-words ("=?charset?B|Q?text?=") decoded to UTF-8.
#pragma once

#include <cstddef>
#include <string>

namespace scriptlet {

// Appends value to out with every well-formed encoded-word decoded. White
// space between two adjacent encoded-words is dropped (RFC 2047 §6.2); words
// in one charset are joined before conversion so that a character split
// across two words survives. A word with an unknown charset or a malformed
// payload is kept as it stands.
void decodeEncodedWords(const char* value, size_t len, std::string& out);

// Buffers the decoder works in, kept by the caller from call to call so
// that decoding allocates nothing once they have grown.
struct Rfc2047Scratch {
  std::string bytes, decoded, word;
};
void decodeEncodedWords(const char* value, size_t len, std::string& out, Rfc2047Scratch& scratch);

// True when value may hold an encoded-word (cheap pre-check).
bool mayHaveEncodedWords(const char* value, size_t len);

}  // namespace scriptlet
