// The embedded shared store: one per process (per engine .so), reached by
// every worker thread's Lua states without a message between threads.
//
// Why a process-global and not instance data (which STYLE.md asks of
// per-load state): the addon is loaded once per worker thread, and sharing
// across those threads is the point. Each engine is its own .so, so the
// LuaJIT and the Lua 5.1 addons each have their own store; a process runs
// one engine in practice. Nothing here is freed before the process ends
// (series, caches and counters are few, named by the policy).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "shared_series.hpp"

namespace scriptlet {

// msys.gauge_cache: string-keyed counters, each forgotten ttl seconds after
// its last change, the least recently changed dropped past maxElems.
class GaugeCache {
 public:
  GaugeCache(size_t maxElems, int64_t ttl) : maxElems_(maxElems), ttl_(ttl) {}
  void setLimits(size_t maxElems, int64_t ttl);
  void add(const char* key, size_t n, int64_t delta, int64_t now);
  int64_t get(const char* key, size_t n, int64_t now);
  void remove(const char* key, size_t n);
  size_t size();

 private:
  struct Entry {
    int64_t value = 0;
    int64_t modified = 0;
    std::list<const std::string*>::iterator age;
  };
  void evictOverLimit();

  SpinLock mu_;
  size_t maxElems_;
  int64_t ttl_;  // 0: never expires
  std::unordered_map<std::string, Entry> entries_;
  std::list<const std::string*> byAge_;  // least recently changed first
};

// msys.counter: a named 64-bit counter. STRICT adds with sequentially
// consistent atomics, RELAXED with relaxed ones: both are exact.
struct CounterCell {
  std::atomic<int64_t> value{0};
  int semantics = 0;  // 0 STRICT, 1 RELAXED
  std::string path;
};

// What the store holds and has done, for the host's metrics (scrape time:
// one lock of the registry, then one spin lock per series and cache).
struct SharedStoreStats {
  size_t series = 0;       // msys.audit_series defined
  size_t seriesKeys = 0;   // their keys, with the per-prefix counters masked counts keep
  size_t gaugeCaches = 0;  // msys.gauge_cache defined
  size_t gaugeKeys = 0;    // their entries
  size_t counters = 0;     // msys.counter paths (unlinked ones not counted)
  size_t auditKeys = 0;    // the inbound audit's keys (connections, receptions, rejections, sessions)
  uint64_t snapshotWrites = 0;  // snapshot files written
  uint64_t snapshotErrors = 0;  // snapshot writes that failed
};

class SharedStore {
 public:
  static SharedStore& instance();

  SharedStoreStats stats();

  // Seconds since the epoch, or the clock a test set.
  int64_t now() const;
  void setTestClock(int64_t seconds);  // < 0: back to the system clock

  // msys.audit_series. define returns the series and, in *note, a line to
  // log (parameters changed, snapshot ignored, persistence off) or "".
  Series* defineSeries(const std::string& name, const SeriesParams& params, std::string* note);
  Series* findSeries(const std::string& name);
  size_t seriesCount();

  GaugeCache* defineGauge(const std::string& name, size_t maxElems, int64_t ttl);
  GaugeCache* findGauge(const std::string& name);

  // Opens (creating with semantics when create) the counter at path; null
  // when it does not exist and create is false.
  CounterCell* counter(const std::string& path, int semantics, bool create);
  bool unlinkCounter(const std::string& path);

  // The inbound audit the host feeds (native/napi/state_host.cpp).
  Series& connections() { return *audit_[0].load(std::memory_order_acquire); }
  Series& receptions() { return *audit_[1].load(std::memory_order_acquire); }
  Series& rejections() { return *audit_[2].load(std::memory_order_acquire); }
  Series& sessions(const std::string& service);  // live sessions (a gauge per address)
  void configureAudit(int64_t interval, int windows);
  int64_t auditInterval() const { return audit_[0].load()->params().interval; }

  // Persistence (snapshot.cpp). The directory is set by the host before
  // any master is made; "" turns persistence off.
  void configurePersistence(const std::string& dir, int64_t intervalSeconds);
  std::string snapshotPath();
  // Writes every persisted series to the snapshot (temp file + rename);
  // false with *error on failure.
  bool writeSnapshot(std::string* error);
  std::string lastSnapshotProblem();

  // Masters alive that use the store: the last one to go writes the snapshot.
  void retain();
  void release();

 private:
  SharedStore();
  void readSnapshotOnce();  // holds registryMu_
  void startTimerLocked();
  void stopTimer();
  void timerLoop();

  std::atomic<int64_t> testClock_{-1};
  std::mutex registryMu_;
  std::unordered_map<std::string, Series*> series_;
  std::vector<std::unique_ptr<Series>> allSeries_;  // retired ones too
  std::unordered_map<std::string, std::unique_ptr<GaugeCache>> gauges_;
  std::unordered_map<std::string, CounterCell*> counters_;
  std::vector<std::unique_ptr<CounterCell>> allCounters_;  // unlinked ones too: a handle may outlive its name

  // connections, receptions, rejections: replaced whole by configureAudit
  // (the old ones stay in allSeries_, as a worker may be counting in them).
  std::atomic<Series*> audit_[3];
  std::unordered_map<std::string, std::unique_ptr<Series>> sessions_;

  // Persistence.
  std::string stateDir_;
  std::atomic<int64_t> snapshotInterval_{30};
  std::atomic<uint64_t> snapshotWrites_{0}, snapshotErrors_{0};
  bool snapshotRead_ = false;
  std::string snapshotProblem_;
  std::unordered_map<std::string, std::pair<SeriesParams, std::vector<std::string>>> pending_;  // read, not yet defined
  std::mutex writeMu_;
  int users_ = 0;
  std::mutex timerMu_;  // timer_, timerStop_
  std::thread timer_;
  std::condition_variable timerCv_;
  bool timerStop_ = false;
  bool timerKick_ = false;
};

}  // namespace scriptlet
