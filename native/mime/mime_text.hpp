// The decoded content of a part: what msgpart:text() and msg:text() return,
// and the hook msgpart:text_match / msg:text_match build on.
#pragma once

#include <string>

#include "mime_tree.hpp"

namespace scriptlet {

// Appends the text of a leaf part: transfer-decoded (base64 and
// quoted-printable leniently), converted to UTF-8 when it is text/* or
// names a charset. False, out untouched, for a container or an empty body.
bool mimePartText(MimeTree& tree, int part, std::string& out);
// Only the transfer decoding (bytes as they were before encoding).
void mimePartDecodedBody(MimeTree& tree, int part, std::string& out);

}  // namespace scriptlet
