#include "mime_text.hpp"

#include "mime_codecs.hpp"

namespace scriptlet {

void mimePartDecodedBody(MimeTree& tree, int part, std::string& out) {
  const char* b;
  size_t n;
  tree.rawBody(part, &b, &n);
  std::string te;
  tree.transferEncoding(part, te);
  if (te == "base64") base64DecodeLenient(b, n, out);
  else if (te == "quoted-printable") qpDecodeLenient(b, n, out);
  else out.append(b, n);  // 7bit, 8bit, binary, and what nobody knows
}

bool mimePartText(MimeTree& tree, int part, std::string& out) {
  const MimePart& p = tree.part(part);
  if (p.container) return false;
  const char* b;
  size_t n;
  tree.rawBody(part, &b, &n);
  if (n == 0) return false;
  // Decoded into bytes only when there is an encoding to undo.
  std::string te, bytes;
  tree.transferEncoding(part, te);
  if (te == "base64" || te == "quoted-printable") {
    mimePartDecodedBody(tree, part, bytes);
    b = bytes.data();
    n = bytes.size();
  }
  HeaderParams ct;
  tree.contentType(part, ct);
  std::string charset;
  if (ct.get("charset", charset)) charsetToUtf8(charset.data(), charset.size(), b, n, out);
  else if (ct.value.compare(0, 5, "text/") == 0) appendUnlabelledText(b, n, out);
  else out.append(b, n);
  return true;
}

}  // namespace scriptlet
