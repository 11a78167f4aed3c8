#include "cidr_registry.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <unordered_map>
#include <vector>

namespace scriptlet {
namespace cidr {

namespace {

double nowSeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

bool statFile(const std::string& path, FileStamp* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return false;
  out->mtimeNs = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  out->size = int64_t(st.st_size);
  out->inode = uint64_t(st.st_ino);
  return true;
}

// The map of specs to slots (weak: a table lives while some master holds
// it), and the one background thread that refreshes and reloads them. Made
// once and never destroyed: the detached thread may still run at exit.
struct Registry {
  std::mutex mutex;
  std::condition_variable wake;
  std::unordered_map<std::string, std::weak_ptr<CidrSlot>> slots;
  bool threadStarted = false;
  std::atomic<uint64_t> rebuilds{0}, failures{0};

  void startThread() {  // under mutex
    if (threadStarted) return;
    threadStarted = true;
    std::thread([this] { run(); }).detach();
  }

  std::vector<std::shared_ptr<CidrSlot>> live() {  // under mutex; drops the dead
    std::vector<std::shared_ptr<CidrSlot>> out;
    for (auto it = slots.begin(); it != slots.end();) {
      if (auto s = it->second.lock()) {
        out.push_back(std::move(s));
        ++it;
      } else {
        it = slots.erase(it);
      }
    }
    return out;
  }

  // Wakes at least once a second, at once for a reload(); builds run here,
  // outside the registry's lock, so neither queries nor defines wait.
  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      wake.wait_for(lock, std::chrono::milliseconds(250));
      std::vector<std::shared_ptr<CidrSlot>> due;
      double now = nowSeconds();
      for (auto& s : live()) {
        bool refreshDue = s->spec().refresh > 0 && now >= s->nextCheck;
        if (refreshDue) s->nextCheck = now + s->spec().refresh;
        if (s->spec().type == "datasource") {  // Node runs its query: flag it, nothing to build here
          if (s->reloadRequested.exchange(false) || refreshDue) s->loadWanted.store(true);
          continue;
        }
        if (s->reloadRequested.load() || refreshDue) due.push_back(std::move(s));
      }
      lock.unlock();
      for (auto& s : due) {
        bool force = s->reloadRequested.exchange(false);
        std::string error;
        s->rebuild(force, &error);
      }
      due.clear();  // the last reference to a table no master holds goes here, unlocked
      lock.lock();
    }
  }
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: see Registry
  return *r;
}

}  // namespace

std::string CidrSpec::key() const {
  std::string k = type + '\0' + path + '\0' + (kind == ValueKind::A ? "a" : "txt") + '\0' + std::to_string(refresh);
  if (type == "datasource") k += '\0' + cachename + '\0' + query + '\0' + cidrColumn + '\0' + valueColumn;
  return k;
}

std::shared_ptr<const CidrTable> CidrSlot::current(uint64_t* version) const {
  std::lock_guard<std::mutex> lock(tableMutex_);
  *version = version_.load(std::memory_order_relaxed);
  return table_;
}

std::string CidrSlot::lastError() const {
  std::lock_guard<std::mutex> lock(tableMutex_);
  return lastError_;
}

bool CidrSlot::rebuild(bool force, std::string* error) {
  std::lock_guard<std::mutex> build(buildMutex_);
  FileStamp stamp;
  if (spec_.type == "rbldnsd" && !statFile(spec_.path, &stamp)) {
    force = true;  // gone: the read below says why
  }
  if (table_ && !force && stamp == stamp_) return true;
  if (table_ && spec_.type == "datasource") return true;  // rows come from Node: load()
  auto table = std::make_shared<CidrTable>();
  bool ok = spec_.type != "rbldnsd" || loadRbldnsdFile(spec_.path, spec_.kind, table.get(), error);
  return install(ok, std::move(table), *error, &stamp);
}

bool CidrSlot::load(const std::string& text, std::string* error) {
  std::lock_guard<std::mutex> build(buildMutex_);
  auto table = std::make_shared<CidrTable>();
  bool ok = parseRbldnsd(text, "datasource '" + spec_.cachename + "'", ValueKind::Txt, table.get(), error);
  return install(ok, std::move(table), *error, nullptr);
}

bool CidrSlot::install(bool built, std::shared_ptr<const CidrTable> table, const std::string& error,
                       const FileStamp* stamp) {
  if (!built) {
    fail(error);
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(tableMutex_);
    table_.swap(table);  // table: the old one now, freed below, unlocked
    if (stamp) stamp_ = *stamp;
    version_.fetch_add(1, std::memory_order_release);
  }
  registry().rebuilds++;
  return true;
}

void CidrSlot::fail(const std::string& error) {
  {
    std::lock_guard<std::mutex> lock(tableMutex_);
    lastError_ = error;
    errorSerial_.fetch_add(1, std::memory_order_release);
  }
  registry().failures++;
}

std::vector<std::shared_ptr<CidrSlot>> takeWantedDatasourceSlots() {
  Registry& r = registry();
  std::vector<std::shared_ptr<CidrSlot>> out;
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& s : r.live())
    if (s->spec().type == "datasource" && s->loadWanted.exchange(false)) out.push_back(std::move(s));
  return out;
}

std::shared_ptr<CidrSlot> findCidrSlot(const std::string& key) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.slots.find(key);
  return it == r.slots.end() ? nullptr : it->second.lock();
}

std::shared_ptr<CidrSlot> acquireCidr(const CidrSpec& spec, std::string* error) {
  Registry& r = registry();
  std::shared_ptr<CidrSlot> slot;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    std::weak_ptr<CidrSlot>& weak = r.slots[spec.key()];
    slot = weak.lock();
    if (!slot) {
      slot = std::make_shared<CidrSlot>(spec);
      slot->nextCheck = nowSeconds() + spec.refresh;
      weak = slot;
    }
    if (spec.refresh > 0) r.startThread();
  }
  // Outside the registry's lock: another worker defining the same table
  // waits on the slot's build, then finds it made.
  // A bad file fails the define even when other workers still hold the
  // table it had before: the operator learns of it at the reload.
  return slot->rebuild(false, error) ? slot : nullptr;
}

void requestReload(const std::shared_ptr<CidrSlot>& slot) {
  if (slot->spec().type == "empty") return;
  if (slot->spec().type == "datasource") return slot->loadWanted.store(true);  // Node polls for it
  Registry& r = registry();
  slot->reloadRequested.store(true);
  std::lock_guard<std::mutex> lock(r.mutex);
  r.startThread();
  r.wake.notify_one();
}

CidrRegistryStats cidrRegistryStats() {
  Registry& r = registry();
  CidrRegistryStats stats;
  std::lock_guard<std::mutex> lock(r.mutex);
  for (auto& s : r.live()) {
    uint64_t version;
    auto table = s->current(&version);
    stats.tables++;
    if (table) stats.entries += table->entryCount();
  }
  stats.rebuilds = r.rebuilds.load();
  stats.failures = r.failures.load();
  return stats;
}

}  // namespace cidr
}  // namespace scriptlet
