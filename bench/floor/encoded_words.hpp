// RFC 2047 encoded-words decoded straight into one buffer, for the charsets
// whose conversion to UTF-8 is a byte at a time (UTF-8 and US-ASCII as they
// stand, Latin-1 widened): no string per word, no group, no iconv. A value
// with a word in any other charset returns false, and the caller decodes it
// with the engine's decoder (native/util/rfc2047.cpp), which joins words of
// one charset before converting them. For these charsets joining changes
// nothing, and every word converts, so the rules of that decoder come down
// to: a well-formed word is decoded; white space between two words goes; a
// malformed word (bad charset/encoding syntax, bad Q escape or base64 digit,
// no "?=" before white space) is text.
#pragma once

#include <strings.h>

#include <cstddef>
#include <cstring>
#include <vector>

namespace floor_bench {

class EncodedWords {
 public:
  // Decodes value into the buffer; false for a charset left to the engine's decoder.
  bool decode(const char* s, size_t n) {
    if (buf_.size() < 2 * n) buf_.resize(2 * n);  // Latin-1 at most doubles a byte
    s_ = s;
    n_ = n;
    o_ = buf_.data();
    otherCharset_ = false;
    noWordFrom_ = noWordTo_ = 0;
    bool afterWord = false;
    size_t i = 0, end;
    while (i < n) {
      if (s[i] == '=' && word(i, &end)) {
        i = end;
        afterWord = true;
        continue;
      }
      if (afterWord) {  // only white space, then another word: the space goes
        size_t k = i;
        while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
        if (k > i && k < n && word(k, &end)) {
          i = end;
          continue;
        }
        afterWord = false;
      }
      *o_++ = s[i++];
    }
    return !otherCharset_;
  }

  const char* data() const { return buf_.data(); }
  size_t size() const { return static_cast<size_t>(o_ - buf_.data()); }

 private:
  enum class Charset { Utf8, Latin1, Other };

  static Charset charsetOf(const char* cs, size_t len) {
    auto is = [&](const char* name) { return std::strlen(name) == len && strncasecmp(cs, name, len) == 0; };
    if (is("utf-8") || is("utf8") || is("us-ascii") || is("ascii")) return Charset::Utf8;
    if (is("iso-8859-1") || is("latin1") || is("iso8859-1")) return Charset::Latin1;
    return Charset::Other;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static int base64(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  }

  void put(unsigned char c, bool latin1) {
    if (latin1 && c >= 0x80) {
      *o_++ = static_cast<char>(0xc0 | (c >> 6));
      *o_++ = static_cast<char>(0x80 | (c & 0x3f));
    } else {
      *o_++ = static_cast<char>(c);
    }
  }

  // The word at s[at] ("=?charset?B|Q?text?="), decoded onto the buffer;
  // false (and the buffer as it was) if there is none.
  bool word(size_t at, size_t* end) {
    const char* s = s_;
    size_t n = n_;
    if (s[at] != '=' || at + 1 >= n || s[at + 1] != '?' || (at >= noWordFrom_ && at < noWordTo_)) return false;
    size_t i = at + 2, cs = i;
    while (i < n && s[i] != '?' && s[i] != ' ' && s[i] != '\t') i++;
    if (i >= n || s[i] != '?' || i == cs || i + 2 >= n || s[i + 2] != '?') return false;
    char enc = s[i + 1];
    size_t text = i + 3, j = text;
    while (j + 1 < n && s[j] != ' ' && s[j] != '\t' && !(s[j] == '?' && s[j + 1] == '=')) j++;
    if (j + 1 >= n || s[j] != '?') {
      // No "?=" before the token ends, so no word can start in here either:
      // the engine's guard that keeps hostile values ("=?a?Q?=?a?Q?...") linear.
      noWordFrom_ = text;
      noWordTo_ = j + 1;
      return false;
    }
    size_t csLen = i - cs;
    for (size_t k = cs; k < i; k++)
      if (s[k] == '*') { csLen = k - cs; break; }  // an RFC 2231 language
    Charset charset = charsetOf(s + cs, csLen);
    bool latin1 = charset == Charset::Latin1;
    char* start = o_;
    bool ok = enc == 'Q' || enc == 'q' ? q(s + text, j - text, latin1) : enc == 'B' || enc == 'b' ? b(s + text, j - text, latin1) : false;
    if (!ok) {
      o_ = start;
      return false;
    }
    if (charset == Charset::Other) otherCharset_ = true;  // decoded again by the engine's decoder
    *end = j + 2;
    return true;
  }

  bool q(const char* t, size_t n, bool latin1) {
    for (size_t i = 0; i < n; i++) {
      if (t[i] == '_') {
        *o_++ = ' ';
      } else if (t[i] == '=') {
        int hi = i + 2 < n ? hex(t[i + 1]) : -1, lo = i + 2 < n ? hex(t[i + 2]) : -1;
        if (hi < 0 || lo < 0) return false;
        put(static_cast<unsigned char>(hi * 16 + lo), latin1);
        i += 2;
      } else {
        put(static_cast<unsigned char>(t[i]), latin1);
      }
    }
    return true;
  }

  bool b(const char* t, size_t n, bool latin1) {
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && t[i] != '='; i++) {  // padding ends the data
      int v = base64(t[i]);
      if (v < 0) return false;
      acc = (acc << 6) | static_cast<unsigned>(v);
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        put(static_cast<unsigned char>((acc >> bits) & 0xff), latin1);
      }
    }
    return true;
  }

  std::vector<char> buf_;
  const char* s_ = nullptr;
  size_t n_ = 0;
  char* o_ = nullptr;
  bool otherCharset_ = false;
  size_t noWordFrom_ = 0, noWordTo_ = 0;
};

}  // namespace floor_bench
