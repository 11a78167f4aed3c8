// The Redis side of a series defined with replicate = "cluster" (or
// "manager"), as the node sees it: per key, the local adds not yet sent
// (pending), those sent and not yet acknowledged (inflight), and the last
// totals Redis returned (remote). A count is remote + inflight + pending,
// window by window: one hash lookup under the series' own lock, never a
// wait for Redis. The host's sync loop (src/state/redis-sync.ts, one per
// process, on the main thread) drains the pending adds, sends them with
// INCRBY in one pipelined round trip, and installs the totals it got back.
//
// Every method but the registry's runs with the owning series' lock held
// (Series calls them from addToKey / sumKey / remove*, and the drain and
// install below take that lock).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace scriptlet {

class Series;

class SeriesReplica {
 public:
  explicit SeriesReplica(int windows) : windows_(windows) {}

  void add(const std::string& key, int64_t count, int64_t bucket);
  int64_t sum(const std::string& key, int startv, int endv, int64_t bucket);
  void forget(const std::string& key);
  void clear();
  size_t keyCount() const { return keys_.size(); }

  struct Window {
    int64_t bucket = -1;
    int64_t count = 0;
  };
  using Ring = std::vector<Window>;
  struct Key {
    Ring pending, inflight, remote;
    Ring floor;                   // after Redis lost its data: raise the window to at least this
    uint64_t touched = 0;         // the drain generation of the last add or count
    int64_t fetchedBucket = -1;   // the bucket when every window was last read from Redis
    bool sent = false;            // part of the batch in flight
    bool unacked = false;         // its last batch failed: Redis may or may not have applied it
    uint64_t inflightSeq = 0;     // the batch that carried inflight (Redis applies one seq once)
  };

  // What the drain hands the host, and what it installs back.
  struct DrainedKey {
    std::string key;
    std::vector<int64_t> deltas;  // bucket, delta, bucket, delta...
    bool full = false;            // read every window (first sight, or the window turned)
    uint64_t seq = 0;             // the batch the deltas belong to (the same when sent again)
    std::vector<int64_t> floors;  // bucket, value...: raise the window to at least value
  };
  // Moves pending to inflight under batch seq, or, for a key whose last
  // batch failed, sends that inflight again under its own seq (Redis skips
  // a seq it has applied: a flush that timed out is never counted twice),
  // its pending waiting for the next drain. Forgets keys idle for more than
  // idleDrains drains (with nothing pending or in flight). removed gets the
  // keys remove_item forgot since the last drain. unreadOnly: only the keys
  // never read from Redis yet (a node's first sight of them), nothing
  // forgotten: their first totals come without waiting for the full drain.
  void drain(int64_t bucket, uint64_t generation, uint64_t idleDrains, uint64_t seq, std::vector<DrainedKey>* out,
             std::vector<std::string>* removed, bool unreadOnly = false);
  // Redis lost its data (restarted without persistence): every window this
  // node knows is raised back, in Redis, to at least the last total it read
  // (the largest view wins, so the adds of a node that restarted meanwhile,
  // which the others had read, are kept), then its adds not known applied
  // go on top as adds.
  void restoreAll(int64_t bucket);
  // The same for a key only the series' local ring holds (this node's own
  // count); not for keys the replica holds: their last total read already
  // has these adds, or they are pending.
  bool holds(const std::string& key) const { return keys_.count(key) != 0; }
  void restoreLocal(const std::string& key, int64_t bucket, int64_t count);
  // A total Redis returned for key's window bucket.
  // keepHigher: just after Redis lost its data, while the other nodes are
  // still sending theirs again, a total never lowers what was known.
  void install(const std::string& key, int64_t bucket, int64_t total, bool keepHigher);
  // The batch's end: ok clears what was in flight (the totals installed
  // include it) and notes the full reads; !ok keeps it to be sent again.
  void settle(const std::string& key, bool ok, bool full, int64_t bucket);

 private:
  Key& entry(const std::string& key);
  int64_t windowSum(const Key& k, int64_t bucket) const;
  void raiseFloor(Key* k, int64_t bucket, int64_t value);
  static void addTo(Ring* ring, size_t windows, int64_t bucket, int64_t count);

  int windows_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, Key> keys_;
  std::vector<std::string> removed_;
};

// The replicated series of the process, by name (a redefinition replaces
// the entry), and whether a host runs a sync loop.
struct ReplicatedSeries {
  std::string name;
  Series* series;
};
void setReplicationEnabled(bool on);
// Keys first seen by any replica of the process, counted since it started:
// a host that sees the count move reads their totals soon.
uint64_t replicaFirstSights();
bool replicationEnabled();
void registerReplicatedSeries(const std::string& name, Series* series);
std::vector<ReplicatedSeries> replicatedSeries();

}  // namespace scriptlet
