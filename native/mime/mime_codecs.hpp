// Transfer encodings (base64, quoted-printable) and charset conversion to
// and from UTF-8, shared by msgpart:text(), the writable MIME tree and
// msys.base64 / msys.qp. Every function appends to out.
#pragma once

#include <cstddef>
#include <string>

namespace scriptlet {

// Strict decoders (msys.base64.decode, msys.qp.decode): false on bad input,
// with *error set to a short reason. Lenient ones (MIME bodies, which are
// often broken): never fail, skipping what cannot be decoded (base64) or
// keeping it as written (quoted-printable).
bool base64DecodeStrict(const char* s, size_t n, std::string& out, const char** error);
void base64DecodeLenient(const char* s, size_t n, std::string& out);
bool qpDecodeStrict(const char* s, size_t n, std::string& out, const char** error);
void qpDecodeLenient(const char* s, size_t n, std::string& out);

// foldEvery > 0: a CRLF after every foldEvery output characters (none at
// the end).
void base64Encode(const char* s, size_t n, std::string& out, size_t foldEvery = 0);
// RFC 2045 6.7: "\r\n" or "\n" in the input are hard line breaks (written
// as CRLF), lines are soft-broken to at most 76 characters.
void qpEncode(const char* s, size_t n, std::string& out);

// Converts bytes in charset to UTF-8. Returns false when charset is not one
// iconv knows (out then holds the bytes read as charset-less text, see
// appendUnlabelledText). Bytes invalid in the charset become U+FFFD.
bool charsetToUtf8(const char* charset, size_t csLen, const char* s, size_t n, std::string& out);
// Text with no (or an unknown) charset: kept when it is valid UTF-8 (ASCII
// included), else read as windows-1252, the usual mislabelled 8-bit text.
void appendUnlabelledText(const char* s, size_t n, std::string& out);
// Converts UTF-8 to charset. false with *error set when the charset is
// unknown or s is not valid UTF-8; characters charset lacks become '?'.
bool utf8ToCharset(const char* charset, size_t csLen, const char* s, size_t n, std::string& out,
                   const char** error);

bool isValidUtf8(const char* s, size_t n);
// True for charsets whose bytes are UTF-8 as they stand (utf-8, us-ascii).
bool isUtf8Charset(const char* charset, size_t csLen);

}  // namespace scriptlet
