// One sliding-window series of msys.audit_series (and of the inbound audit
// the host feeds): per key, a ring of `windows` counters, one per interval
// of `interval` seconds; window 0 is the current interval (bucket =
// floor(now / interval)), 1 the one before, and so on.
//
// Shared by every worker thread of the process: one mutex per series, held
// for a hash lookup and a few additions, never across a Lua call or I/O.
//
// Counting by prefix: addresses are counted per address (/32, /128), and a
// count for "a.b.c.d/m" first makes the series keep a counter per /m prefix
// too (built once from the per-address counters, then kept by every add),
// so every count is one lookup, whatever the mask.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "series_replica.hpp"
#include "spin_lock.hpp"
#include "state_key.hpp"

namespace scriptlet {

enum class SeriesType : int { Cidr = 0, CidrIpv6 = 1, String = 2, Address = 3 };  // Address: either family (inbound audit)

const char* seriesTypeName(SeriesType t);
bool seriesTypeFromName(const char* s, SeriesType* out);

struct SeriesParams {
  SeriesType type = SeriesType::String;
  int64_t interval = 0;  // seconds; 0: one window that never turns (a gauge)
  int windows = 1;
  bool persist = false;
  bool dropZero = false;  // forget a key whose count is back to 0 (session gauges)

  bool sameShape(const SeriesParams& o) const {
    return type == o.type && interval == o.interval && windows == o.windows;
  }
};

class Series {
 public:
  explicit Series(const SeriesParams& params);
  Series(const Series&) = delete;
  Series& operator=(const Series&) = delete;

  const SeriesParams& params() const { return params_; }
  // Set when a define with other parameters replaced this series: holders
  // of the pointer look the name up again.
  bool retired() const { return retired_.load(std::memory_order_acquire); }
  void retire();

  // The address (of the family the series takes) or string key.
  void addAddress(const IpAddress& ip, int64_t count, int64_t now);
  int64_t countAddress(const IpAddress& ip, int mask, int startv, int endv, int64_t now);
  void removeAddress(const IpAddress& ip, int mask);
  void addString(const char* s, size_t n, int64_t count, int64_t now);
  int64_t countString(const char* s, size_t n, int startv, int endv, int64_t now);
  void removeString(const char* s, size_t n);

  size_t keyCount();

  // replicate = "cluster" with Redis configured (series_replica.hpp): set
  // once, right after define; from then on counts come from the replica.
  void enableReplica();
  bool replicated() const { return replica_.load(std::memory_order_acquire) != nullptr; }
  // Redis lost its data: every live window is raised back to what this node counts.
  void resendToReplica(int64_t now);
  // Runs f(replica) under the series' lock (the host's drain and install).
  template <class F>
  void withReplica(F&& f) {
    std::lock_guard<SpinLock> lock(mu_);
    if (SeriesReplica* r = replica_.load(std::memory_order_relaxed)) f(*r);
  }
  // Persistence (snapshot.cpp): the per-address and string keys as text
  // lines "k <hex key> <bucket>:<count> ...", and one such line read back.
  void appendImage(std::string* out, int64_t now);
  bool loadImageLine(const char* line, size_t n);

 private:
  struct Slot {
    int64_t bucket = -1;
    int64_t count = 0;
  };
  using Ring = std::vector<Slot>;

  int64_t bucketAt(int64_t now) const { return params_.interval > 0 ? now / params_.interval : 0; }
  void addToKey(const std::string& key, int64_t count, int64_t bucket);
  int64_t sumKey(const std::string& key, int startv, int endv, int64_t bucket);
  void trackMask(int family, int mask);
  void mergeRing(Ring* into, const Ring& from, int sign);
  void sweepIfDue(int64_t bucket);

  SeriesParams params_;
  std::atomic<bool> retired_{false};
  std::atomic<SeriesReplica*> replica_{nullptr};  // never freed, as series are not
  SpinLock mu_;
  std::unordered_map<std::string, Ring> rings_;
  bool tracked4_[33] = {};
  bool tracked6_[129] = {};
  bool anyPrefix_ = false;
  size_t sweepAt_ = 4096;
};

}  // namespace scriptlet
