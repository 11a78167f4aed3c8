#include "shared_series.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace scriptlet {

namespace {

// The key of the thread's current lookup, its capacity kept: a lookup
// allocates nothing once the thread has seen a key that long.
thread_local std::string tlsKey;
thread_local std::string tlsPrefixKey;

}  // namespace

const char* seriesTypeName(SeriesType t) {
  switch (t) {
    case SeriesType::Cidr: return "cidr";
    case SeriesType::CidrIpv6: return "cidr_ipv6";
    case SeriesType::String: return "string";
    case SeriesType::Address: return "address";
  }
  return "?";
}

bool seriesTypeFromName(const char* s, SeriesType* out) {
  for (SeriesType t : {SeriesType::Cidr, SeriesType::CidrIpv6, SeriesType::String, SeriesType::Address}) {
    if (std::string(s) == seriesTypeName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

Series::Series(const SeriesParams& params) : params_(params) {
  tracked4_[32] = true;
  tracked6_[128] = true;
}

void Series::retire() {
  std::lock_guard<SpinLock> lock(mu_);
  retired_.store(true, std::memory_order_release);
  rings_.clear();
  if (SeriesReplica* r = replica_.load(std::memory_order_relaxed)) r->clear();
}

void Series::enableReplica() {
  std::lock_guard<SpinLock> lock(mu_);
  if (!replica_.load(std::memory_order_relaxed)) replica_.store(new SeriesReplica(params_.windows), std::memory_order_release);
}

void Series::resendToReplica(int64_t now) {
  int64_t oldest = bucketAt(now) - params_.windows + 1;
  std::lock_guard<SpinLock> lock(mu_);
  SeriesReplica* r = replica_.load(std::memory_order_relaxed);
  if (!r) return;
  r->restoreAll(bucketAt(now));
  // Keys the replica no longer holds (idle): this node's own adds at least.
  for (const auto& [key, ring] : rings_) {
    if (r->holds(key)) continue;
    for (const Slot& s : ring)
      if (s.bucket >= oldest && s.count != 0) r->restoreLocal(key, s.bucket, s.count);
  }
}

void Series::addToKey(const std::string& key, int64_t count, int64_t bucket) {
  auto it = rings_.find(key);
  if (it == rings_.end()) it = rings_.emplace(key, Ring(static_cast<size_t>(params_.windows))).first;
  Slot& s = it->second[static_cast<size_t>(bucket % params_.windows)];
  if (s.bucket != bucket) {
    s.bucket = bucket;
    s.count = 0;
  }
  s.count += count;
  if (SeriesReplica* r = replica_.load(std::memory_order_relaxed)) r->add(key, count, bucket);
  if (params_.dropZero && s.count == 0) rings_.erase(it);
}

int64_t Series::sumKey(const std::string& key, int startv, int endv, int64_t bucket) {
  if (SeriesReplica* r = replica_.load(std::memory_order_relaxed)) {
    if (startv > endv || startv >= params_.windows) return 0;
    return r->sum(key, startv, endv, bucket);
  }
  auto it = rings_.find(key);
  if (it == rings_.end()) return 0;
  int64_t sum = 0;
  int last = std::min(endv, params_.windows - 1);
  if (startv > last || bucket - startv < 0) return 0;
  // One division for the first slot, then step back around the ring: a
  // modulo per window was a third of what a 12-window count cost.
  size_t n = static_cast<size_t>(params_.windows);
  size_t slot = static_cast<size_t>((bucket - startv) % params_.windows);
  for (int w = startv; w <= last; w++) {
    int64_t b = bucket - w;
    if (b < 0) break;
    const Slot& s = it->second[slot];
    if (s.bucket == b) sum += s.count;
    slot = slot == 0 ? n - 1 : slot - 1;
  }
  return sum;
}

// Adds (sign 1) or takes away (-1) from's windows to into's, window by
// window; a window into has already moved past is left alone.
void Series::mergeRing(Ring* into, const Ring& from, int sign) {
  for (const Slot& s : from) {
    if (s.bucket < 0) continue;
    Slot& t = (*into)[static_cast<size_t>(s.bucket % params_.windows)];
    if (t.bucket > s.bucket) continue;
    if (t.bucket < s.bucket) {
      t.bucket = s.bucket;
      t.count = 0;
    }
    t.count += sign * s.count;
  }
}

// Starts keeping /mask counters of that family, built from the per-address ones.
void Series::trackMask(int family, int mask) {
  bool* tracked = family == 4 ? tracked4_ : tracked6_;
  if (tracked[mask]) return;
  tracked[mask] = true;
  anyPrefix_ = true;
  int full = family == 4 ? 32 : 128;
  std::unordered_map<std::string, Ring> prefixes;
  IpAddress ip;
  ip.family = family;
  for (const auto& [key, ring] : rings_) {
    if (key.size() < 2 || key[0] != static_cast<char>(family) || static_cast<uint8_t>(key[1]) != full) continue;
    std::memcpy(ip.bytes, key.data() + 2, key.size() - 2);
    addressKey(ip, mask, &tlsPrefixKey);
    auto it = prefixes.find(tlsPrefixKey);
    if (it == prefixes.end()) it = prefixes.emplace(tlsPrefixKey, Ring(static_cast<size_t>(params_.windows))).first;
    mergeRing(&it->second, ring, 1);
  }
  for (auto& [key, ring] : prefixes) rings_[key] = std::move(ring);
}

// Forgets keys whose every window has gone by, when the map has doubled
// since the last sweep (so a sweep costs O(1) per add, amortised).
void Series::sweepIfDue(int64_t bucket) {
  if (rings_.size() < sweepAt_ || params_.interval == 0) return;
  int64_t oldest = bucket - params_.windows + 1;
  for (auto it = rings_.begin(); it != rings_.end();) {
    bool live = false;
    for (const Slot& s : it->second) live = live || s.bucket >= oldest;
    it = live ? std::next(it) : rings_.erase(it);
  }
  sweepAt_ = std::max<size_t>(4096, rings_.size() * 2);
}

void Series::addAddress(const IpAddress& ip, int64_t count, int64_t now) {
  int64_t bucket = bucketAt(now);
  std::lock_guard<SpinLock> lock(mu_);
  sweepIfDue(bucket);
  addressKey(ip, ip.bits(), &tlsKey);
  addToKey(tlsKey, count, bucket);
  if (!anyPrefix_) return;
  const bool* tracked = ip.family == 4 ? tracked4_ : tracked6_;
  for (int m = 0; m < ip.bits(); m++) {
    if (!tracked[m]) continue;
    addressKey(ip, m, &tlsKey);
    addToKey(tlsKey, count, bucket);
  }
}

int64_t Series::countAddress(const IpAddress& ip, int mask, int startv, int endv, int64_t now) {
  int64_t bucket = bucketAt(now);
  std::lock_guard<SpinLock> lock(mu_);
  if (mask != ip.bits()) trackMask(ip.family, mask);
  addressKey(ip, mask, &tlsKey);
  return sumKey(tlsKey, startv, endv, bucket);
}

void Series::removeAddress(const IpAddress& ip, int mask) {
  std::lock_guard<SpinLock> lock(mu_);
  int full = ip.bits();
  // The addresses inside ip/mask (one, for a full mask), then their share
  // of every prefix counter kept.
  std::vector<std::pair<IpAddress, Ring>> gone;
  IpAddress probe;
  probe.family = ip.family;
  addressKey(ip, mask, &tlsPrefixKey);
  // Replicated: the address's own Redis keys go even when this node never
  // counted it (another node may have).
  if (SeriesReplica* r = replica_.load(std::memory_order_relaxed); r && mask == full) r->forget(tlsPrefixKey);
  for (auto it = rings_.begin(); it != rings_.end();) {
    const std::string& key = it->first;
    bool address = key.size() >= 2 && key[0] == static_cast<char>(ip.family) && static_cast<uint8_t>(key[1]) == full;
    if (address) {
      std::memcpy(probe.bytes, key.data() + 2, key.size() - 2);
      addressKey(probe, mask, &tlsKey);
      if (tlsKey == tlsPrefixKey) {
        if (SeriesReplica* r = replica_.load(std::memory_order_relaxed); r && mask != full) r->forget(key);
        gone.emplace_back(probe, std::move(it->second));
        it = rings_.erase(it);
        continue;
      }
    }
    ++it;
  }
  const bool* tracked = ip.family == 4 ? tracked4_ : tracked6_;
  for (const auto& [addr, ring] : gone) {
    for (int m = 0; m < full; m++) {
      if (!tracked[m]) continue;
      addressKey(addr, m, &tlsKey);
      auto it = rings_.find(tlsKey);
      if (it != rings_.end()) mergeRing(&it->second, ring, -1);
    }
  }
}

void Series::addString(const char* s, size_t n, int64_t count, int64_t now) {
  int64_t bucket = bucketAt(now);
  std::lock_guard<SpinLock> lock(mu_);
  sweepIfDue(bucket);
  tlsKey.assign(s, n);
  addToKey(tlsKey, count, bucket);
}

int64_t Series::countString(const char* s, size_t n, int startv, int endv, int64_t now) {
  int64_t bucket = bucketAt(now);
  std::lock_guard<SpinLock> lock(mu_);
  tlsKey.assign(s, n);
  return sumKey(tlsKey, startv, endv, bucket);
}

void Series::removeString(const char* s, size_t n) {
  std::lock_guard<SpinLock> lock(mu_);
  tlsKey.assign(s, n);
  rings_.erase(tlsKey);
  if (SeriesReplica* r = replica_.load(std::memory_order_relaxed)) r->forget(tlsKey);
}

size_t Series::keyCount() {
  std::lock_guard<SpinLock> lock(mu_);
  return rings_.size();
}

namespace {

const char kHex[] = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

void Series::appendImage(std::string* out, int64_t now) {
  int64_t oldest = bucketAt(now) - params_.windows + 1;
  std::lock_guard<SpinLock> lock(mu_);
  char num[48];
  for (const auto& [key, ring] : rings_) {
    bool address = params_.type != SeriesType::String;
    if (address && (key.size() < 2 || static_cast<uint8_t>(key[1]) != (key[0] == 4 ? 32 : 128))) continue;  // prefixes are rebuilt
    std::string line = "k ";
    for (unsigned char c : key) {
      line += kHex[c >> 4];
      line += kHex[c & 15];
    }
    bool any = false;
    for (const Slot& s : ring) {
      if (s.bucket < oldest || s.count == 0) continue;
      std::snprintf(num, sizeof num, " %lld:%lld", static_cast<long long>(s.bucket), static_cast<long long>(s.count));
      line += num;
      any = true;
    }
    if (any) *out += line + "\n";
  }
}

bool Series::loadImageLine(const char* line, size_t n) {
  if (n < 3 || line[0] != 'k' || line[1] != ' ') return false;
  size_t i = 2;
  std::string key;
  while (i < n && line[i] != ' ') {
    if (i + 1 >= n) return false;
    int hi = hexValue(line[i]), lo = hexValue(line[i + 1]);
    if (hi < 0 || lo < 0) return false;
    key += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (key.empty()) return false;
  if (params_.type != SeriesType::String) {
    bool v4 = key[0] == 4 && key.size() == 6 && static_cast<uint8_t>(key[1]) == 32;
    bool v6 = key[0] == 6 && key.size() == 18 && static_cast<uint8_t>(key[1]) == 128;
    if (!(v4 && params_.type != SeriesType::CidrIpv6) && !(v6 && params_.type != SeriesType::Cidr)) return false;
  }
  Ring ring(static_cast<size_t>(params_.windows));
  while (i < n) {
    if (line[i] != ' ') return false;
    char* end;
    long long bucket = std::strtoll(line + i + 1, &end, 10);
    if (*end != ':' || bucket < 0) return false;
    long long count = std::strtoll(end + 1, &end, 10);
    if (end > line + n || (end < line + n && *end != ' ')) return false;
    Slot& s = ring[static_cast<size_t>(bucket % params_.windows)];
    s.bucket = bucket;
    s.count = count;
    i = static_cast<size_t>(end - line);
  }
  std::lock_guard<SpinLock> lock(mu_);
  rings_[key] = std::move(ring);
  return true;
}

}  // namespace scriptlet
