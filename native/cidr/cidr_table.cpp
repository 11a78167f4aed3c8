#include "cidr_table.hpp"

#include <algorithm>
#include <queue>

namespace scriptlet {
namespace cidr {

namespace {

// Whether a is more specific than b: smaller, then an exclusion, then later.
template <class Key>
bool moreSpecific(const Entry<Key>& a, const Entry<Key>& b) {
  Key sa = a.hi - a.lo, sb = b.hi - b.lo;
  if (sa != sb) return sa < sb;
  bool xa = a.value == kNoValue, xb = b.value == kNoValue;
  if (xa != xb) return xa;
  return a.order > b.order;
}

// A sweep over every boundary: at each point the winner is the most specific
// entry still open (a heap, whose closed entries are dropped when they come
// to the top). Adjacent pieces with the same winner merge.
template <class Key>
void flatten(std::vector<Entry<Key>>& entries, std::vector<Key>& starts, std::vector<uint32_t>& values) {
  constexpr Key kMax = ~Key(0);
  std::vector<Key> points;
  points.reserve(entries.size() * 2);
  for (const Entry<Key>& e : entries) {
    points.push_back(e.lo);
    if (e.hi != kMax) points.push_back(e.hi + 1);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::sort(entries.begin(), entries.end(), [](const Entry<Key>& a, const Entry<Key>& b) { return a.lo < b.lo; });
  auto lessSpecific = [&entries](size_t a, size_t b) { return moreSpecific(entries[b], entries[a]); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(lessSpecific)> open(lessSpecific);
  size_t next = 0;
  uint32_t previous = kNoValue;
  for (Key p : points) {
    while (next < entries.size() && entries[next].lo <= p) open.push(next++);
    while (!open.empty() && entries[open.top()].hi < p) open.pop();
    uint32_t winner = open.empty() ? kNoValue : entries[open.top()].value;
    if (winner == previous && !starts.empty()) continue;
    if (starts.empty() && winner == kNoValue) continue;
    starts.push_back(p);
    values.push_back(winner);
    previous = winner;
  }
  starts.shrink_to_fit();
  values.shrink_to_fit();
}

}  // namespace

uint32_t CidrTableBuilder::internValue(const std::string& value) {
  auto it = valueIndex_.find(value);
  if (it != valueIndex_.end()) return it->second;
  uint32_t index = static_cast<uint32_t>(values_.size());
  values_.push_back(value);
  valueIndex_.emplace(value, index);
  return index;
}

CidrTable CidrTableBuilder::build() {
  CidrTable t;
  t.entries_ = v4_.size() + v6_.size();
  std::vector<Ip4> starts;
  std::vector<uint32_t> values;
  flatten(v4_, starts, values);
  t.v4_.reserve(starts.size());
  for (size_t i = 0; i < starts.size(); i++) t.v4_.push_back({starts[i], values[i]});
  if (!starts.empty()) {
    t.v4Index_.resize(65537);
    size_t i = 0;
    for (uint32_t b = 0; b <= 65536; b++) {
      uint64_t first = uint64_t(b) << 16;
      while (i < starts.size() && starts[i] < first) i++;
      t.v4Index_[b] = static_cast<uint32_t>(i);
    }
  }
  flatten(v6_, t.v6Starts_, t.v6Values_);
  t.values_ = std::move(values_);
  return t;
}

}  // namespace cidr
}  // namespace scriptlet
