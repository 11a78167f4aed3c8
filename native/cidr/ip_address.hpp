// IP addresses as the CIDR tables key them: IPv4 as a 32-bit number, IPv6 as
// a 128-bit one (GCC's unsigned __int128), both in network order of
// significance so that numeric order is address order. Parsing and printing
// work on the caller's stack: a query allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace scriptlet {
namespace cidr {

using Ip4 = uint32_t;
using Ip6 = unsigned __int128;

struct IpAddress {
  bool v6 = false;
  Ip4 v4 = 0;
  Ip6 v6bits = 0;
};

// A whole address as a query gives it: dotted IPv4, IPv6 (an IPv4-mapped one,
// ::ffff:a.b.c.d, is taken as its IPv4 address, as a dual-stack socket
// reports IPv4 peers so), optionally in [brackets] or with a %zone.
bool parseQueryAddress(const char* s, size_t len, IpAddress* out);
// Full-syntax IPv6 (inet_pton), no prefix.
bool parseIp6(const char* s, size_t len, Ip6* out);
// The canonical text (dotted quad; RFC 5952 IPv6); buf holds at least 64 bytes.
size_t formatAddress(const IpAddress& a, char* buf);

}  // namespace cidr
}  // namespace scriptlet
