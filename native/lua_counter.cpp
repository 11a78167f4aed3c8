// msys.counter (named 64-bit counters, atomically added to) and
// msys.gauge_cache (bounded sets of string-keyed counters that expire),
// both in the process's shared store: every worker thread sees the same
// values (native/state/shared_store.hpp).
#include <cstring>
#include <string>

#include "lua_api.hpp"
#include "lua_libraries.hpp"
#include "state/lua_state_args.hpp"
#include "state/shared_store.hpp"

namespace scriptlet {

namespace {

constexpr const char* kCounterMeta = "scriptlet.counter";
constexpr int kStrict = 0, kRelaxed = 1;

// [-0, +0] The counter the value at 1 names: a handle from msys.counter.open,
// or a path (made, STRICT, when create and missing; else null).
CounterCell* checkCounter(lua_State* L, const char* fname, bool create) {
  if (isUserdataOf(L, 1, kCounterMeta)) return *static_cast<CounterCell**>(lua_touserdata(L, 1));
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: expected a counter (from msys.counter.open) or a path, got %s", fname, luaL_typename(L, 1));
  size_t n;
  const char* path = lua_tolstring(L, 1, &n);
  if (n == 0) luaL_error(L, "%s: the counter path is empty", fname);
  return SharedStore::instance().counter(std::string(path, n), kStrict, create);
}

int64_t addTo(CounterCell* c, int64_t delta) {
  auto order = c->semantics == kRelaxed ? std::memory_order_relaxed : std::memory_order_seq_cst;
  return c->value.fetch_add(delta, order) + delta;
}

// msys.counter.open(path [, semantics]) -> a counter handle. semantics:
// msys.counter.STRICT (default) or RELAXED (or their names); an existing
// counter keeps the semantics it was made with.
int counterOpen(lua_State* L) {
  size_t n;
  const char* path = luaL_checklstring(L, 1, &n);
  if (n == 0) luaL_argerror(L, 1, "the counter path is empty");
  int semantics = kStrict;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    semantics = static_cast<int>(lua_tointeger(L, 2));
  } else if (lua_type(L, 2) == LUA_TSTRING) {
    semantics = std::strcmp(lua_tostring(L, 2), "RELAXED") == 0 ? kRelaxed : std::strcmp(lua_tostring(L, 2), "STRICT") == 0 ? kStrict : -1;
  } else if (!lua_isnoneornil(L, 2)) {
    semantics = -1;
  }
  if (semantics != kStrict && semantics != kRelaxed) luaL_argerror(L, 2, "semantics must be msys.counter.STRICT or msys.counter.RELAXED");
  CounterCell* c = SharedStore::instance().counter(std::string(path, n), semantics, true);
  auto** box = static_cast<CounterCell**>(lua_newuserdata(L, sizeof(CounterCell*)));
  *box = c;
  luaL_getmetatable(L, kCounterMeta);
  lua_setmetatable(L, -2);
  return 1;
}

// msys.counter.add(counter_or_path, delta) -> the new value
int counterAdd(lua_State* L) {
  CounterCell* c = checkCounter(L, "msys.counter.add", true);
  int64_t delta = checkIntegerIn(L, 2, -(int64_t(1) << 53), int64_t(1) << 53, "msys.counter.add", "delta");
  lua_pushnumber(L, static_cast<lua_Number>(addTo(c, delta)));
  return 1;
}

// msys.counter.inc(counter_or_path) -> the new value
int counterInc(lua_State* L) {
  lua_pushnumber(L, static_cast<lua_Number>(addTo(checkCounter(L, "msys.counter.inc", true), 1)));
  return 1;
}

// msys.counter.read(counter_or_path) -> the value (0 for a path never made)
int counterRead(lua_State* L) {
  CounterCell* c = checkCounter(L, "msys.counter.read", false);
  lua_pushnumber(L, c ? static_cast<lua_Number>(c->value.load()) : 0);
  return 1;
}

// msys.counter.reset(counter_or_path): back to 0 (made if missing)
int counterReset(lua_State* L) {
  checkCounter(L, "msys.counter.reset", true)->value.store(0);
  return 0;
}

// msys.counter.unlink(path) -> true if there was one. Handles still open
// keep counting in the unlinked counter; the next open of path makes a new one.
int counterUnlink(lua_State* L) {
  size_t n;
  const char* path = luaL_checklstring(L, 1, &n);
  lua_pushboolean(L, SharedStore::instance().unlinkCounter(std::string(path, n)));
  return 1;
}

int counterToString(lua_State* L) {
  CounterCell* c = *static_cast<CounterCell**>(luaL_checkudata(L, 1, kCounterMeta));
  lua_pushfstring(L, "msys.counter: %s", c->path.c_str());
  return 1;
}

// [-0, +0] The gauge cache named at 1, from the master's table (upvalue) or the store.
GaugeCache* checkGauge(lua_State* L, const char* fname) {
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: the cache name must be a string, got %s", fname, luaL_typename(L, 1));
  lua_pushvalue(L, 1);
  lua_rawget(L, lua_upvalueindex(kUpCache));
  auto* g = static_cast<GaugeCache*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (g) return g;
  g = SharedStore::instance().findGauge(lua_tostring(L, 1));
  if (!g) luaL_error(L, "%s: no gauge cache named '%s': define it first (msys.gauge_cache.define)", fname, lua_tostring(L, 1));
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, g);
  lua_rawset(L, lua_upvalueindex(kUpCache));
  return g;
}

