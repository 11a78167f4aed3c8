#include "rbldnsd_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <algorithm>

namespace scriptlet {
namespace cidr {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

// "1", "1.2", "1.2.3" or "1.2.3.4": the octets given, left-aligned in a
// 32-bit address; *octets says how many.
bool parseIp4Octets(const std::string& s, Ip4* out, int* octets) {
  Ip4 v = 0;
  int n = 0;
  size_t i = 0;
  while (true) {
    if (i >= s.size() || !isDigit(s[i]) || n == 4) return false;
    unsigned octet = 0;
    size_t digits = 0;
    while (i < s.size() && isDigit(s[i]) && digits < 4) octet = octet * 10 + unsigned(s[i++] - '0'), digits++;
    if (octet > 255 || (i < s.size() && isDigit(s[i]))) return false;
    v |= Ip4(octet) << (24 - 8 * n);
    n++;
    if (i == s.size()) break;
    if (s[i++] != '.') return false;
  }
  *out = v;
  *octets = n;
  return true;
}

bool parseNumber(const std::string& s, unsigned max, unsigned* out) {
  if (s.empty() || s.size() > 3) return false;
  unsigned v = 0;
  for (char c : s) {
    if (!isDigit(c)) return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > max) return false;
  *out = v;
  return true;
}

Ip4 hostMask4(unsigned prefix) { return prefix == 0 ? ~Ip4(0) : prefix >= 32 ? 0 : (Ip4(1) << (32 - prefix)) - 1; }
Ip6 hostMask6(unsigned prefix) { return prefix == 0 ? ~Ip6(0) : prefix >= 128 ? 0 : (Ip6(1) << (128 - prefix)) - 1; }

// An IPv4 entry: a.b.c.d, a.b.c (a /24), a.b.c.d/len, a.b.c.d-e.f.g.h, a.b.c.d-h.
bool parseIp4Entry(const std::string& tok, Ip4* lo, Ip4* hi, std::string* why) {
  size_t slash = tok.find('/'), dash = tok.find('-');
  Ip4 addr;
  int n;
  if (slash != std::string::npos) {
    unsigned prefix;
    if (!parseIp4Octets(tok.substr(0, slash), &addr, &n)) return *why = "bad IPv4 address '" + tok + "'", false;
    if (!parseNumber(tok.substr(slash + 1), 32, &prefix)) return *why = "bad prefix length in '" + tok + "' (0 to 32)", false;
    *lo = addr & ~hostMask4(prefix);  // host bits set by mistake are dropped
    *hi = *lo | hostMask4(prefix);
    return true;
  }
  if (dash != std::string::npos && isDigit(tok[0])) {
    Ip4 end;
    int m;
    if (!parseIp4Octets(tok.substr(0, dash), &addr, &n) || !parseIp4Octets(tok.substr(dash + 1), &end, &m) || m > n)
      return *why = "bad IPv4 range '" + tok + "'", false;
    // A short end replaces the start's last octets: 1.2.3.4-9, 1.2.3-5.
    unsigned keep = unsigned(n - m) * 8;
    end = (keep ? addr & ~hostMask4(keep) : 0) | (end >> keep);
    *lo = addr;
    *hi = end | hostMask4(unsigned(n) * 8);
    if (*lo > *hi) return *why = "IPv4 range '" + tok + "' ends before it starts", false;
    return true;
  }
  if (!parseIp4Octets(tok, &addr, &n))
    return *why = (isDigit(tok[0]) ? "bad IPv4 address '" : "bad address '") + tok + "'", false;
  *lo = addr;
  *hi = addr | hostMask4(unsigned(n) * 8);
  return true;
}

bool parseIp6Entry(const std::string& tok, Ip6* lo, Ip6* hi, std::string* why) {
  if (tok.find('-') != std::string::npos) return *why = "IPv6 ranges are not supported ('" + tok + "'): use prefixes", false;
  size_t slash = tok.find('/');
  unsigned prefix = 128;
  Ip6 addr;
  std::string a = tok.substr(0, slash);
  if (!parseIp6(a.data(), a.size(), &addr))
    return *why = "bad IPv6 address '" + tok + "' (an IPv6 line needs whitespace before the ':' of its value)", false;
  if (slash != std::string::npos && !parseNumber(tok.substr(slash + 1), 128, &prefix))
    return *why = "bad prefix length in '" + tok + "' (0 to 128)", false;
  *lo = addr & ~hostMask6(prefix);
  *hi = *lo | hostMask6(prefix);
  return true;
}

// The A column: "127.0.0.3", or rbldnsd's shorthand "3" for 127.0.0.3.
bool normalizeA(const std::string& a, std::string* out) {
  unsigned last;
  if (parseNumber(a, 255, &last)) return *out = "127.0.0." + a, true;
  Ip4 ip;
  int n;
  if (!parseIp4Octets(a, &ip, &n) || n != 4) return false;
  *out = a;
  return true;
}

struct Value {
  std::string a = "127.0.0.2";  // rbldnsd's default A
  std::string txt;
  bool hasTxt = false;
};

// The value column: ":A:TXT", ":A", or a bare TXT; what it omits comes from base.
bool parseValue(const std::string& rest, const Value& base, Value* out, std::string* why) {
  *out = base;
  if (rest.empty()) return true;
  if (rest[0] != ':') {
    out->txt = rest;
    out->hasTxt = true;
    return true;
  }
  size_t second = rest.find(':', 1);
  std::string a = rest.substr(1, second == std::string::npos ? std::string::npos : second - 1);
  if (!a.empty() && !normalizeA(a, &out->a)) return *why = "bad A value '" + a + "' (an IPv4 address or 0-255)", false;
  if (second != std::string::npos) {
    out->txt = rest.substr(second + 1);
    out->hasTxt = true;
  }
  return true;
}

// What a hit returns: the A value, or the text (the A value when no text was
// ever given, so that a hit is never taken for the usual default "").
const std::string& resultOf(const Value& v, ValueKind kind) {
  return kind == ValueKind::A || !v.hasTxt ? v.a : v.txt;
}

// Whether the line's first word is an IPv6 address or prefix ("::1",
// "::/0"): then it is an entry, not a ":A:TXT" default value line.
bool startsWithIp6(const std::string& line) {
  size_t end = 0;
  while (end < line.size() && !isSpace(line[end])) end++;
  std::string word = line.substr(0, std::min(end, line.find('/')));
  Ip6 ignored;
  return parseIp6(word.data(), word.size(), &ignored);
}

// One line, without its end; blank lines and comments already skipped.
bool parseLine(const std::string& line, ValueKind kind, Value* defaults, CidrTableBuilder* b, std::string* why) {
  if (line[0] == '$') return true;  // $SOA, $NS, $TTL, $DATASET...: DNS zone matters
  if (line[0] == ':' && !startsWithIp6(line)) return parseValue(line, *defaults, defaults, why);
  bool exclude = line[0] == '!';
  size_t start = exclude ? 1 : 0;
  size_t end = start;
  while (end < line.size() && !isSpace(line[end])) end++;
  std::string tok = line.substr(start, end - start);
  size_t colon = tok.find(':'), dot = tok.find('.');
  bool v4 = colon == std::string::npos || (dot != std::string::npos && dot < colon);
  if (v4 && colon != std::string::npos) {  // 1.2.3.4:127.0.0.3:text
    end = start + colon;
    tok.resize(colon);
  }
  if (tok.empty()) return *why = "no address", false;
  size_t valueAt = end;
  while (valueAt < line.size() && isSpace(line[valueAt])) valueAt++;
  Value value;
  if (!exclude && !parseValue(line.substr(valueAt), *defaults, &value, why)) return false;
  uint32_t index = exclude ? kNoValue : b->internValue(resultOf(value, kind));
  if (v4) {
    Ip4 lo, hi;
    if (!parseIp4Entry(tok, &lo, &hi, why)) return false;
    b->add4(lo, hi, index);
  } else {
    Ip6 lo, hi;
    if (!parseIp6Entry(tok, &lo, &hi, why)) return false;
    b->add6(lo, hi, index);
  }
  return true;
}

}  // namespace

bool parseRbldnsd(const std::string& text, const std::string& name, ValueKind kind, CidrTable* out, std::string* error) {
  CidrTableBuilder builder;
  Value defaults;
  size_t pos = 0, lineNo = 0;
  std::string line, why;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    lineNo++;
    size_t b = pos, e = nl;
    pos = nl + 1;
    while (b < e && isSpace(text[b])) b++;
    while (e > b && isSpace(text[e - 1])) e--;
    if (b == e || text[b] == '#' || text[b] == ';') continue;
    line.assign(text, b, e - b);
    if (line.find('\0') != std::string::npos) why = "a NUL byte (not a text file?)";
    else if (parseLine(line, kind, &defaults, &builder, &why)) continue;
    *error = name + ":" + std::to_string(lineNo) + ": " + why;
    return false;
  }
  *out = builder.build();
  return true;
}

bool loadRbldnsdFile(const std::string& path, ValueKind kind, CidrTable* out, std::string* error) {
  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return *error = path + ": " + std::strerror(errno), false;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  bool failed = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (failed) return *error = path + ": " + std::strerror(err), false;
  return parseRbldnsd(text, path, kind, out, error);
}

}  // namespace cidr
}  // namespace scriptlet
