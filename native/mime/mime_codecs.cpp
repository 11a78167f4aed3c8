#include "mime_codecs.hpp"

#include <iconv.h>
#include <strings.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "../util/digit_tables.hpp"

namespace scriptlet {

namespace {

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kHexUpper[] = "0123456789ABCDEF";

int hexAt(const char* s, size_t i) { return kDigits.hex[static_cast<unsigned char>(s[i])]; }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// The end of the line that starts at i, before its "\r\n" or "\n".
size_t lineEnd(const char* s, size_t n, size_t i) {
  const void* lf = std::memchr(s + i, '\n', n - i);
  size_t end = lf ? static_cast<const char*>(lf) - s : n;
  return end > i && s[end - 1] == '\r' && lf ? end - 1 : end;
}

// Decodes quoted-printable: trailing white space of each line goes (RFC
// 2045 6.7 rule 3), "=" at a line's end joins it to the next. strict: a "="
// not followed by two hex digits or a line end fails; else it is kept.
bool qpDecode(const char* s, size_t n, std::string& out, bool strict, const char** error) {
  size_t i = 0;
  while (i < n) {
    size_t end = lineEnd(s, n, i);
    size_t next = end < n ? (s[end] == '\r' ? end + 2 : end + 1) : n;
    if (next > n) next = n;
    size_t e = end;
    while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
    bool soft = false;
    for (size_t k = i; k < e; k++) {
      char c = s[k];
      if (c != '=') {
        out.push_back(c);
        continue;
      }
      if (k + 1 == e) {
        soft = true;
        break;
      }
      int hi = k + 1 < e ? hexAt(s, k + 1) : -1;
      int lo = k + 2 < e ? hexAt(s, k + 2) : -1;
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        k += 2;
      } else if (strict) {
        *error = "invalid quoted-printable escape";
        return false;
      } else {
        out.push_back('=');
      }
    }
    if (!soft && end < n) out.append(s + end, next - end);  // the hard line break, as written
    i = next;
  }
  return true;
}

void appendUtf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8SequenceAt(const char* s, size_t n, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > n) return 0;
  unsigned cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
  for (size_t k = 1; k < len; k++) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// UTF-8 as it stands, each invalid byte replaced by U+FFFD.
void appendRepairedUtf8(const char* s, size_t n, std::string& out) {
  size_t i = 0;
  while (i < n) {
    size_t len = utf8SequenceAt(s, n, i);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      i++;
    } else {
      out.append(s + i, len);
      i += len;
    }
  }
}

// windows-1252's 0x80-0x9F (WHATWG); 0 where it has no character.
constexpr unsigned short kCp1252High[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

void appendWindows1252(const char* s, size_t n, std::string& out) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    unsigned cp = c >= 0x80 && c < 0xa0 ? kCp1252High[c - 0x80] : c;
    appendUtf8(out, cp ? cp : c);  // the five holes map to the C1 controls, as WHATWG does
  }
}

bool nameIs(const char* cs, size_t n, const char* name) { return std::strlen(name) == n && strncasecmp(cs, name, n) == 0; }

// iconv's name for a MIME charset, where mail's labels and iconv's differ
// or a superset reads real mail better (WHATWG's choices).
std::string iconvName(const char* cs, size_t n) {
  if (nameIs(cs, n, "gb2312") || nameIs(cs, n, "gbk") || nameIs(cs, n, "x-gbk") || nameIs(cs, n, "cp936")) return "GB18030";
  if (nameIs(cs, n, "ks_c_5601-1987") || nameIs(cs, n, "euc-kr")) return "CP949";
  if (nameIs(cs, n, "shift_jis") || nameIs(cs, n, "x-sjis") || nameIs(cs, n, "sjis") || nameIs(cs, n, "ms_kanji")) return "CP932";
  if (nameIs(cs, n, "x-mac-roman")) return "MACINTOSH";
  return std::string(cs, n);
}

