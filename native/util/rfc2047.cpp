#include "rfc2047.hpp"

#include <iconv.h>
#include <strings.h>

#include <cerrno>
#include <cstring>

namespace scriptlet {

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool decodeQ(const char* s, size_t n, std::string& out) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=') {
      if (i + 2 >= n) return false;
      int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

bool decodeB(const char* s, size_t n, std::string& out) {
  unsigned acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '=') break;  // padding ends the data
    int v = base64Value(s[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

bool isUtf8Name(const std::string& cs) {
  return strcasecmp(cs.c_str(), "utf-8") == 0 || strcasecmp(cs.c_str(), "utf8") == 0 ||
         strcasecmp(cs.c_str(), "us-ascii") == 0 || strcasecmp(cs.c_str(), "ascii") == 0;
}

bool isLatin1Name(const std::string& cs) {
  return strcasecmp(cs.c_str(), "iso-8859-1") == 0 || strcasecmp(cs.c_str(), "latin1") == 0 ||
         strcasecmp(cs.c_str(), "iso8859-1") == 0;
}

// Converts bytes in charset to UTF-8 and appends them. False when the
// charset is unknown to iconv; undecodable bytes become U+FFFD.
bool appendAsUtf8(const std::string& charset, const std::string& bytes, std::string& out) {
  if (isUtf8Name(charset)) {
    out.append(bytes);
    return true;
  }
  if (isLatin1Name(charset)) {
    for (unsigned char c : bytes) {
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back(static_cast<char>(0xc0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3f)));
      }
    }
    return true;
  }
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  char* in = const_cast<char*>(bytes.data());
  size_t inLeft = bytes.size();
  char buf[256];
  while (inLeft > 0) {
    char* o = buf;
    size_t oLeft = sizeof buf;
    size_t r = iconv(cd, &in, &inLeft, &o, &oLeft);
    out.append(buf, o - buf);
    if (r == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      out.append("\xEF\xBF\xBD");  // EILSEQ / EINVAL: skip one byte
      in++;
      inLeft--;
    }
  }
  iconv_close(cd);
  return true;
}

struct EncodedWord {
  size_t end;           // offset just past "?="
  std::string charset;  // without an RFC 2231 "*lang" suffix
  std::string bytes;    // decoded payload, still in charset
};

// Where an encoded-word cannot start: a failed parse that ran to the end of
// its token proves that no word starting in [from, to) can end either. This
// keeps the decoder linear on hostile values full of "=?" with no "?=".
struct NoWordSpan {
  size_t from = 0, to = 0;
  bool covers(size_t pos) const { return pos >= from && pos < to; }
};

// Parses an encoded-word starting at s[pos] ("=?"); false if it is not one.
bool parseWord(const char* s, size_t n, size_t pos, EncodedWord& w, NoWordSpan& span) {
  size_t i = pos + 2;
  size_t csStart = i;
  while (i < n && s[i] != '?' && s[i] != ' ' && s[i] != '\t') i++;
  if (i >= n || s[i] != '?') {
    span = {pos, i};  // no '?' before the token ends: no start in here works
    return false;
  }
  if (i == csStart) return false;
  w.charset.assign(s + csStart, i - csStart);
  size_t star = w.charset.find('*');
  if (star != std::string::npos) w.charset.resize(star);
  if (i + 2 >= n || s[i + 2] != '?') return false;
  char enc = s[i + 1];
  size_t textStart = i + 3;
  size_t j = textStart;
  while (j + 1 < n && s[j] != ' ' && s[j] != '\t' && !(s[j] == '?' && s[j + 1] == '=')) j++;
  if (j + 1 >= n || s[j] != '?') {
    span = {textStart, j + 1};  // no "?=" before the token ends
    return false;
  }
  size_t textLen = j - textStart;
  w.bytes.clear();
  bool ok = (enc == 'B' || enc == 'b')   ? decodeB(s + textStart, textLen, w.bytes)
            : (enc == 'Q' || enc == 'q') ? decodeQ(s + textStart, textLen, w.bytes)
                                         : false;
  w.end = j + 2;
  return ok;
}

// Adjacent encoded-words in one charset, decoded together so that a
// character split across two of them survives; raw keeps them as written,
// for a charset iconv does not know.
struct WordGroup {
  std::string charset, bytes, raw;
  std::string gapBefore;  // white space between this group and the one before
  bool empty() const { return raw.empty(); }
};

}  // namespace

bool mayHaveEncodedWords(const char* value, size_t len) {
  if (len < 8) return false;
  const char* p = static_cast<const char*>(std::memchr(value, '=', len));
  while (p && p + 1 < value + len) {
    if (p[1] == '?') return true;
    p = static_cast<const char*>(std::memchr(p + 1, '=', (value + len) - (p + 1)));
  }
  return false;
}

void decodeEncodedWords(const char* s, size_t n, std::string& out) {
  WordGroup group;
  bool prevDecoded = true;  // did the group before the current one decode?
  std::string decoded;
  // White space between two encoded-words goes (RFC 2047 §6.2), unless one
  // of them is left as written: then the text stays as it was.
  auto flush = [&]() {
    if (group.empty()) return;
    decoded.clear();
    bool ok = appendAsUtf8(group.charset, group.bytes, decoded);
    if (!ok || !prevDecoded) out.append(group.gapBefore);
    out.append(ok ? decoded : group.raw);
    prevDecoded = ok;
    group = WordGroup();
  };
  auto isWord = [&](size_t at, EncodedWord& w, NoWordSpan& span) {
    return s[at] == '=' && at + 1 < n && s[at + 1] == '?' && !span.covers(at) && parseWord(s, n, at, w, span);
  };
  EncodedWord w;
  NoWordSpan span;
  size_t i = 0;
  size_t afterWord = std::string::npos;  // end of the last encoded-word
  while (i < n) {
    if (isWord(i, w, span)) {
      std::string gap = afterWord != std::string::npos ? std::string(s + afterWord, i - afterWord) : std::string();
      if (!group.empty() && strcasecmp(group.charset.c_str(), w.charset.c_str()) == 0) {
        group.raw.append(gap);
      } else {
        flush();
        group.charset = w.charset;
        group.gapBefore = gap;
      }
      group.bytes.append(w.bytes);
      group.raw.append(s + i, w.end - i);
      i = w.end;
      afterWord = i;
      continue;
    }
    if (afterWord != std::string::npos) {
      // Only white space and then another encoded-word? Then it is a gap.
      size_t k = i;
      while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
      if (k > i && k < n && isWord(k, w, span)) {
        i = k;
        continue;
      }
      flush();
      prevDecoded = true;
      afterWord = std::string::npos;
    }
    out.push_back(s[i]);
    i++;
  }
  flush();
}

}  // namespace scriptlet
