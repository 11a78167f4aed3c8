// msys.audit_series.define / add / count / remove_item: sliding-window
// counters shared by every worker thread of the process (the embedded store,
// native/state/). A series is found by name in a per-master table of
// pointers (upvalue 2), so a call takes the store's registry lock only the
// first time a master meets a name, then only the series' own lock.
#include <cstring>
#include <string>

#include "lua_api.hpp"
#include "lua_libraries.hpp"
#include "state/lua_state_args.hpp"
#include "state/shared_store.hpp"

namespace scriptlet {

namespace {

constexpr int kMaxWindows = 10000;
constexpr int64_t kMaxInterval = 10 * 366 * 86400;

// [-0, +0] The series named at idx 1, from the master's table or the store.
Series* checkSeries(lua_State* L, const char* fname) {
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: the series name must be a string, got %s", fname, luaL_typename(L, 1));
  lua_pushvalue(L, 1);
  lua_rawget(L, lua_upvalueindex(kUpCache));
  auto* s = static_cast<Series*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (s && !s->retired()) return s;
  s = SharedStore::instance().findSeries(lua_tostring(L, 1));
  if (!s) luaL_error(L, "%s: no series named '%s': define it first (msys.audit_series.define, in init)", fname, lua_tostring(L, 1));
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, s);
  lua_rawset(L, lua_upvalueindex(kUpCache));
  return s;
}

// Where the key is: options.key when options (at 2) is a table, else
// options itself (Momentum: a non-table options is the key). Returns its index.
int keyIndex(lua_State* L) {
  if (!lua_istable(L, 2)) return 2;
  pushOptionField(L, 2, kUpKey);
  return lua_gettop(L);
}

// The key as an address of the series' family; false: an IPv6 address
// in an IPv4-only ("cidr") series, which counts nothing.
bool seriesAddress(lua_State* L, Series* s, int idx, const char* fname, IpAddress* ip, int* mask) {
  *ip = checkAddressKey(L, idx, fname, "key", mask, s->params().type == SeriesType::CidrIpv6);
  if (s->params().type == SeriesType::Cidr && ip->family != 4) return false;
  if (s->params().type == SeriesType::CidrIpv6 && ip->family == 4) {
    *ip = asIpv6(*ip);
    if (*mask >= 0) *mask += 96;
  }
  if (*mask < 0) *mask = ip->bits();
  return true;
}

// [-0, +0] The string key at idx (numbers taken as strings).
const char* checkStringKey(lua_State* L, int idx, const char* fname, size_t* n) {
  int t = lua_type(L, idx);
  if (t != LUA_TSTRING && t != LUA_TNUMBER)
    luaL_error(L, "%s: a string series needs a string key (options.key), got %s", fname, lua_typename(L, t));
  return lua_tolstring(L, idx, n);
}

// msys.audit_series.define(name, type, interval, num_windows [, options])
int seriesDefine(lua_State* L) {
  const char* fname = "msys.audit_series.define";
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: the series name must be a string, got %s", fname, luaL_typename(L, 1));
  SeriesParams p;
  const char* type = lua_tostring(L, 2);
  if (!type || !seriesTypeFromName(type, &p.type) || p.type == SeriesType::Address)
    luaL_error(L, "%s: type must be \"cidr\", \"cidr_ipv6\" or \"string\", got %s", fname, type ? type : luaL_typename(L, 2));
  p.interval = checkIntegerIn(L, 3, 1, kMaxInterval, fname, "interval (seconds)");
  p.windows = static_cast<int>(checkIntegerIn(L, 4, 1, kMaxWindows, fname, "num_windows"));
  const char* replicate = "none";
  if (!lua_isnoneornil(L, 5)) {
    if (!lua_istable(L, 5)) luaL_error(L, "%s: options must be a table, got %s", fname, luaL_typename(L, 5));
    lua_getfield(L, 5, "persist");
    p.persist = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, 5, "replicate");
    replicate = lua_isnil(L, -1) ? "none" : lua_tostring(L, -1);
    if (!replicate || (std::strcmp(replicate, "none") != 0 && std::strcmp(replicate, "cluster") != 0 && std::strcmp(replicate, "manager") != 0))
      luaL_error(L, "%s: options.replicate must be \"none\", \"cluster\" or \"manager\"", fname);
    // replicate stays on the stack: the string lives until return.
  }
  Series* s;
  {
    // Scoped: no Lua error is raised while a std::string is alive (an
    // error's unwinding may skip its destructor).
    std::string note;
    s = SharedStore::instance().defineSeries(lua_tostring(L, 1), p, &note);
    if (!note.empty()) logStateNote(L, note.data(), note.size());
    if (std::strcmp(replicate, "none") != 0 && replicationEnabled()) {
      // Counted across nodes through Redis (state/series_replica.hpp).
      s->enableReplica();
      registerReplicatedSeries(lua_tostring(L, 1), s);
    } else if (std::strcmp(replicate, "none") != 0) {
      note = std::string(fname) + ": series '" + lua_tostring(L, 1) + "' asks replicate = \"" + replicate +
             "\", but no Redis is configured (redis_cluster scope): its counts are kept in this process only";
      logStateNote(L, note.data(), note.size());
    }
  }
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, s);
  lua_rawset(L, lua_upvalueindex(kUpCache));
  return 0;
}

