// One immutable CIDR table: IPv4 and IPv6 entries (prefixes, ranges and
// exclusions, each with a value) flattened once, when the table is built,
// into sorted disjoint intervals, so that a lookup is one binary search over
// a flat array and allocates nothing. Where entries overlap the most specific
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
    uint32_t v = a.v6 ? find(v6Starts_, v6Values_, a.v6bits) : find(v4Starts_, v4Values_, a.v4);
    return v == kNoValue ? nullptr : &values_[v];
  }
  size_t entryCount() const { return entries_; }
  size_t intervalCount() const { return v4Starts_.size() + v6Starts_.size(); }

  friend class CidrTableBuilder;

 private:
  template <class Key>
  static uint32_t find(const std::vector<Key>& starts, const std::vector<uint32_t>& values, Key k) {
    // The last interval starting at or before k (upper_bound, by hand so
    // that it inlines the same on every compiler).
    size_t lo = 0, n = starts.size();
    while (n > 0) {
      size_t half = n / 2;
      if (starts[lo + half] <= k) {
        lo += half + 1;
        n -= half + 1;
      } else {
        n = half;
      }
    }
    return lo == 0 ? kNoValue : values[lo - 1];
  }

  std::vector<std::string> values_;
  std::vector<Ip4> v4Starts_;
  std::vector<uint32_t> v4Values_;
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
