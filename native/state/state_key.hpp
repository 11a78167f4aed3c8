// Keys of the shared store. An address key is bytes: the family (4 or 6),
// the prefix length, then the masked address (4 or 16 bytes), so that a
// count by prefix ("10.0.0.0/8") is one lookup in the same map as the
// per-address counts (see shared_series.hpp). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d, what a dual-stack Node socket reports) are IPv4.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace scriptlet {

struct IpAddress {
  int family = 0;  // 4 or 6; 0: not an address
  uint8_t bytes[16] = {};
  int bits() const { return family == 4 ? 32 : 128; }
};

// Parses "1.2.3.4", "::1", "::ffff:1.2.3.4" (then IPv4). Allocation-free.
bool parseIp(const char* s, size_t n, IpAddress* out);

// Splits "addr/mask", "/mask" or "addr": *addr/*addrLen the part before
// the slash (may be empty), *mask the length or -1 when none was given.
// False when the mask is not a number.
bool splitCidr(const char* s, size_t n, const char** addr, size_t* addrLen, int* mask);

// The address as IPv6 (IPv4 mapped into ::ffff:0:0/96), for cidr_ipv6 series.
IpAddress asIpv6(const IpAddress& ip);

// Writes [family][mask][masked address] into key (its capacity kept).
void addressKey(const IpAddress& ip, int mask, std::string* key);

}  // namespace scriptlet
