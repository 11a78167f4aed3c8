// One batch in flight per process: the drain refuses (returns null) until
// the batch before it is settled, so a key's inflight adds are never mixed
// with a second batch's.
#include "replication_host.hpp"

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "../state/series_replica.hpp"
#include "../state/shared_store.hpp"

namespace scriptlet {

namespace {

struct SentSeries {
  Series* series;
  int64_t bucket;
  std::vector<std::string> keys;
  std::vector<bool> full;
};

std::mutex batchMu;
bool batchOpen = false;
std::vector<SentSeries> batch;
uint64_t generation = 0;  // full drains: a key idle for so many is forgotten
uint64_t seq = 0;         // every drain: the batch number Redis applies once per node

const char kHex[] = "0123456789abcdef";

std::string hex(const std::string& s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// replicationConfigure(enabled): series defined from now on with replicate
// = "cluster" / "manager" are counted through the host's sync loop.
Napi::Value ReplicationConfigure(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "replicationConfigure(enabled: boolean)");
  setReplicationEnabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}

// replicationDrain(idleDrains) -> null while a batch is in flight, else
// { now, series: [{ series: { name, type, interval, windows }, bucket,
// keys: hex[], deltas: number[][] (bucket, delta pairs), full: boolean[],
// seqs: number[] (the batch each key's deltas belong to), floors:
// number[][] (bucket, value pairs: raise the window to value) }], removed:
// [{ name, interval, keys: hex[] }] }. With unreadOnly true, only the keys
// never read from Redis yet, and none removed.
Napi::Value ReplicationDrain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "replicationDrain(idleDrains: number, unreadOnly?: boolean)");
  uint64_t idle = static_cast<uint64_t>(std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value()));
  bool unreadOnly = info.Length() > 1 && info[1].IsBoolean() && info[1].As<Napi::Boolean>().Value();
  std::lock_guard<std::mutex> lock(batchMu);
  if (batchOpen) return env.Null();
  batchOpen = true;
  batch.clear();
  if (!unreadOnly) generation++;
  seq++;
  SharedStore& store = SharedStore::instance();
  int64_t now = store.now();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array list = Napi::Array::New(env);
  Napi::Array removedList = Napi::Array::New(env);
  out.Set("now", Napi::Number::New(env, static_cast<double>(now)));
  for (const ReplicatedSeries& r : replicatedSeries()) {
    Series* s = r.series;
    if (s->retired()) continue;
    const SeriesParams& p = s->params();
    int64_t bucket = now / p.interval;
    std::vector<SeriesReplica::DrainedKey> drained;
    std::vector<std::string> removed;
    s->withReplica([&](SeriesReplica& replica) { replica.drain(bucket, generation, idle, seq, &drained, &removed, unreadOnly); });
    Napi::Object meta = Napi::Object::New(env);
    meta.Set("name", r.name);
    meta.Set("type", seriesTypeName(p.type));
    meta.Set("interval", Napi::Number::New(env, static_cast<double>(p.interval)));
    meta.Set("windows", Napi::Number::New(env, p.windows));
    if (!removed.empty()) {
      Napi::Array keys = Napi::Array::New(env, removed.size());
      for (size_t i = 0; i < removed.size(); i++) keys.Set(static_cast<uint32_t>(i), hex(removed[i]));
      Napi::Object gone = Napi::Object::New(env);
      gone.Set("series", meta);
      gone.Set("bucket", Napi::Number::New(env, static_cast<double>(bucket)));
      gone.Set("keys", keys);
      removedList.Set(removedList.Length(), gone);
    }
    if (drained.empty()) continue;
    SentSeries sent{s, bucket, {}, {}};
    Napi::Array keys = Napi::Array::New(env, drained.size());
    Napi::Array deltas = Napi::Array::New(env, drained.size());
    Napi::Array full = Napi::Array::New(env, drained.size());
    Napi::Array seqs = Napi::Array::New(env, drained.size());
    Napi::Array floors = Napi::Array::New(env, drained.size());
    for (size_t i = 0; i < drained.size(); i++) {
      auto idx = static_cast<uint32_t>(i);
      keys.Set(idx, hex(drained[i].key));
      Napi::Array d = Napi::Array::New(env, drained[i].deltas.size());
      for (size_t j = 0; j < drained[i].deltas.size(); j++) d.Set(static_cast<uint32_t>(j), Napi::Number::New(env, static_cast<double>(drained[i].deltas[j])));
      deltas.Set(idx, d);
      full.Set(idx, Napi::Boolean::New(env, drained[i].full));
      seqs.Set(idx, Napi::Number::New(env, static_cast<double>(drained[i].seq)));
      Napi::Array f = Napi::Array::New(env, drained[i].floors.size());
      for (size_t j = 0; j < drained[i].floors.size(); j++) f.Set(static_cast<uint32_t>(j), Napi::Number::New(env, static_cast<double>(drained[i].floors[j])));
      floors.Set(idx, f);
      sent.keys.push_back(std::move(drained[i].key));
      sent.full.push_back(drained[i].full);
    }
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("series", meta);
    entry.Set("bucket", Napi::Number::New(env, static_cast<double>(bucket)));
    entry.Set("keys", keys);
    entry.Set("deltas", deltas);
    entry.Set("full", full);
    entry.Set("seqs", seqs);
    entry.Set("floors", floors);
    list.Set(list.Length(), entry);
    batch.push_back(std::move(sent));
  }
  out.Set("series", list);
  out.Set("removed", removedList);
  return out;
}

