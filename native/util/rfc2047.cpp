#include "rfc2047.hpp"

#include <iconv.h>
#include <strings.h>

#include <cerrno>
#include <cstring>

#include "digit_tables.hpp"

namespace scriptlet {

namespace {

int hexValue(char c) { return kDigits.hex[static_cast<unsigned char>(c)]; }
int base64Value(char c) { return kDigits.base64[static_cast<unsigned char>(c)]; }

// Both decoders write into room made at the end of out (never more bytes
// than they read) and cut it to what they wrote.
bool decodeQ(const char* s, size_t n, std::string& out) {
  size_t at = out.size();
  out.resize(at + n);
  char* o = &out[at];
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '_') {
      *o++ = ' ';
    } else if (c == '=') {
      if (i + 2 >= n) return false;
      int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *o++ = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *o++ = c;
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return true;
}

bool decodeB(const char* s, size_t n, std::string& out) {
  size_t at = out.size();
  out.resize(at + n);
  char* o = &out[at];
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
      *o++ = static_cast<char>((acc >> bits) & 0xff);
    }
  }
  out.resize(static_cast<size_t>(o - out.data()));
  return true;
}

// A charset name as the word gives it, up to an RFC 2231 "*lang" suffix
// (and, as C strings read it, up to a NUL).
struct Charset {
  const char* p = nullptr;
  size_t n = 0;
  bool is(const char* name) const { return std::strlen(name) == n && strncasecmp(p, name, n) == 0; }
  bool same(const Charset& o) const { return n == o.n && strncasecmp(p, o.p, n) == 0; }
};

bool isUtf8Name(const Charset& cs) { return cs.is("utf-8") || cs.is("utf8") || cs.is("us-ascii") || cs.is("ascii"); }

bool isLatin1Name(const Charset& cs) { return cs.is("iso-8859-1") || cs.is("latin1") || cs.is("iso8859-1"); }

// Converts bytes in charset to UTF-8 and appends them. False when the
// charset is unknown to iconv; undecodable bytes become U+FFFD.
bool appendAsUtf8(const Charset& charset, const std::string& bytes, std::string& out) {
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
  std::string name(charset.p, charset.n);
  iconv_t cd = iconv_open("UTF-8", name.c_str());
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
  size_t end;       // offset just past "?="
  Charset charset;
};

// Where an encoded-word cannot start: a failed parse that ran to the end of
// its token proves that no word starting in [from, to) can end either. This
// keeps the decoder linear on hostile values full of "=?" with no "?=".
struct NoWordSpan {
  size_t from = 0, to = 0;
  bool covers(size_t pos) const { return pos >= from && pos < to; }
};

// Parses an encoded-word starting at s[pos] ("=?"); false if it is not one.
// Its payload is decoded onto bytes (left there, partly, if malformed: the
// caller cuts bytes back).
bool parseWord(const char* s, size_t n, size_t pos, EncodedWord& w, NoWordSpan& span, std::string& bytes) {
  size_t i = pos + 2;
  size_t csStart = i;
  while (i < n && s[i] != '?' && s[i] != ' ' && s[i] != '\t') i++;
  if (i >= n || s[i] != '?') {
    span = {pos, i};  // no '?' before the token ends: no start in here works
    return false;
  }
  if (i == csStart) return false;
  size_t csLen = i - csStart;
  for (size_t k = 0; k < csLen; k++)
    if (s[csStart + k] == '*' || s[csStart + k] == '\0') {
      csLen = k;
      break;
    }
  w.charset = Charset{s + csStart, csLen};
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
  bool ok = (enc == 'B' || enc == 'b')   ? decodeB(s + textStart, textLen, bytes)
            : (enc == 'Q' || enc == 'q') ? decodeQ(s + textStart, textLen, bytes)
                                         : false;
  w.end = j + 2;
  return ok;
}

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
  Rfc2047Scratch scratch;
  decodeEncodedWords(s, n, out, scratch);
}

// Adjacent encoded-words in one charset are a group, decoded together so
// that a character split across two of them survives. A group is kept as
// offsets into s: its words as written (raw, for a charset iconv does not
// know) and the white space before it; its payload is scratch.bytes.
void decodeEncodedWords(const char* s, size_t n, std::string& out, Rfc2047Scratch& scratch) {
  std::string& bytes = scratch.bytes;
  std::string& decoded = scratch.decoded;
  bytes.clear();
  Charset groupCharset;
  size_t rawStart = 0, rawEnd = 0;  // empty: no group
  size_t gapStart = 0, gapEnd = 0;
  bool prevDecoded = true;  // did the group before the current one decode?
  // White space between two encoded-words goes (RFC 2047 §6.2), unless one
  // of them is left as written: then the text stays as it was.
  auto flush = [&]() {
    if (rawStart == rawEnd) return;
    decoded.clear();
    bool ok = appendAsUtf8(groupCharset, bytes, decoded);
    if (!ok || !prevDecoded) out.append(s + gapStart, gapEnd - gapStart);
    if (ok) out.append(decoded);
    else out.append(s + rawStart, rawEnd - rawStart);
    prevDecoded = ok;
    rawStart = rawEnd = 0;
    bytes.clear();
  };
  // Decodes a word's payload after the group's, keeping it only if it parses.
  auto isWord = [&](size_t at, EncodedWord& w, NoWordSpan& span) {
    if (s[at] != '=' || at + 1 >= n || s[at + 1] != '?' || span.covers(at)) return false;
    size_t before = bytes.size();
    bool ok = parseWord(s, n, at, w, span, bytes);
    if (!ok) bytes.resize(before);
    return ok;
  };
  EncodedWord w;
  NoWordSpan span;
  size_t i = 0;
  size_t afterWord = std::string::npos;  // end of the last encoded-word
  // The word w, just parsed at `at`, its payload on bytes after groupBytes:
  // it joins the group, or starts a new one.
  auto addWord = [&](size_t at, size_t groupBytes) {
    size_t gapFrom = afterWord != std::string::npos ? afterWord : at;
    if (rawStart != rawEnd && groupCharset.same(w.charset)) {
      rawEnd = w.end;  // the gap and the word, as written
    } else {
      // The word's payload went onto the old group's: move it to the new one.
      std::string& word = scratch.word;
      word.assign(bytes, groupBytes, std::string::npos);
      bytes.resize(groupBytes);
      flush();
      bytes.swap(word);
      groupCharset = w.charset;
      gapStart = gapFrom;
      gapEnd = at;
      rawStart = at;
      rawEnd = w.end;
    }
    i = w.end;
    afterWord = i;
  };
  while (i < n) {
    size_t groupBytes = bytes.size();
    if (isWord(i, w, span)) {
      addWord(i, groupBytes);
      continue;
    }
    if (afterWord != std::string::npos) {
      // Only white space and then another encoded-word? Then it is a gap.
      size_t k = i;
      while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
      if (k > i && k < n && isWord(k, w, span)) {
        addWord(k, groupBytes);
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
