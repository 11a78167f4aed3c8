#include "ip_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace scriptlet {
namespace cidr {

namespace {

constexpr size_t kMaxText = 63;

Ip6 ip6FromBytes(const unsigned char* b) {
  Ip6 v = 0;
  for (int i = 0; i < 16; i++) v = (v << 8) | b[i];
  return v;
}

bool isMappedIp4(const unsigned char* b) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(b, kPrefix, 12) == 0;
}

// Strict dotted quad (what inet_pton takes), by hand: glibc's inet_pton
// costs more than the table lookup itself.
bool parseIp4(const char* s, size_t len, Ip4* out) {
  Ip4 v = 0;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    if (part > 0 && (i >= len || s[i++] != '.')) return false;
    size_t start = i;
    unsigned octet = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) octet = octet * 10 + unsigned(s[i++] - '0');
    if (i == start || octet > 255 || (i - start > 1 && s[start] == '0')) return false;
    v = (v << 8) | octet;
  }
  if (i != len) return false;
  *out = v;
  return true;
}

}  // namespace

bool parseIp6(const char* s, size_t len, Ip6* out) {
  if (len == 0 || len > kMaxText) return false;
  char text[kMaxText + 1];
  std::memcpy(text, s, len);
  text[len] = '\0';
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, text, bytes) != 1) return false;
  *out = ip6FromBytes(bytes);
  return true;
}

bool parseQueryAddress(const char* s, size_t len, IpAddress* out) {
  if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
    s++;
    len -= 2;
  }
  if (parseIp4(s, len, &out->v4)) {
    out->v6 = false;
    return true;
  }
  const char* zone = static_cast<const char*>(std::memchr(s, '%', len));
  if (zone) len = static_cast<size_t>(zone - s);
  if (len == 0 || len > kMaxText) return false;
  char text[kMaxText + 1];
  std::memcpy(text, s, len);
  text[len] = '\0';
  unsigned char bytes[16];
  if (inet_pton(AF_INET6, text, bytes) != 1) return false;
  if (isMappedIp4(bytes)) {
    out->v6 = false;
    out->v4 = (Ip4(bytes[12]) << 24) | (Ip4(bytes[13]) << 16) | (Ip4(bytes[14]) << 8) | bytes[15];
    return true;
  }
  out->v6 = true;
  out->v6bits = ip6FromBytes(bytes);
  return true;
}

size_t formatAddress(const IpAddress& a, char* buf) {
  unsigned char bytes[16];
  if (!a.v6) {
    for (int i = 0; i < 4; i++) bytes[i] = static_cast<unsigned char>(a.v4 >> (24 - 8 * i));
    inet_ntop(AF_INET, bytes, buf, 64);
  } else {
    for (int i = 0; i < 16; i++) bytes[i] = static_cast<unsigned char>(a.v6bits >> (120 - 8 * i));
    inet_ntop(AF_INET6, bytes, buf, 64);
  }
  return std::strlen(buf);
}

}  // namespace cidr
}  // namespace scriptlet
