// The CIDR tables of the whole process. Every Node worker thread loads the
// same scriptlet.node (dlopen gives one copy per process), so this registry,
// unlike the addon's per-load state, is static on purpose: a table named and
// defined alike by every worker's init() is read from its file once and
// shared. The LuaJIT and Lua 5.1 addons are separate .so files, so each has
// its own registry. Tables are immutable: a reload builds a new one off the
// calling thread and swaps it in; readers keep the one they hold until they
// notice the new version (one atomic load per query), so no query waits for
// a build.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cidr_table.hpp"
#include "rbldnsd_file.hpp"

namespace scriptlet {
namespace cidr {

// What a table is built from; tables with the same spec (key()) are shared.
struct CidrSpec {
  std::string type;      // "empty", "rbldnsd" or "datasource"
  std::string path;      // rbldnsd: the real path of the file
  ValueKind kind = ValueKind::A;
  double refresh = 0;    // seconds between checks of the file; 0: reload() only
  // datasource: what Node queries (src/datasource/cidr-loader.ts): the
  // datasource, the statement, and the columns (names, or 1-based ordinals
  // as text; value "" for none).
  std::string cachename, query, cidrColumn, valueColumn;
  std::string key() const;
};

// The identity of a file's content as stat sees it: a change of any field
// means the file was rewritten.
struct FileStamp {
  int64_t mtimeNs = -1, size = -1;
  uint64_t inode = 0;
  bool operator==(const FileStamp& o) const { return mtimeNs == o.mtimeNs && size == o.size && inode == o.inode; }
};

class CidrSlot {
 public:
  explicit CidrSlot(CidrSpec spec) : spec_(std::move(spec)) {}
  const CidrSpec& spec() const { return spec_; }
  // Bumped by every swap: a reader compares it with the version it holds.
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  std::shared_ptr<const CidrTable> current(uint64_t* version) const;
  // Bumped by every failed rebuild (the old table stays).
  uint64_t errorSerial() const { return errorSerial_.load(std::memory_order_acquire); }
  std::string lastError() const;
  // Builds the table when there is none, or when force, or when the file
  // changed since; false and why when the build failed.
  bool rebuild(bool force, std::string* error);

  // datasource: swaps in the table built from rows Node read (rbldnsd text);
  // false and why (the old table stays, errorSerial goes up).
  bool load(const std::string& text, std::string* error);
  // A failed load (the query's error): the old table stays, errorSerial goes up.
  void fail(const std::string& error);
  // datasource: Node should run the query (first define, refresh, reload()).
  std::atomic<bool> loadWanted{true};

  // Refresher bookkeeping (cidr_registry.cpp).
  std::atomic<bool> reloadRequested{false};
  double nextCheck = 0;

 private:
  // A build's end: the new table swapped in (with the file's stamp, for an
  // rbldnsd file) and counted, or the failure recorded as fail() does.
  bool install(bool built, std::shared_ptr<const CidrTable> table, const std::string& error, const FileStamp* stamp);

  CidrSpec spec_;
  std::mutex buildMutex_;            // one build at a time
  mutable std::mutex tableMutex_;    // held only to copy or swap the pointer
  std::shared_ptr<const CidrTable> table_;
  FileStamp stamp_;
  std::atomic<uint64_t> version_{0};
  std::atomic<uint64_t> errorSerial_{0};
  std::string lastError_;
};

// The shared table for spec, built now when no worker has it (init runs in
// the master build, where reading a file is fine), or rebuilt when its file
// changed since it was read. Null and why on a bad file.
std::shared_ptr<CidrSlot> acquireCidr(const CidrSpec& spec, std::string* error);
// Has the background thread rebuild the table soon; returns at once.
void requestReload(const std::shared_ptr<CidrSlot>& slot);
// The live datasource slots whose query Node should run now; each is handed
// to one caller only (its loadWanted cleared).
std::vector<std::shared_ptr<CidrSlot>> takeWantedDatasourceSlots();
// The live slot of that key, or null.
std::shared_ptr<CidrSlot> findCidrSlot(const std::string& key);

struct CidrRegistryStats {
  size_t tables = 0;        // live (some master holds them)
  size_t entries = 0;       // lines of all live tables
  uint64_t rebuilds = 0;    // builds that swapped a table in, since start
  uint64_t failures = 0;    // builds that failed
};
CidrRegistryStats cidrRegistryStats();

}  // namespace cidr
}  // namespace scriptlet
