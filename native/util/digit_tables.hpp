// The value of each byte as a hex digit or a base64 letter, -1 if none: one
// load per byte where the decoders spend their time. Shared by the RFC 2047
// decoder (header words) and the MIME transfer codecs.
#pragma once

namespace scriptlet {

struct DigitTables {
  signed char hex[256], base64[256];
  constexpr DigitTables() : hex(), base64() {
    for (int c = 0; c < 256; c++) {
      hex[c] = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      base64[c] = c >= 'A' && c <= 'Z' ? c - 'A'
                  : c >= 'a' && c <= 'z' ? c - 'a' + 26
                  : c >= '0' && c <= '9' ? c - '0' + 52
                  : c == '+' ? 62 : c == '/' ? 63 : -1;
    }
  }
};
inline constexpr DigitTables kDigits;

}  // namespace scriptlet
