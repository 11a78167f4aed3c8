// msys.idn: to_idn (UTF-8 domain to its ASCII, punycode form) and to_utf8
// (back). Labels are mapped as UTS-46 does for the common scripts (upper to
// lower case for Latin, Greek, Cyrillic and Armenian; full-width ASCII to
// ASCII; the ideographic full stops to '.'), then encoded by RFC 3492. Not
// done: NFC normalisation and the rest of UTS-46's mapping table (see
// docs/lua-api.md, "msys.idn").
#include <cstdint>
#include <string>
#include <vector>

#include "lua_libraries.hpp"

namespace scriptlet {

namespace {

using CodePoints = std::vector<uint32_t>;

// UTF-8 to code points; false on a malformed sequence.
bool decodeUtf8(const char* s, size_t n, CodePoints& out) {
  for (size_t i = 0; i < n;) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + extra >= n) return false;
    uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; k++) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out.push_back(cp);
    i += extra + 1;
  }
  return true;
}

void encodeUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool inRange(uint32_t cp, uint32_t lo, uint32_t hi) { return cp >= lo && cp <= hi; }

// The part of UTS-46's mapping this engine does: simple lower-casing of the
// common alphabets, and full-width ASCII to ASCII.
uint32_t mapCodePoint(uint32_t cp) {
  if (inRange(cp, 'A', 'Z')) return cp + 32;
  if (cp < 0x80) return cp;
  if (inRange(cp, 0xFF21, 0xFF3A)) return cp - 0xFF21 + 'a';
  if (inRange(cp, 0xFF41, 0xFF5A)) return cp - 0xFF41 + 'a';
  if (inRange(cp, 0xFF10, 0xFF19)) return cp - 0xFF10 + '0';
  if (cp == 0xFF0D) return '-';
  if (inRange(cp, 0xC0, 0xDE) && cp != 0xD7) return cp + 32;
  bool evenPair = inRange(cp, 0x100, 0x12F) || inRange(cp, 0x132, 0x137) || inRange(cp, 0x14A, 0x177) ||
                  inRange(cp, 0x460, 0x481) || inRange(cp, 0x48A, 0x4BF) || inRange(cp, 0x4D0, 0x4FF);
  if (evenPair) return cp % 2 == 0 ? cp + 1 : cp;
  bool oddPair = inRange(cp, 0x139, 0x148) || inRange(cp, 0x179, 0x17E) || inRange(cp, 0x4C1, 0x4CE);
  if (oddPair) return cp % 2 == 1 ? cp + 1 : cp;
  if (cp == 0x178) return 0xFF;
  if (inRange(cp, 0x391, 0x3AB) && cp != 0x3A2) return cp + 32;
  if (cp == 0x386) return 0x3AC;
  if (inRange(cp, 0x388, 0x38A)) return cp + 37;
  if (cp == 0x38C) return 0x3CC;
  if (inRange(cp, 0x38E, 0x38F)) return cp + 63;
  if (inRange(cp, 0x410, 0x42F)) return cp + 32;
  if (inRange(cp, 0x400, 0x40F)) return cp + 80;
  if (inRange(cp, 0x531, 0x556)) return cp + 48;
  return cp;
}

bool isDot(uint32_t cp) { return cp == '.' || cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61; }

