// libFuzzer target: the native message parser (MessageView) and the RFC 2047
// decoder, on arbitrary bytes, as a policy would drive them: count and walk
// the fields, look names up, decode values, read the body, edit the header
// and render the message. Built and run by scripts/fuzz.sh (`npm run fuzz`)
// with AddressSanitizer and UBSan; the inputs worth keeping live in
// test/fuzz-corpus/message-parser/, which test/engine/fuzz-corpus.test.ts
// replays through the addon on every `npm test`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "message_view.hpp"
#include "util/rfc2047.hpp"

using scriptlet::MessageView;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  MessageView view;
  view.reset(bytes, size);
  size_t fields = view.headerCount();
  size_t seen = 0;
  std::string decoded;
  view.forEachField([&](const char* name, size_t nameLen, const char* value, size_t len) {
    seen++;
    decoded.clear();
    if (scriptlet::mayHaveEncodedWords(value, len)) scriptlet::decodeEncodedWords(value, len, decoded);
    (void)name;
    (void)nameLen;
  });
  if (seen != fields) __builtin_trap();
  // The first field's name, looked up again, must find it at least once.
  std::string firstName;
  view.forEachField([&](const char* name, size_t nameLen, const char*, size_t) {
    if (firstName.empty()) firstName.assign(name, nameLen);
  });
  if (!firstName.empty()) {
    size_t found = 0;
    view.forEachValue(firstName.data(), firstName.size(), [&](const char*, size_t) { found++; });
    if (found == 0) __builtin_trap();
  }
  size_t bodyLen = 0;
  const char* body = view.body(&bodyLen);
  if (bodyLen > size || (bodyLen > 0 && (body < bytes || body + bodyLen > bytes + size))) __builtin_trap();
  if (view.size() != size) __builtin_trap();  // nothing edited yet
  // Edits, then the rendered message must be as long as size() says.
  view.setHeader("X-Fuzz", 6, "1", 1, MessageView::Mode::Prepend);
  view.setHeader("Subject", 7, "", 0, MessageView::Mode::Replace);
  view.deleteHeader("Received", 8);
  const std::string& out = view.render();
  if (out.size() != view.size()) __builtin_trap();
  return 0;
}
