// Plain functions, not methods of an object: the store is one per process,
// so any thread's copy of the addon reaches the same one.
#include "state_host.hpp"

#include <string>

#include "../cidr/cidr_registry.hpp"
#include "../state/shared_store.hpp"

namespace scriptlet {

namespace {

std::string stringArg(const Napi::CallbackInfo& info, size_t i, const char* usage) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), usage);
  return info[i].As<Napi::String>().Utf8Value();
}

// The address the host reported; false for none (a unix socket, "").
bool hostAddress(const std::string& s, IpAddress* ip) { return parseIp(s.data(), s.size(), ip); }

// stateConfigure({ stateDir, snapshotInterval, auditInterval, auditWindows })
Napi::Value StateConfigure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "stateConfigure(options: object)");
  Napi::Object o = info[0].As<Napi::Object>();
  SharedStore& store = SharedStore::instance();
  if (o.Has("stateDir")) {
    Napi::Value dir = o.Get("stateDir");
    Napi::Value every = o.Get("snapshotInterval");
    int64_t interval = every.IsNumber() ? every.As<Napi::Number>().Int64Value() : 30;
    if (interval < 1) throw Napi::RangeError::New(env, "snapshotInterval must be a positive number of seconds");
    store.configurePersistence(dir.IsString() ? dir.As<Napi::String>().Utf8Value() : "", interval);
  }
  if (o.Has("auditInterval") || o.Has("auditWindows")) {
    int64_t interval = o.Get("auditInterval").IsNumber() ? o.Get("auditInterval").As<Napi::Number>().Int64Value() : 300;
    int64_t windows = o.Get("auditWindows").IsNumber() ? o.Get("auditWindows").As<Napi::Number>().Int64Value() : 12;
    if (interval < 1 || windows < 1 || windows > 10000) throw Napi::RangeError::New(env, "auditInterval must be >= 1 s and auditWindows from 1 to 10000");
    store.configureAudit(interval, static_cast<int>(windows));
  }
  return env.Undefined();
}

// stateFlush(): writes the snapshot now; throws what failed.
Napi::Value StateFlush(const Napi::CallbackInfo& info) {
  std::string error;
  if (!SharedStore::instance().writeSnapshot(&error)) throw Napi::Error::New(info.Env(), error);
  return info.Env().Undefined();
}

// stateStatus() -> { series, snapshotPath, snapshotProblem }
Napi::Value StateStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SharedStore& store = SharedStore::instance();
  Napi::Object out = Napi::Object::New(env);
  out.Set("series", Napi::Number::New(env, static_cast<double>(store.seriesCount())));
  out.Set("snapshotPath", store.snapshotPath());
  out.Set("snapshotProblem", store.lastSnapshotProblem());
  return out;
}

// sharedStateStats() -> the store's and the cidr registry's figures, for
// the host's metrics (process-wide: every worker's scripts share them).
Napi::Value SharedStateStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SharedStoreStats store = SharedStore::instance().stats();
  cidr::CidrRegistryStats tables = cidr::cidrRegistryStats();
  auto number = [&](double v) { return Napi::Number::New(env, v); };
  Napi::Object out = Napi::Object::New(env);
  out.Set("series", number(static_cast<double>(store.series)));
  out.Set("seriesKeys", number(static_cast<double>(store.seriesKeys)));
  out.Set("gaugeCaches", number(static_cast<double>(store.gaugeCaches)));
  out.Set("gaugeKeys", number(static_cast<double>(store.gaugeKeys)));
  out.Set("counters", number(static_cast<double>(store.counters)));
  out.Set("auditKeys", number(static_cast<double>(store.auditKeys)));
  out.Set("snapshotWrites", number(static_cast<double>(store.snapshotWrites)));
  out.Set("snapshotErrors", number(static_cast<double>(store.snapshotErrors)));
  out.Set("cidrTables", number(static_cast<double>(tables.tables)));
  out.Set("cidrEntries", number(static_cast<double>(tables.entries)));
  out.Set("cidrLoads", number(static_cast<double>(tables.rebuilds)));
  out.Set("cidrLoadFailures", number(static_cast<double>(tables.failures)));
  return out;
}