// What cannot be in a host name (WHATWG's forbidden host code points).
bool isForbidden(uint32_t cp) {
  if (cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
  for (char c : std::string("#%/:<>?@[\\]^|")) if (cp == static_cast<unsigned char>(c)) return true;
  return false;
}

// RFC 3492.
constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72, kInitialN = 128;

uint32_t adapt(uint32_t delta, uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

char digitChar(uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + d - 26); }

bool punycodeEncode(const CodePoints& in, std::string& out) {
  uint32_t basic = 0;
  for (uint32_t cp : in)
    if (cp < 0x80) {
      out += static_cast<char>(cp);
      basic++;
    }
  if (basic > 0) out += '-';
  uint32_t n = kInitialN, delta = 0, bias = kInitialBias, handled = basic;
  while (handled < in.size()) {
    uint32_t m = UINT32_MAX;
    for (uint32_t cp : in)
      if (cp >= n && cp < m) m = cp;
    if (m - n > (UINT32_MAX - delta) / (handled + 1)) return false;
    delta += (m - n) * (handled + 1);
    n = m;
    for (uint32_t cp : in) {
      if (cp < n && ++delta == 0) return false;
      if (cp != n) continue;
      uint32_t q = delta;
      for (uint32_t k = kBase;; k += kBase) {
        uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
        if (q < t) break;
        out += digitChar(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += digitChar(q);
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      handled++;
    }
    delta++;
    n++;
  }
  return true;
}

bool punycodeDecode(const std::string& in, CodePoints& out) {
  size_t dash = in.rfind('-');
  size_t start = 0;
  if (dash != std::string::npos) {
    for (size_t i = 0; i < dash; i++) {
      if (static_cast<unsigned char>(in[i]) >= 0x80) return false;
      out.push_back(static_cast<unsigned char>(in[i]));
    }
    start = dash + 1;
  }
  uint32_t n = kInitialN, i = 0, bias = kInitialBias;
  for (size_t at = start; at < in.size();) {
    uint32_t oldi = i, w = 1;
    for (uint32_t k = kBase;; k += kBase) {
      if (at >= in.size()) return false;
      char c = in[at++];
      uint32_t d = c >= 'a' && c <= 'z' ? c - 'a' : c >= 'A' && c <= 'Z' ? c - 'A' : c >= '0' && c <= '9' ? c - '0' + 26 : kBase;
      if (d >= kBase || d > (UINT32_MAX - i) / w) return false;
      i += d * w;
      uint32_t t = k <= bias ? kTmin : k >= bias + kTmax ? kTmax : k - bias;
      if (d < t) break;
      if (w > UINT32_MAX / (kBase - t)) return false;
      w *= kBase - t;
    }
    uint32_t len = static_cast<uint32_t>(out.size()) + 1;
    bias = adapt(i - oldi, len, oldi == 0);
    if (i / len > 0x10FFFF - n) return false;
    n += i / len;
    i %= len;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF) || n < 0x80 || isForbidden(n)) return false;
    out.insert(out.begin() + i, n);
    i++;
  }
  return true;
}

bool startsWithAce(const CodePoints& label) {
  return label.size() >= 4 && label[0] == 'x' && label[1] == 'n' && label[2] == '-' && label[3] == '-';
}

// The name as labels, mapped; false when it is not UTF-8 or has a forbidden
// character.
bool mappedLabels(const char* s, size_t n, std::vector<CodePoints>& labels) {
  CodePoints all;
  if (!decodeUtf8(s, n, all)) return false;
  labels.emplace_back();
  for (uint32_t cp : all) {
    if (isDot(cp)) {
      labels.emplace_back();
      continue;
    }
    uint32_t m = mapCodePoint(cp);
    if (isForbidden(m)) return false;
    labels.back().push_back(m);
  }
  return true;
}

// Converts; false (and nothing useful in out) on a name it cannot.
bool toAscii(const char* s, size_t n, std::string& out) {
  std::vector<CodePoints> labels;
  if (!mappedLabels(s, n, labels)) return false;
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) out += '.';
    const CodePoints& label = labels[i];
    bool ascii = true;
    for (uint32_t cp : label) ascii = ascii && cp < 0x80;
    if (ascii) {
      if (startsWithAce(label)) {  // must decode to something
        CodePoints check;
        std::string rest;
        for (size_t k = 4; k < label.size(); k++) rest += static_cast<char>(label[k]);
        if (!punycodeDecode(rest, check)) return false;
      }
      for (uint32_t cp : label) out += static_cast<char>(cp);
      continue;
    }
    out += "xn--";
    if (!punycodeEncode(label, out)) return false;
  }
  return true;
}

bool toUnicode(const char* s, size_t n, std::string& out) {
  std::vector<CodePoints> labels;
  if (!mappedLabels(s, n, labels)) return false;
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) out += '.';
    const CodePoints& label = labels[i];
    if (!startsWithAce(label)) {
      for (uint32_t cp : label) encodeUtf8(cp, out);
      continue;
    }
    std::string rest;
    for (size_t k = 4; k < label.size(); k++) {
      if (label[k] >= 0x80) return false;
      rest += static_cast<char>(label[k]);
    }
    CodePoints decoded;
    if (!punycodeDecode(rest, decoded)) return false;
    for (uint32_t cp : decoded) encodeUtf8(cp, out);
  }
  return true;
}

// [-0, +1] Runs convert on argument 1, or raises naming fn; the string is
// gone before the error is raised.
int convertOrRaise(lua_State* L, const char* fn, bool (*convert)(const char*, size_t, std::string&)) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  bool ok;
  {
    std::string out;
    ok = convert(s, n, out);
    if (ok) lua_pushlstring(L, out.data(), out.size());
  }
  if (!ok) return luaL_error(L, "%s: '%s' is not a valid domain name", fn, s);
  return 1;
}

int idnToIdn(lua_State* L) { return convertOrRaise(L, "msys.idn.to_idn", toAscii); }
int idnToUtf8(lua_State* L) { return convertOrRaise(L, "msys.idn.to_utf8", toUnicode); }

}  // namespace

void installIdn(lua_State* L) {
  pushModuleTable(L, "msys.idn");
  lua_pushcfunction(L, idnToIdn);
  lua_setfield(L, -2, "to_idn");
  lua_pushcfunction(L, idnToUtf8);
  lua_setfield(L, -2, "to_utf8");
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "loaded");
  pushModuleTable(L, "msys.idn");
  lua_setfield(L, -2, "msys.idn");
  lua_pop(L, 2);
}

}  // namespace scriptlet
