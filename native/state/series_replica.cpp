#include "series_replica.hpp"

#include <algorithm>
#include <atomic>

namespace scriptlet {

namespace {
std::atomic<uint64_t> firstSights{0};
}  // namespace

uint64_t replicaFirstSights() { return firstSights.load(std::memory_order_relaxed); }

void SeriesReplica::addTo(Ring* ring, size_t windows, int64_t bucket, int64_t count) {
  if (ring->empty()) ring->resize(windows);
  Window& w = (*ring)[static_cast<size_t>(bucket % static_cast<int64_t>(windows))];
  if (w.bucket > bucket) return;  // the slot has moved on: that window is gone
  if (w.bucket != bucket) {
    w.bucket = bucket;
    w.count = 0;
  }
  w.count += count;
}

SeriesReplica::Key& SeriesReplica::entry(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) {
    it = keys_.emplace(key, Key{}).first;
    firstSights.fetch_add(1, std::memory_order_relaxed);
  }
  it->second.touched = generation_;
  return it->second;
}

void SeriesReplica::add(const std::string& key, int64_t count, int64_t bucket) {
  addTo(&entry(key).pending, static_cast<size_t>(windows_), bucket, count);
}

int64_t SeriesReplica::sum(const std::string& key, int startv, int endv, int64_t bucket) {
  // A key this node never saw is watched from now on: the next flush reads
  // its windows from Redis; until then it counts what this node added.
  Key& k = entry(key);
  int last = std::min(endv, windows_ - 1);
  int64_t total = 0;
  for (const Ring* ring : {&k.remote, &k.inflight, &k.pending}) {
    if (ring->empty()) continue;
    for (int w = startv; w <= last; w++) {
      int64_t b = bucket - w;
      if (b < 0) break;
      const Window& slot = (*ring)[static_cast<size_t>(b % windows_)];
      if (slot.bucket == b) total += slot.count;
    }
  }
  return total;
}

void SeriesReplica::forget(const std::string& key) {
  keys_.erase(key);
  removed_.push_back(key);
}

void SeriesReplica::clear() {
  keys_.clear();
  removed_.clear();
}

void SeriesReplica::drain(int64_t bucket, uint64_t generation, uint64_t idleDrains, uint64_t seq,
                          std::vector<DrainedKey>* out, std::vector<std::string>* removed, bool unreadOnly) {
  if (!unreadOnly) generation_ = generation;
  auto nonZero = [](const Ring& r) {
    for (const Window& w : r)
      if (w.bucket >= 0 && w.count != 0) return true;
    return false;
  };
  for (auto it = keys_.begin(); it != keys_.end();) {
    Key& k = it->second;
    if (unreadOnly && k.fetchedBucket >= 0) {
      ++it;
      continue;
    }
    if (!unreadOnly && !k.unacked && !nonZero(k.pending) && !nonZero(k.floor) && generation - k.touched > idleDrains) {
      it = keys_.erase(it);
      continue;
    }
    DrainedKey d;
    d.key = it->first;
    if (!k.unacked) {
      k.inflight.clear();
      for (Window& w : k.pending) {
        if (w.bucket < 0 || w.count == 0 || w.bucket <= bucket - windows_) continue;
        addTo(&k.inflight, static_cast<size_t>(windows_), w.bucket, w.count);
      }
      k.pending.clear();
      k.inflightSeq = seq;
    }
    for (const Window& w : k.inflight) {
      if (w.bucket < 0 || w.count == 0) continue;
      d.deltas.push_back(w.bucket);
      d.deltas.push_back(w.count);
    }
    d.seq = k.inflightSeq;
    for (const Window& w : k.floor) {
      if (w.bucket < 0 || w.bucket <= bucket - windows_) continue;
      d.floors.push_back(w.bucket);
      d.floors.push_back(w.count);
    }
    d.full = k.fetchedBucket != bucket;
    k.sent = true;
    out->push_back(std::move(d));
    ++it;
  }
  if (unreadOnly) return;
  removed->insert(removed->end(), removed_.begin(), removed_.end());
  removed_.clear();
}

int64_t SeriesReplica::windowSum(const Key& k, int64_t bucket) const {
  int64_t total = 0;
  for (const Ring* ring : {&k.remote, &k.inflight, &k.pending}) {
    if (ring->empty()) continue;
    const Window& w = (*ring)[static_cast<size_t>(bucket % windows_)];
    if (w.bucket == bucket) total += w.count;
  }
  return total;
}

void SeriesReplica::raiseFloor(Key* k, int64_t bucket, int64_t value) {
  if (k->floor.empty()) k->floor.resize(static_cast<size_t>(windows_));
  Window& w = k->floor[static_cast<size_t>(bucket % windows_)];
  if (w.bucket > bucket) return;
  if (w.bucket != bucket) w = Window{bucket, value};
  w.count = std::max(w.count, value);
}

void SeriesReplica::restoreAll(int64_t bucket) {
  for (auto& [key, k] : keys_) {
    // The floor is the last total read; the adds not known applied (in
    // flight or pending) go on top as adds, under a new batch number.
    if (!k.remote.empty()) {
      for (int w = 0; w < windows_ && bucket - w >= 0; w++) {
        const Window& r = k.remote[static_cast<size_t>((bucket - w) % windows_)];
        if (r.bucket == bucket - w && r.count > 0) raiseFloor(&k, r.bucket, r.count);
      }
    }
    for (const Window& w : k.inflight)
      if (w.bucket >= 0 && w.count != 0) addTo(&k.pending, static_cast<size_t>(windows_), w.bucket, w.count);
    k.inflight.clear();
    k.unacked = false;
  }
}

void SeriesReplica::restoreLocal(const std::string& key, int64_t bucket, int64_t count) {
  if (count > 0) raiseFloor(&entry(key), bucket, count);
}

void SeriesReplica::install(const std::string& key, int64_t bucket, int64_t total, bool keepHigher) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;  // removed meanwhile
  Ring& remote = it->second.remote;
  if (remote.empty()) remote.resize(static_cast<size_t>(windows_));
  Window& w = remote[static_cast<size_t>(bucket % windows_)];
  if (w.bucket > bucket) return;
  if (keepHigher && w.bucket == bucket && w.count > total) return;
  w.bucket = bucket;
  w.count = total;
}

void SeriesReplica::settle(const std::string& key, bool ok, bool full, int64_t bucket) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  Key& k = it->second;
  if (!k.sent) return;
  k.sent = false;
  if (ok) {
    if (full) k.fetchedBucket = bucket;
    k.inflight.clear();
    k.floor.clear();
    k.unacked = false;
  } else {
    k.unacked = true;  // sent again, under the same seq, with the next flush
  }
}

namespace {

std::atomic<bool> enabled{false};
std::mutex registryMu;
std::vector<ReplicatedSeries>& registry() {
  static auto* r = new std::vector<ReplicatedSeries>();  // never freed: workers may outlive static destruction
  return *r;
}

}  // namespace

void setReplicationEnabled(bool on) { enabled.store(on, std::memory_order_release); }
bool replicationEnabled() { return enabled.load(std::memory_order_acquire); }

void registerReplicatedSeries(const std::string& name, Series* series) {
  std::lock_guard<std::mutex> lock(registryMu);
  for (ReplicatedSeries& r : registry()) {
    if (r.name == name) {
      r.series = series;
      return;
    }
  }
  registry().push_back({name, series});
}

std::vector<ReplicatedSeries> replicatedSeries() {
  std::lock_guard<std::mutex> lock(registryMu);
  return registry();
}

}  // namespace scriptlet