bool isLatin1(const char* cs, size_t n) {
  return nameIs(cs, n, "iso-8859-1") || nameIs(cs, n, "iso8859-1") || nameIs(cs, n, "latin1") ||
         nameIs(cs, n, "windows-1252") || nameIs(cs, n, "cp1252");
}

// A name iconv must not see: empty, too long, or holding '/' (which would
// name iconv's own //TRANSLIT-style suffixes) or a NUL.
bool plausibleName(const char* cs, size_t n) {
  if (n == 0 || n > 64) return false;
  for (size_t i = 0; i < n; i++)
    if (cs[i] == '/' || cs[i] == '\0' || cs[i] == ' ') return false;
  return true;
}

}  // namespace

bool base64DecodeStrict(const char* s, size_t n, std::string& out, const char** error) {
  unsigned acc = 0;
  int bits = 0, chars = 0, pads = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (isSpace(c)) continue;
    if (c == '=') {
      pads++;
      continue;
    }
    int v = kDigits.base64[static_cast<unsigned char>(c)];
    if (v < 0) {
      *error = "invalid base64 character";
      return false;
    }
    if (pads) {
      *error = "base64 data after padding";
      return false;
    }
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    chars++;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (chars % 4 == 1 || (pads && (chars + pads) % 4 != 0) || pads > 2) {
    *error = "truncated base64 data";
    return false;
  }
  return true;
}

void base64DecodeLenient(const char* s, size_t n, std::string& out) {
  size_t at = out.size();
  out.resize(at + n / 4 * 3 + 3);
  char* o = &out[at];
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = kDigits.base64[static_cast<unsigned char>(s[i])];
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
}

bool qpDecodeStrict(const char* s, size_t n, std::string& out, const char** error) {
  return qpDecode(s, n, out, true, error);
}

void qpDecodeLenient(const char* s, size_t n, std::string& out) {
  const char* unused;
  qpDecode(s, n, out, false, &unused);
}

void base64Encode(const char* s, size_t n, std::string& out, size_t foldEvery) {
  size_t column = 0;
  auto put = [&](char c) {
    if (foldEvery && column == foldEvery) {
      out.append("\r\n");
      column = 0;
    }
    out.push_back(c);
    column++;
  };
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                 static_cast<unsigned char>(s[i + 2]);
    put(kBase64Alphabet[v >> 18]);
    put(kBase64Alphabet[(v >> 12) & 63]);
    put(kBase64Alphabet[(v >> 6) & 63]);
    put(kBase64Alphabet[v & 63]);
  }
  if (i < n) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < n) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    put(kBase64Alphabet[v >> 18]);
    put(kBase64Alphabet[(v >> 12) & 63]);
    put(i + 1 < n ? kBase64Alphabet[(v >> 6) & 63] : '=');
    put('=');
  }
}

void qpEncode(const char* s, size_t n, std::string& out) {
  size_t column = 0;
  auto emit = [&](const char* piece, size_t len, bool atLineEnd) {
    // A soft break keeps every line at 76 characters or fewer, "=" included.
    if (column + len > (atLineEnd ? 76 : 75)) {
      out.append("=\r\n");
      column = 0;
    }
    out.append(piece, len);
    column += len;
  };
  for (size_t i = 0; i < n; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool crlf = c == '\r' && i + 1 < n && s[i + 1] == '\n';
    if (c == '\n' || crlf) {
      out.append("\r\n");
      column = 0;
      if (crlf) i++;
      continue;
    }
    bool lineEnds = i + 1 == n || s[i + 1] == '\n' || (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
    bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !lineEnds);
    if (literal) {
      char one = static_cast<char>(c);
      emit(&one, 1, lineEnds);
    } else {
      char esc[3] = {'=', kHexUpper[c >> 4], kHexUpper[c & 15]};
      emit(esc, 3, lineEnds);
    }
  }
}

