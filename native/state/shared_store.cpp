#include "shared_store.hpp"

#include <ctime>

namespace scriptlet {

namespace {

SeriesParams auditParams(int64_t interval, int windows) {
  SeriesParams p;
  p.type = SeriesType::Address;
  p.interval = interval;
  p.windows = windows;
  return p;
}

SeriesParams sessionParams() {
  SeriesParams p;
  p.type = SeriesType::Address;
  p.dropZero = true;
  return p;
}

// Momentum's inbound audit default: 12 windows of 300 s, the last hour.
constexpr int64_t kAuditInterval = 300;
constexpr int kAuditWindows = 12;

}  // namespace

void GaugeCache::setLimits(size_t maxElems, int64_t ttl) {
  std::lock_guard<SpinLock> lock(mu_);
  maxElems_ = maxElems;
  ttl_ = ttl;
  evictOverLimit();
}

void GaugeCache::evictOverLimit() {
  while (entries_.size() > maxElems_ && !byAge_.empty()) {
    const std::string* oldest = byAge_.front();
    byAge_.pop_front();
    entries_.erase(*oldest);
  }
}

void GaugeCache::add(const char* key, size_t n, int64_t delta, int64_t now) {
  thread_local std::string k;
  k.assign(key, n);
  std::lock_guard<SpinLock> lock(mu_);
  auto it = entries_.find(k);
  if (it != entries_.end() && ttl_ > 0 && now - it->second.modified >= ttl_) it->second.value = 0;  // expired: starts again
  if (it == entries_.end()) {
    if (maxElems_ == 0) return;
    it = entries_.emplace(k, Entry{}).first;
    byAge_.push_back(&it->first);
    it->second.age = std::prev(byAge_.end());
    evictOverLimit();
  } else {
    byAge_.splice(byAge_.end(), byAge_, it->second.age);
  }
  it->second.value += delta;
  it->second.modified = now;
}

int64_t GaugeCache::get(const char* key, size_t n, int64_t now) {
  thread_local std::string k;
  k.assign(key, n);
  std::lock_guard<SpinLock> lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return 0;
  if (ttl_ > 0 && now - it->second.modified >= ttl_) {
    byAge_.erase(it->second.age);
    entries_.erase(it);
    return 0;
  }
  return it->second.value;
}

void GaugeCache::remove(const char* key, size_t n) {
  thread_local std::string k;
  k.assign(key, n);
  std::lock_guard<SpinLock> lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end()) return;
  byAge_.erase(it->second.age);
  entries_.erase(it);
}

size_t GaugeCache::size() {
  std::lock_guard<SpinLock> lock(mu_);
  return entries_.size();
}

SharedStore::SharedStore() {
  for (auto& a : audit_) {
    allSeries_.push_back(std::make_unique<Series>(auditParams(kAuditInterval, kAuditWindows)));
    a.store(allSeries_.back().get());
  }
}

SharedStore& SharedStore::instance() {
  // Never destroyed: worker threads may still be using it while the
  // process runs its static destructors.
  static SharedStore* store = new SharedStore();
  return *store;
}

int64_t SharedStore::now() const {
  int64_t t = testClock_.load(std::memory_order_relaxed);
  if (t >= 0) return t;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return ts.tv_sec;
}

void SharedStore::setTestClock(int64_t seconds) { testClock_.store(seconds < 0 ? -1 : seconds, std::memory_order_relaxed); }

Series* SharedStore::defineSeries(const std::string& name, const SeriesParams& params, std::string* note) {
  note->clear();
  std::lock_guard<std::mutex> lock(registryMu_);
  auto it = series_.find(name);
  if (it != series_.end()) {
    Series* old = it->second;
    if (old->params().sameShape(params)) {  // a reload, or another worker: same data
      if (old->params().persist && !stateDir_.empty()) startTimerLocked();  // stopped if every master closed meanwhile
      return old;
    }
    *note = "msys.audit_series.define: series '" + name + "' redefined from " + seriesTypeName(old->params().type) + " " +
            std::to_string(old->params().interval) + "s x " + std::to_string(old->params().windows) + " to " +
            seriesTypeName(params.type) + " " + std::to_string(params.interval) + "s x " + std::to_string(params.windows) +
            ": its counts start again";
    old->retire();
  }
  allSeries_.push_back(std::make_unique<Series>(params));
  Series* s = allSeries_.back().get();
  series_[name] = s;
  if (!params.persist) return s;
  if (stateDir_.empty()) {
    if (note->empty()) *note = "msys.audit_series.define: series '" + name + "' asks persist = true, but no state_dir is configured: its counts are kept in memory only";
    return s;
  }
  readSnapshotOnce();
  if (!snapshotProblem_.empty() && note->empty()) *note = "msys.audit_series.define: " + snapshotProblem_;
  auto p = pending_.find(name);
  if (p != pending_.end()) {
    if (p->second.first.sameShape(params)) {
      for (const std::string& line : p->second.second) s->loadImageLine(line.data(), line.size());
    } else if (note->empty()) {
      *note = "msys.audit_series.define: the snapshot of series '" + name + "' has other parameters: not loaded";
    }
    pending_.erase(p);
  }
  startTimerLocked();
  return s;
}

