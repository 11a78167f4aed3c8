// One immutable CIDR table: IPv4 and IPv6 entries (prefixes, ranges and
// exclusions, each with a value) flattened once, when the table is built,
// into sorted disjoint intervals, so that a lookup is one binary search over
// a flat array and allocates nothing. IPv4 has, besides, an index by the top
// 16 bits of the address (256 KiB), so that a lookup reads the index, then
// searches the few intervals of its /16 (three cache lines, not the
// seventeen of a plain binary search over 100 000 entries). Where entries overlap the most specific
// (smallest) one wins, which for prefixes is the longest-prefix match; at
// equal size an exclusion wins, then the later line. rbldnsd's own ip4set
// keeps sorted arrays for the same reason (ranges and exclusions do not fit
// a prefix tree without splitting them).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "ip_address.hpp"

namespace scriptlet {
namespace cidr {

constexpr uint32_t kNoValue = UINT32_MAX;  // an exclusion, or outside every entry

template <class Key>
struct Entry {
  Key lo, hi;       // inclusive
  uint32_t value;   // index into the table's values, or kNoValue (exclusion)
  uint32_t order;   // the line's rank: the later line wins a tie
};

class CidrTable {
 public:
  // The value of the most specific entry holding the address; null on a miss.
  const std::string* lookup(const IpAddress& a) const {
    uint32_t v = a.v6 ? find6(a.v6bits) : find4(a.v4);
    return v == kNoValue ? nullptr : &values_[v];
  }
  size_t entryCount() const { return entries_; }
  size_t intervalCount() const { return v4_.size() + v6Starts_.size(); }

  friend class CidrTableBuilder;

 private:
  struct Interval4 {
    Ip4 start;
    uint32_t value;
  };

  // The last interval starting at or before k: every interval before
  // index[k >> 16] starts below k's /16, every one from index[(k >> 16) + 1]
  // after it, so the answer's successor lies between the two.
  uint32_t find4(Ip4 k) const {
    if (v4_.empty()) return kNoValue;
    size_t lo = v4Index_[k >> 16], hi = v4Index_[(k >> 16) + 1];
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (v4_[mid].start <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo == 0 ? kNoValue : v4_[lo - 1].value;
  }

  uint32_t find6(Ip6 k) const {
    size_t lo = 0, hi = v6Starts_.size();
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (v6Starts_[mid] <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo == 0 ? kNoValue : v6Values_[lo - 1];
  }

  std::vector<std::string> values_;
  std::vector<Interval4> v4_;
  std::vector<uint32_t> v4Index_;  // 65 537 entries: the first interval of each /16
  std::vector<Ip6> v6Starts_;
  std::vector<uint32_t> v6Values_;
  size_t entries_ = 0;
};

// Collects entries in file order, then makes the table.
class CidrTableBuilder {
 public:
  uint32_t internValue(const std::string& value);
  void add4(Ip4 lo, Ip4 hi, uint32_t value) { v4_.push_back({lo, hi, value, order_++}); }
  void add6(Ip6 lo, Ip6 hi, uint32_t value) { v6_.push_back({lo, hi, value, order_++}); }
  CidrTable build();

 private:
  std::vector<std::string> values_;
  std::unordered_map<std::string, uint32_t> valueIndex_;
  std::vector<Entry<Ip4>> v4_;
  std::vector<Entry<Ip6>> v6_;
  uint32_t order_ = 0;
};

}  // namespace cidr
}  // namespace scriptlet