bool isValidUtf8(const char* s, size_t n) {
  for (size_t i = 0; i < n;) {
    // ASCII eight bytes at a time: most mail text is.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if ((w & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    size_t len = utf8SequenceAt(s, n, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

bool isUtf8Charset(const char* cs, size_t n) {
  return nameIs(cs, n, "utf-8") || nameIs(cs, n, "utf8") || nameIs(cs, n, "us-ascii") || nameIs(cs, n, "ascii");
}

void appendUnlabelledText(const char* s, size_t n, std::string& out) {
  if (isValidUtf8(s, n)) out.append(s, n);
  else appendWindows1252(s, n, out);
}

bool charsetToUtf8(const char* cs, size_t csLen, const char* s, size_t n, std::string& out) {
  if (nameIs(cs, csLen, "utf-8") || nameIs(cs, csLen, "utf8")) {
    appendRepairedUtf8(s, n, out);
    return true;
  }
  if (nameIs(cs, csLen, "us-ascii") || nameIs(cs, csLen, "ascii")) {
    appendUnlabelledText(s, n, out);
    return true;
  }
  if (isLatin1(cs, csLen)) {
    appendWindows1252(s, n, out);
    return true;
  }
  iconv_t cd = plausibleName(cs, csLen) ? iconv_open("UTF-8", iconvName(cs, csLen).c_str()) : reinterpret_cast<iconv_t>(-1);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    appendUnlabelledText(s, n, out);
    return false;
  }
  char* in = const_cast<char*>(s);
  size_t inLeft = n;
  char buf[1024];
  while (inLeft > 0) {
    char* o = buf;
    size_t oLeft = sizeof buf;
    size_t r = iconv(cd, &in, &inLeft, &o, &oLeft);
    out.append(buf, static_cast<size_t>(o - buf));
    if (r == static_cast<size_t>(-1) && errno != E2BIG) {
      out.append("\xEF\xBF\xBD");  // EILSEQ or EINVAL (cut short): skip one byte
      in++;
      inLeft--;
    }
  }
  char* o = buf;
  size_t oLeft = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &oLeft);  // back to the initial shift state
  out.append(buf, static_cast<size_t>(o - buf));
  iconv_close(cd);
  return true;
}

bool utf8ToCharset(const char* cs, size_t csLen, const char* s, size_t n, std::string& out, const char** error) {
  if (!isValidUtf8(s, n)) {
    *error = "text is not valid UTF-8";
    return false;
  }
  if (nameIs(cs, csLen, "utf-8") || nameIs(cs, csLen, "utf8")) {
    out.append(s, n);
    return true;
  }
  std::string name = plausibleName(cs, csLen) ? iconvName(cs, csLen) : std::string();
  iconv_t cd = name.empty() ? reinterpret_cast<iconv_t>(-1) : iconv_open(name.c_str(), "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    *error = "unknown charset";
    return false;
  }
  char* in = const_cast<char*>(s);
  size_t inLeft = n;
  char buf[1024];
  while (inLeft > 0) {
    char* o = buf;
    size_t oLeft = sizeof buf;
    size_t r = iconv(cd, &in, &inLeft, &o, &oLeft);
    out.append(buf, static_cast<size_t>(o - buf));
    if (r == static_cast<size_t>(-1) && errno != E2BIG) {
      // A character the charset lacks (the input is valid): one '?' for it.
      size_t len = utf8SequenceAt(in, inLeft, 0);
      if (len == 0) len = 1;
      char q = '?';
      char* qi = &q;
      size_t qLeft = 1;
      o = buf;
      oLeft = sizeof buf;
      if (iconv(cd, &qi, &qLeft, &o, &oLeft) == static_cast<size_t>(-1)) out.push_back('?');
      else out.append(buf, static_cast<size_t>(o - buf));
      in += len;
      inLeft -= len;
    }
  }
  char* o = buf;
  size_t oLeft = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &oLeft);  // e.g. iso-2022-jp's return to ASCII
  out.append(buf, static_cast<size_t>(o - buf));
  iconv_close(cd);
  return true;
}

}  // namespace scriptlet