const char* checkGaugeKey(lua_State* L, const char* fname, size_t* n) {
  int t = lua_type(L, 2);
  if (t != LUA_TSTRING && t != LUA_TNUMBER) luaL_error(L, "%s: keystring must be a string, got %s", fname, lua_typename(L, t));
  return lua_tolstring(L, 2, n);
}

// msys.gauge_cache.define(name, maxelems, ttl [, replicated])
int gaugeDefine(lua_State* L) {
  const char* fname = "msys.gauge_cache.define";
  if (lua_type(L, 1) != LUA_TSTRING) luaL_error(L, "%s: the cache name must be a string, got %s", fname, luaL_typename(L, 1));
  int64_t maxElems = checkIntegerIn(L, 2, 0, int64_t(1) << 32, fname, "maxelems");
  int64_t ttl = checkIntegerIn(L, 3, 0, int64_t(1) << 40, fname, "ttl (seconds, 0: never)");
  GaugeCache* g = SharedStore::instance().defineGauge(lua_tostring(L, 1), static_cast<size_t>(maxElems), ttl);
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, g);
  lua_rawset(L, lua_upvalueindex(kUpCache));
  if (lua_toboolean(L, 4)) {
    std::string note = std::string(fname) + ": cache '" + lua_tostring(L, 1) + "' asks to be replicated, but no Redis is configured: its counts are kept in this process only";
    logStateNote(L, note.data(), note.size());
  }
  return 0;
}

int gaugeStep(lua_State* L, const char* fname, int64_t delta) {
  GaugeCache* g = checkGauge(L, fname);
  size_t n;
  const char* key = checkGaugeKey(L, fname, &n);
  g->add(key, n, delta, SharedStore::instance().now());
  return 0;
}

int gaugeInc(lua_State* L) { return gaugeStep(L, "msys.gauge_cache.inc", 1); }
int gaugeDec(lua_State* L) { return gaugeStep(L, "msys.gauge_cache.dec", -1); }

// msys.gauge_cache.get(name, key) -> the value; 0 for a key it does not hold
int gaugeGet(lua_State* L) {
  GaugeCache* g = checkGauge(L, "msys.gauge_cache.get");
  size_t n;
  const char* key = checkGaugeKey(L, "msys.gauge_cache.get", &n);
  lua_pushnumber(L, static_cast<lua_Number>(g->get(key, n, SharedStore::instance().now())));
  return 1;
}

int gaugeRemoveItem(lua_State* L) {
  GaugeCache* g = checkGauge(L, "msys.gauge_cache.remove_item");
  size_t n;
  const char* key = checkGaugeKey(L, "msys.gauge_cache.remove_item", &n);
  g->remove(key, n);
  return 0;
}

const luaL_Reg kCounterFunctions[] = {
    {"open", counterOpen}, {"add", counterAdd}, {"inc", counterInc}, {"read", counterRead},
    {"reset", counterReset}, {"unlink", counterUnlink}, {nullptr, nullptr},
};

const luaL_Reg kGaugeFunctions[] = {
    {"define", gaugeDefine}, {"inc", gaugeInc}, {"dec", gaugeDec},
    {"get", gaugeGet}, {"remove_item", gaugeRemoveItem}, {nullptr, nullptr},
};

}  // namespace

// [-0, +0] msys.counter and msys.gauge_cache; gauge functions are closures
// over (running, the master's cache table, master).
void installCounters(lua_State* L, RunningCall running, MasterState* master) {
  luaL_newmetatable(L, kCounterMeta);
  lua_pushcfunction(L, counterToString);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "msys.counter");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  pushModuleTable(L, "msys.counter");
  for (const luaL_Reg* r = kCounterFunctions; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pushinteger(L, kStrict);
  lua_setfield(L, -2, "STRICT");
  lua_pushinteger(L, kRelaxed);
  lua_setfield(L, -2, "RELAXED");
  setGlobalModule(L, "msys.counter");

  pushModuleTable(L, "msys.gauge_cache");
  lua_newtable(L);
  int cache = lua_gettop(L);
  for (const luaL_Reg* r = kGaugeFunctions; r->name; r++) {
    pushStateClosure(L, r->func, running, cache, master);
    lua_setfield(L, -3, r->name);
  }
  lua_pop(L, 1);
  setGlobalModule(L, "msys.gauge_cache");
}

}  // namespace scriptlet