// stateSetClock(seconds): the store's clock for tests; -1: the system clock.
Napi::Value StateSetClock(const Napi::CallbackInfo& info) {
  if (!info[0].IsNumber()) throw Napi::TypeError::New(info.Env(), "stateSetClock(seconds: number)");
  SharedStore::instance().setTestClock(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

// auditEvent(kind, ip[, service]): kind "open" (a session opens: a
// connection counted, a live session more), "close", "reception",
// "rejection". false when ip is not an address (nothing counted).
Napi::Value AuditEvent(const Napi::CallbackInfo& info) {
  const char* usage = "auditEvent(kind: 'open' | 'close' | 'reception' | 'rejection', ip: string, service?: string)";
  std::string kind = stringArg(info, 0, usage);
  std::string addr = stringArg(info, 1, usage);
  std::string service = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "SMTP";
  for (char& c : service) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  IpAddress ip;
  if (!hostAddress(addr, &ip)) return Napi::Boolean::New(info.Env(), false);
  SharedStore& store = SharedStore::instance();
  int64_t now = store.now();
  if (kind == "open") {
    store.connections().addAddress(ip, 1, now);
    store.sessions(service).addAddress(ip, 1, 0);
  } else if (kind == "close") {
    store.sessions(service).addAddress(ip, -1, 0);
  } else if (kind == "reception") {
    store.receptions().addAddress(ip, 1, now);
  } else if (kind == "rejection") {
    store.rejections().addAddress(ip, 1, now);
  } else {
    throw Napi::TypeError::New(info.Env(), usage);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// auditCount(kind, cidr, startv, endv[, service]): kind "connections",
// "receptions", "rejections" (windows startv..endv) or "sessions".
Napi::Value AuditCount(const Napi::CallbackInfo& info) {
  const char* usage = "auditCount(kind, cidr: string, startv?: number, endv?: number, service?: string)";
  std::string kind = stringArg(info, 0, usage);
  std::string cidr = stringArg(info, 1, usage);
  int startv = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
  int endv = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : startv;
  const char* addr;
  size_t addrLen;
  int mask;
  IpAddress ip;
  if (!splitCidr(cidr.data(), cidr.size(), &addr, &addrLen, &mask) || !parseIp(addr, addrLen, &ip) || mask > ip.bits() || startv < 0 || endv < startv)
    throw Napi::TypeError::New(info.Env(), usage);
  if (mask < 0) mask = ip.bits();
  SharedStore& store = SharedStore::instance();
  int64_t now = store.now();
  int64_t n;
  if (kind == "sessions") {
    std::string service = info.Length() > 4 && info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "SMTP";
    for (char& c : service) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    n = store.sessions(service).countAddress(ip, mask, 0, 0, 0);
  } else if (kind == "connections") {
    n = store.connections().countAddress(ip, mask, startv, endv, now);
  } else if (kind == "receptions") {
    n = store.receptions().countAddress(ip, mask, startv, endv, now);
  } else if (kind == "rejections") {
    n = store.rejections().countAddress(ip, mask, startv, endv, now);
  } else {
    throw Napi::TypeError::New(info.Env(), usage);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

}  // namespace

void defineStateHost(Napi::Env env, Napi::Object exports) {
  exports.Set("stateConfigure", Napi::Function::New(env, StateConfigure, "stateConfigure"));
  exports.Set("stateFlush", Napi::Function::New(env, StateFlush, "stateFlush"));
  exports.Set("stateStatus", Napi::Function::New(env, StateStatus, "stateStatus"));
  exports.Set("sharedStateStats", Napi::Function::New(env, SharedStateStats, "sharedStateStats"));
  exports.Set("stateSetClock", Napi::Function::New(env, StateSetClock, "stateSetClock"));
  exports.Set("auditEvent", Napi::Function::New(env, AuditEvent, "auditEvent"));
  exports.Set("auditCount", Napi::Function::New(env, AuditCount, "auditCount"));
}

}  // namespace scriptlet