// msys.audit_series.add(name [, options]): options.count (default 1, may be
// negative) to the current window of options.key.
int seriesAdd(lua_State* L) {
  const char* fname = "msys.audit_series.add";
  Series* s = checkSeries(L, fname);
  int64_t count = 1;
  if (lua_istable(L, 2)) {
    pushOptionField(L, 2, kUpCount);
    if (!lua_isnil(L, -1)) count = checkIntegerIn(L, -1, -(int64_t(1) << 53), int64_t(1) << 53, fname, "options.count");
    lua_pop(L, 1);
  }
  int k = keyIndex(L);
  int64_t now = SharedStore::instance().now();
  if (s->params().type == SeriesType::String) {
    size_t n;
    const char* key = checkStringKey(L, k, fname, &n);
    s->addString(key, n, count, now);
    return 0;
  }
  IpAddress ip;
  int mask;
  if (seriesAddress(L, s, k, fname, &ip, &mask)) s->addAddress(ip, count, now);
  return 0;
}

// msys.audit_series.count(name [, options]) -> the sum of windows
// options.startv..options.endv (default 0..0) for options.key.
int seriesCount(lua_State* L) {
  const char* fname = "msys.audit_series.count";
  Series* s = checkSeries(L, fname);
  int startv = 0, endv = 0;
  if (lua_istable(L, 2)) {
    startv = optWindowField(L, 2, kUpStartv, "startv", 0, fname);
    endv = optWindowField(L, 2, kUpEndv, "endv", startv, fname);
    if (startv > endv) luaL_error(L, "%s: options.startv (%d) is greater than options.endv (%d)", fname, startv, endv);
  }
  int k = keyIndex(L);
  int64_t now = SharedStore::instance().now();
  int64_t total = 0;
  if (s->params().type == SeriesType::String) {
    size_t n;
    const char* key = checkStringKey(L, k, fname, &n);
    total = s->countString(key, n, startv, endv, now);
  } else {
    IpAddress ip;
    int mask;
    if (seriesAddress(L, s, k, fname, &ip, &mask)) total = s->countAddress(ip, mask, startv, endv, now);
  }
  lua_pushnumber(L, static_cast<lua_Number>(total));
  return 1;
}

// msys.audit_series.remove_item(name [, key]): forgets the key (for an
// address series, "IP/mask" forgets every address inside the prefix).
int seriesRemoveItem(lua_State* L) {
  const char* fname = "msys.audit_series.remove_item";
  Series* s = checkSeries(L, fname);
  int k = keyIndex(L);
  if (s->params().type == SeriesType::String) {
    size_t n;
    const char* key = checkStringKey(L, k, fname, &n);
    s->removeString(key, n);
    return 0;
  }
  IpAddress ip;
  int mask;
  if (seriesAddress(L, s, k, fname, &ip, &mask)) s->removeAddress(ip, mask);
  return 0;
}

const luaL_Reg kSeriesFunctions[] = {
    {"define", seriesDefine},
    {"add", seriesAdd},
    {"count", seriesCount},
    {"remove_item", seriesRemoveItem},
    {nullptr, nullptr},
};

}  // namespace

// [-0, +0] msys.audit_series, its functions closures over (running, the
// master's series table, master).
void installAuditSeries(lua_State* L, RunningCall running, MasterState* master) {
  pushModuleTable(L, "msys.audit_series");
  lua_newtable(L);  // name -> Series*
  int cache = lua_gettop(L);
  for (const luaL_Reg* r = kSeriesFunctions; r->name; r++) {
    pushStateClosure(L, r->func, running, cache, master);
    lua_setfield(L, -3, r->name);
  }
  lua_pop(L, 1);
  setGlobalModule(L, "msys.audit_series");
}

}  // namespace scriptlet
