#include "state_key.hpp"

#include <arpa/inet.h>

namespace scriptlet {

namespace {

// Dotted quad, four decimal parts of 0-255 without leading zeros beyond
// one digit: the common case, without inet_pton's copy and locale checks.
bool parseDottedQuad(const char* s, size_t n, uint8_t* out) {
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= n || s[i] != '.') return false;
      i++;
    }
    size_t start = i;
    unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3) v = v * 10 + static_cast<unsigned>(s[i++] - '0');
    if (i == start || v > 255 || (s[start] == '0' && i - start > 1)) return false;
    out[part] = static_cast<uint8_t>(v);
  }
  return i == n;
}

}  // namespace

bool parseIp(const char* s, size_t n, IpAddress* out) {
  if (parseDottedQuad(s, n, out->bytes)) {
    out->family = 4;
    return true;
  }
  char buf[64];
  if (n == 0 || n >= sizeof buf) return false;
  std::memcpy(buf, s, n);
  buf[n] = 0;
  if (inet_pton(AF_INET, buf, out->bytes) == 1) {
    out->family = 4;
    return true;
  }
  uint8_t v6[16];
  if (inet_pton(AF_INET6, buf, v6) != 1) return false;
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(v6, kMapped, 12) == 0) {
    out->family = 4;
    std::memcpy(out->bytes, v6 + 12, 4);
  } else {
    out->family = 6;
    std::memcpy(out->bytes, v6, 16);
  }
  return true;
}

bool splitCidr(const char* s, size_t n, const char** addr, size_t* addrLen, int* mask) {
  const char* slash = static_cast<const char*>(std::memchr(s, '/', n));
  *addr = s;
  *addrLen = slash ? static_cast<size_t>(slash - s) : n;
  *mask = -1;
  if (!slash) return true;
  const char* p = slash + 1;
  const char* end = s + n;
  if (p == end || end - p > 3) return false;
  int m = 0;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return false;
    m = m * 10 + (*p - '0');
  }
  *mask = m;
  return true;
}

IpAddress asIpv6(const IpAddress& ip) {
  if (ip.family == 6) return ip;
  IpAddress v6;
  v6.family = 6;
  v6.bytes[10] = v6.bytes[11] = 0xff;
  std::memcpy(v6.bytes + 12, ip.bytes, 4);
  return v6;
}

void addressKey(const IpAddress& ip, int mask, std::string* key) {
  int len = ip.family == 4 ? 4 : 16;
  char buf[18];
  buf[0] = static_cast<char>(ip.family);
  buf[1] = static_cast<char>(mask);
  for (int i = 0; i < len; i++) {
    int keep = mask - i * 8;  // bits of this byte inside the prefix
    uint8_t b = ip.bytes[i];
    buf[2 + i] = static_cast<char>(keep >= 8 ? b : keep <= 0 ? 0 : b & static_cast<uint8_t>(0xff << (8 - keep)));
  }
  key->assign(buf, 2 + len);
}

}  // namespace scriptlet
