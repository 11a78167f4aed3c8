// What one call keeps of MIME: the read-only tree msg:mime() parsed, the
// writable one msg:mime(false) made, and the message the writable tree
// rendered. Held by value in CallContext: empty vectors and strings cost
// nothing until a script asks for MIME, and keep their capacity after.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mime_tree.hpp"

namespace scriptlet {

// A part's new content from a text replacement, held until every part of
// msg:text_replace has been replaced (an error then changes nothing).
struct ReplacedText {
  int part = -1;
  bool toUtf8 = false;  // its charset lacks a character: relabel it utf-8
  bool addQp = false;   // a 7bit part is no longer 7bit: quoted-printable
  std::string body;     // transfer-encoded
};

struct MimeCallState {
  MimeTree readOnly, writable;
  bool readOnlyValid = false, writableValid = false;
  // Bumped whenever the message's bytes are replaced: a read-only part of
  // an older generation raises instead of reading bytes that are gone.
  uint32_t generation = 0;
  // Likewise for the writable tree, which a whole-message replacement
  // (msg:body_replace, msg:raw_replace) leaves behind.
  uint32_t writableGeneration = 0;
  std::string source;       // the writable tree's own copy of the message
  std::string rendered[2];  // the message the view reads, and the next one
  int current = 0;
  uint32_t boundaries = 0;  // msg:makeBoundary's counter
  std::string text, work;   // decoding buffers
  std::vector<ReplacedText> replaced;  // *_replace's pending parts (capacity kept)
  size_t replacedUsed = 0;

  void clear() {
    if (readOnlyValid) readOnly.clear();
    if (writableValid) writable.clear();
    readOnlyValid = writableValid = false;
    generation = writableGeneration = 0;
    boundaries = 0;
  }
};

}  // namespace scriptlet