Series* SharedStore::findSeries(const std::string& name) {
  std::lock_guard<std::mutex> lock(registryMu_);
  auto it = series_.find(name);
  return it == series_.end() ? nullptr : it->second;
}

size_t SharedStore::seriesCount() {
  std::lock_guard<std::mutex> lock(registryMu_);
  return series_.size();
}

SharedStoreStats SharedStore::stats() {
  SharedStoreStats out;
  std::vector<Series*> series, audit;
  std::vector<GaugeCache*> gauges;
  {
    // Pointers only under the registry's lock: series and caches are never
    // freed, and their sizes are read under their own locks below.
    std::lock_guard<std::mutex> lock(registryMu_);
    for (const auto& [name, s] : series_) series.push_back(s);
    for (const auto& [name, g] : gauges_) gauges.push_back(g.get());
    for (const auto& a : audit_) audit.push_back(a.load(std::memory_order_acquire));
    for (const auto& [service, s] : sessions_) audit.push_back(s.get());
    out.counters = counters_.size();
  }
  out.series = series.size();
  out.gaugeCaches = gauges.size();
  for (Series* s : series) out.seriesKeys += s->keyCount();
  for (GaugeCache* g : gauges) out.gaugeKeys += g->size();
  for (Series* s : audit) out.auditKeys += s->keyCount();
  out.snapshotWrites = snapshotWrites_.load(std::memory_order_relaxed);
  out.snapshotErrors = snapshotErrors_.load(std::memory_order_relaxed);
  return out;
}

GaugeCache* SharedStore::defineGauge(const std::string& name, size_t maxElems, int64_t ttl) {
  std::lock_guard<std::mutex> lock(registryMu_);
  auto it = gauges_.find(name);
  if (it != gauges_.end()) {
    it->second->setLimits(maxElems, ttl);
    return it->second.get();
  }
  return (gauges_[name] = std::make_unique<GaugeCache>(maxElems, ttl)).get();
}

GaugeCache* SharedStore::findGauge(const std::string& name) {
  std::lock_guard<std::mutex> lock(registryMu_);
  auto it = gauges_.find(name);
  return it == gauges_.end() ? nullptr : it->second.get();
}

CounterCell* SharedStore::counter(const std::string& path, int semantics, bool create) {
  std::lock_guard<std::mutex> lock(registryMu_);
  auto it = counters_.find(path);
  if (it != counters_.end()) return it->second;
  if (!create) return nullptr;
  allCounters_.push_back(std::make_unique<CounterCell>());
  CounterCell* c = allCounters_.back().get();
  c->semantics = semantics;
  c->path = path;
  counters_[path] = c;
  return c;
}

bool SharedStore::unlinkCounter(const std::string& path) {
  std::lock_guard<std::mutex> lock(registryMu_);
  return counters_.erase(path) > 0;
}

Series& SharedStore::sessions(const std::string& service) {
  std::lock_guard<std::mutex> lock(registryMu_);
  auto& s = sessions_[service];
  if (!s) s = std::make_unique<Series>(sessionParams());
  return *s;
}

void SharedStore::configureAudit(int64_t interval, int windows) {
  // New series, counting from zero: the host calls it at start.
  std::lock_guard<std::mutex> lock(registryMu_);
  for (auto& a : audit_) {
    allSeries_.push_back(std::make_unique<Series>(auditParams(interval, windows)));
    a.store(allSeries_.back().get(), std::memory_order_release);
  }
}

void SharedStore::retain() {
  std::lock_guard<std::mutex> lock(registryMu_);
  users_++;
}

void SharedStore::release() {
  bool last;
  {
    std::lock_guard<std::mutex> lock(registryMu_);
    last = --users_ == 0;
  }
  if (!last) return;
  stopTimer();
  std::string error;
  writeSnapshot(&error);
}

}  // namespace scriptlet
