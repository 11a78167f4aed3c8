// Structured MIME header values: "type/subtype; name=value; name*=..." as
// in Content-Type and Content-Disposition (RFC 2045 5.1, RFC 2183), with
// RFC 2231 parameter continuations and charsets.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace scriptlet {

struct HeaderParams {
  std::string value;  // "text/plain", "attachment": lower-cased, comments gone
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased, values unquoted

  void parse(const char* s, size_t n);
  // The parameter, decoded to UTF-8: RFC 2231 (name*, name*0, name*1*, ...)
  // first, then the plain name (RFC 2047 encoded-words in it decoded, as
  // mailers write filenames). False when there is none.
  bool get(const char* name, std::string& out) const;
};

}  // namespace scriptlet
