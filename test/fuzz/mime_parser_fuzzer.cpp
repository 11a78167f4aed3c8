// libFuzzer target: the MIME tree (native/mime) on arbitrary bytes, as a
// policy drives it: parse, walk every part (.thread and .parts), read each
// one's content type and decoded text, then edit a writable tree (a header,
// a body, a new part, an unlink) and render it, and parse what it rendered.
// Built and run by scripts/fuzz-mime.sh with AddressSanitizer and UBSan;
// kept inputs live in test/fuzz-corpus/mime-parser/, replayed through the
// addon by test/engine/mime-fuzz-corpus.test.ts.
#include <cstddef>
#include <cstdint>
#include <string>

#include "message_view.hpp"
#include "mime/mime_codecs.hpp"
#include "mime/mime_text.hpp"
#include "mime/mime_tree.hpp"

using namespace scriptlet;

namespace {

size_t bodyStart(MessageView& view, size_t size) {
  size_t bodyLen;
  view.body(&bodyLen);
  return size - bodyLen;
}

// Every part once by .thread, and as many by the children lists.
size_t walk(MimeTree& tree) {
  size_t seen = 0;
  std::string text;
  HeaderParams ct;
  for (int i = 0; i >= 0; i = tree.thread(i)) {
    if (++seen > tree.size()) __builtin_trap();  // a loop
    tree.contentType(i, ct);
    std::string charset, filename;
    ct.get("charset", charset);
    ct.get("name", filename);
    text.clear();
    mimePartText(tree, i, text);
    if (tree.part(i).depth > MimeLimits::kMaxDepth + 1) __builtin_trap();
  }
  if (tree.size() > MimeLimits::kMaxParts + 1) __builtin_trap();
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  MessageView view;
  view.reset(bytes, size);
  MimeTree tree;
  tree.parse(&view, bytes, size, bodyStart(view, size), false);
  if (walk(tree) != tree.size()) __builtin_trap();  // every parsed part is linked

  std::string copy(bytes, size);
  MimeTree writable;
  writable.parse(&view, copy.data(), copy.size(), bodyStart(view, size), true);
  int last = static_cast<int>(writable.size()) - 1;
  if (last > 0) {
    writable.setHeader(last, "X-Fuzz", 6, "1", 1, MessageView::Mode::Prepend);
    if (!writable.part(last).container) writable.setBody(last, "new\r\nbody", 9);
  }
  int made = writable.makePart();
  writable.setHeader(made, "Content-Type", 12, "text/plain", 10, MessageView::Mode::Append);
  writable.setBody(made, "added", 5);
  if (writable.part(0).container) writable.linkChild(0, made, false);
  if (writable.size() > 3) writable.unlink(1);
  std::string rendered(bytes, bodyStart(view, size));
  if (!rendered.empty() && rendered.back() != '\n') rendered.append("\r\n\r\n");
  writable.renderBody(rendered);

  MessageView again;
  again.reset(rendered.data(), rendered.size());
  MimeTree reparsed;
  reparsed.parse(&again, rendered.data(), rendered.size(), bodyStart(again, rendered.size()), false);
  walk(reparsed);

  std::string out, back;
  const char* error;
  base64Encode(bytes, size, out, 76);
  if (!base64DecodeStrict(out.data(), out.size(), back, &error) || back != std::string(bytes, size)) __builtin_trap();
  out.clear();
  back.clear();
  qpEncode(bytes, size, out);
  if (!qpDecodeStrict(out.data(), out.size(), back, &error)) __builtin_trap();
  back.clear();
  qpDecodeLenient(bytes, size, back);
  base64DecodeLenient(bytes, size, back);
  return 0;
}
