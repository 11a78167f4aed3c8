// Composing a new RFC 5322 message (msg:build, msg:forward): headers, then
// one part, or multipart/alternative parts, inside multipart/mixed when
// there are attachments. Plain C++ over borrowed bytes: never fails.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace scriptlet {

struct MimePiece {
  std::string type;      // "text/plain"
  std::string charset;   // text parts; "" for none
  std::string filename;  // attachments; "" for none
  const char* body = nullptr;
  size_t len = 0;
  bool attachment = false;
  bool verbatim = false;  // message/rfc822: as it is, no transfer encoding
};

struct MimeHeader {
  std::string name, value;
};

// Appends the message to out (CRLF line ends). Adds MIME-Version, Date
// (from unixTime) unless given, and the Content-* headers of the structure
// (given Content-Type, Content-Transfer-Encoding and MIME-Version headers
// are left out). No part and no attachment: an empty text/plain body.
void buildMimeMessage(const std::vector<MimeHeader>& headers, const std::vector<MimePiece>& alternatives,
                      const std::vector<MimePiece>& attachments, double unixTime, std::string& out);

// Base64 in lines of 76 characters, each ending in CRLF.
void appendBase64Lines(const char* s, size_t n, std::string& out);

// An RFC 2047 encoded-word (UTF-8, B) when s has non-ASCII bytes, else s.
std::string encodeHeaderText(const std::string& s);

}  // namespace scriptlet