// replicationSettle(ok, totals?, keepHigher?): totals is a flat array of
// (series index, key index, bucket, total) for the batch drained last; ok
// false puts its adds back to be sent again; keepHigher: a total lower than
// the one known is ignored (just after Redis lost its data).
Napi::Value ReplicationSettle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "replicationSettle(ok: boolean, totals?: number[])");
  bool ok = info[0].As<Napi::Boolean>().Value();
  bool keepHigher = info.Length() > 2 && info[2].IsBoolean() && info[2].As<Napi::Boolean>().Value();
  std::lock_guard<std::mutex> lock(batchMu);
  if (!batchOpen) return env.Undefined();
  if (ok && info.Length() > 1 && info[1].IsArray()) {
    Napi::Array totals = info[1].As<Napi::Array>();
    uint32_t n = totals.Length() / 4 * 4;
    for (uint32_t i = 0; i < n; i += 4) {
      uint32_t si = totals.Get(i).As<Napi::Number>().Uint32Value();
      uint32_t ki = totals.Get(i + 1).As<Napi::Number>().Uint32Value();
      int64_t bucket = totals.Get(i + 2).As<Napi::Number>().Int64Value();
      int64_t total = totals.Get(i + 3).As<Napi::Number>().Int64Value();
      if (si >= batch.size() || ki >= batch[si].keys.size()) continue;
      const std::string& key = batch[si].keys[ki];
      batch[si].series->withReplica([&](SeriesReplica& r) { r.install(key, bucket, total, keepHigher); });
    }
  }
  for (SentSeries& s : batch) {
    s.series->withReplica([&](SeriesReplica& r) {
      for (size_t i = 0; i < s.keys.size(); i++) r.settle(s.keys[i], ok, s.full[i], s.bucket);
    });
  }
  batch.clear();
  batchOpen = false;
  return env.Undefined();
}

// replicationResend(): Redis lost its data (the host saw its marker change):
// the next drain raises every live window back to what this node counts.
Napi::Value ReplicationResend(const Napi::CallbackInfo& info) {
  int64_t now = SharedStore::instance().now();
  for (const ReplicatedSeries& r : replicatedSeries())
    if (!r.series->retired()) r.series->resendToReplica(now);
  return info.Env().Undefined();
}

// replicationFirstSights() -> the keys first seen by the process's replicas, counted.
Napi::Value ReplicationFirstSights(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(replicaFirstSights()));
}

// replicationStats() -> { series, keys }: replicated series and the keys their replicas hold.
Napi::Value ReplicationStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t series = 0, keys = 0;
  for (const ReplicatedSeries& r : replicatedSeries()) {
    if (r.series->retired()) continue;
    series++;
    r.series->withReplica([&](SeriesReplica& replica) { keys += replica.keyCount(); });
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("series", Napi::Number::New(env, static_cast<double>(series)));
  out.Set("keys", Napi::Number::New(env, static_cast<double>(keys)));
  return out;
}

}  // namespace

void defineReplicationHost(Napi::Env env, Napi::Object exports) {
  exports.Set("replicationConfigure", Napi::Function::New(env, ReplicationConfigure, "replicationConfigure"));
  exports.Set("replicationDrain", Napi::Function::New(env, ReplicationDrain, "replicationDrain"));
  exports.Set("replicationSettle", Napi::Function::New(env, ReplicationSettle, "replicationSettle"));
  exports.Set("replicationResend", Napi::Function::New(env, ReplicationResend, "replicationResend"));
  exports.Set("replicationStats", Napi::Function::New(env, ReplicationStats, "replicationStats"));
  exports.Set("replicationFirstSights", Napi::Function::New(env, ReplicationFirstSights, "replicationFirstSights"));
}

}  // namespace scriptlet
