#include "mime_builder.hpp"

#include <cstdint>
#include <cstring>
#include <ctime>
#include <string_view>

namespace scriptlet {

namespace {

bool isSevenBitText(const char* s, size_t n) {
  size_t line = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80 || c == 0) return false;
    line = c == '\n' ? 0 : line + 1;
    if (line > 998) return false;
  }
  return true;
}

// s with every line ending made CRLF, and a final CRLF.
void appendCrlfText(const char* s, size_t n, std::string& out) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
    if (s[i] == '\n' || s[i] == '\r') {
      out += "\r\n";
      continue;
    }
    out.push_back(s[i]);
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
}

bool contains(const MimePiece& p, const std::string& needle) {
  return p.len >= needle.size() && std::string_view(p.body, p.len).find(needle) != std::string_view::npos;
}

// A boundary no body holds ("=_" cannot start a base64 line, nor "=_x" a
// quoted-printable one; text and message/rfc822 bodies are searched).
std::string boundaryFor(const std::vector<MimePiece>& a, const std::vector<MimePiece>& b, int level) {
  for (unsigned n = 0;; n++) {
    std::string candidate = "=_scriptlet_" + std::to_string(level) + "_" + std::to_string(n);
    bool clash = false;
    for (const MimePiece& p : a) clash = clash || contains(p, candidate);
    for (const MimePiece& p : b) clash = clash || contains(p, candidate);
    if (!clash) return candidate;
  }
}

void quoted(const std::string& s, std::string& out) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// The part's headers and body.
void appendPiece(const MimePiece& p, std::string& out) {
  out += "Content-Type: " + p.type;
  if (!p.charset.empty()) out += "; charset=" + p.charset;
  if (!p.filename.empty() && !p.attachment) {
    out += "; name=";
    quoted(encodeHeaderText(p.filename), out);
  }
  out += "\r\n";
  if (p.attachment) {
    out += "Content-Disposition: attachment";
    if (!p.filename.empty()) {
      out += "; filename=";
      quoted(encodeHeaderText(p.filename), out);
    }
    out += "\r\n";
  }
  if (p.verbatim) {
    out += "\r\n";
    appendCrlfText(p.body, p.len, out);
  } else if (!p.attachment && isSevenBitText(p.body, p.len)) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n";
    appendCrlfText(p.body, p.len, out);
  } else if (!p.attachment) {  // text: encoded in its canonical form, CRLF line ends
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string canonical;
    appendCrlfText(p.body, p.len, canonical);
    appendBase64Lines(canonical.data(), canonical.size() - (p.len > 0 && (p.body[p.len - 1] == '\n') ? 0 : 2), out);
  } else {
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    appendBase64Lines(p.body, p.len, out);
  }
}

void appendMultipart(const char* subtype, const std::string& boundary, std::string& out) {
  out += "Content-Type: multipart/";
  out += subtype;
  out += "; boundary=\"" + boundary + "\"\r\n";
}

bool isStructureHeader(const std::string& name) {
  static const char* const kNames[] = {"content-type", "content-transfer-encoding", "mime-version"};
  for (const char* k : kNames)
    if (name.size() == std::strlen(k)) {
      bool same = true;
      for (size_t i = 0; i < name.size() && same; i++) same = (name[i] | 0x20) == k[i] || name[i] == k[i];
      if (same) return true;
    }
  return false;
}

bool hasHeader(const std::vector<MimeHeader>& headers, const char* lower) {
  for (const MimeHeader& h : headers) {
    if (h.name.size() != std::strlen(lower)) continue;
    bool same = true;
    for (size_t i = 0; i < h.name.size() && same; i++) same = static_cast<char>(h.name[i] | 0x20) == lower[i] || h.name[i] == lower[i];
    if (same) return true;
  }
  return false;
}

}  // namespace

void appendBase64Lines(const char* s, size_t n, std::string& out) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t col = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < n) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    if (i + 2 < n) v |= static_cast<unsigned char>(s[i + 2]);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < n ? kAlphabet[v & 63] : '=');
    col += 4;
    if (col >= 76) {
      out += "\r\n";
      col = 0;
    }
  }
  if (col > 0) out += "\r\n";
}

std::string encodeHeaderText(const std::string& s) {
  bool ascii = true;
  for (char c : s) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return s;
  std::string b64;
  appendBase64Lines(s.data(), s.size(), b64);
  std::string joined;
  for (char c : b64)
    if (c != '\r' && c != '\n') joined.push_back(c);
  return "=?UTF-8?B?" + joined + "?=";
}

void buildMimeMessage(const std::vector<MimeHeader>& headers, const std::vector<MimePiece>& alternatives,
                      const std::vector<MimePiece>& attachments, double unixTime, std::string& out) {
  for (const MimeHeader& h : headers) {
    if (isStructureHeader(h.name)) continue;
    out += h.name + ": " + h.value + "\r\n";
  }
  if (!hasHeader(headers, "date")) {
    std::time_t t = static_cast<std::time_t>(unixTime);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[64];
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    out += "Date: ";
    out += date;
    out += "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";
  MimePiece empty;
  empty.type = "text/plain";
  empty.charset = "utf-8";
  empty.body = "";
  // Each body ends in CRLF, which the delimiter line after it takes as its own.
  auto appendText = [&] {
    if (alternatives.size() <= 1) return appendPiece(alternatives.empty() ? empty : alternatives[0], out);
    std::string boundary = boundaryFor(alternatives, attachments, 2);
    appendMultipart("alternative", boundary, out);
    out += "\r\n";
    for (const MimePiece& p : alternatives) {
      out += "--" + boundary + "\r\n";
      appendPiece(p, out);
    }
    out += "--" + boundary + "--\r\n";
  };
  if (attachments.empty()) return appendText();
  std::string mixed = boundaryFor(alternatives, attachments, 1);
  appendMultipart("mixed", mixed, out);
  out += "\r\n";
  if (!alternatives.empty()) {
    out += "--" + mixed + "\r\n";
    appendText();
  }
  for (const MimePiece& a : attachments) {
    out += "--" + mixed + "\r\n";
    appendPiece(a, out);
  }
  out += "--" + mixed + "--\r\n";
}

}  // namespace scriptlet
