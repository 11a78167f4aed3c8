#include "guard_rails.hpp"

#include <cstdio>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace scriptlet {

namespace {

// [-0, +0] xpcall, with the handler skipped once a limit is hit: the error
// is raised from the hook, and both engines run the handler with hooks off
// (still inside the hook), so a handler that loops could never be stopped.
// Written in Lua so that LuaJIT can still yield across it.
constexpr const char* kGuardedXpcall =
    "local xpcall, hit = ...\n"
    "return function(f, handler, ...)\n"
    "  return xpcall(f, function(e) if hit() then return e end return handler(e) end, ...)\n"
    "end";

// [-0, +0] coroutine.resume and coroutine.wrap, counting how deep resumes
// nest: LuaJIT has no bound of its own and a coroutine that resumes a new one
// recursively runs the C stack out (a crash); Lua 5.1 stops at 200 C calls.
constexpr const char* kGuardedCoroutines = R"lua(
local co, enter, leave, leaveWrap = ...
local resume, create = co.resume, co.create
co.resume = function(c, ...)
  enter()
  return leave(resume(c, ...))
end
co.wrap = function(f)
  local c = create(f)
  return function(...)
    enter()
    return leaveWrap(resume(c, ...))
  end
end
)lua";

// Coroutines a call may have resuming one another.
constexpr int kMaxCoroutineDepth = 100;

// Instructions between two looks at the budget: the clock is read this
// often, so a limit is seen at most this many instructions late.
constexpr int kHookInterval = 1000;

}  // namespace

const char* limitKindName(LimitKind kind) {
  switch (kind) {
    case LimitKind::Instructions: return "instructions";
    case LimitKind::WallTime: return "wall_time";
    case LimitKind::Memory: return "memory";
    default: return "";
  }
}

void GuardRails::attach(lua_State* L) {
  master_ = L;
  inner_ = lua_getallocf(L, &innerUd_);
  // What the state holds already (its libraries) counts against the cap.
  used_ = static_cast<size_t>(lua_gc(L, LUA_GCCOUNT, 0)) * 1024 + static_cast<size_t>(lua_gc(L, LUA_GCCOUNTB, 0));
  lua_setallocf(L, allocate, this);
#if defined(SCRIPTLET_LUAJIT)
  startWatchdog();
#else
  armHook(L, hookInterval());
#endif
  installGuardedXpcall(L);
  installCoroutineDepthGuard(L);
}

// [-0, +0] Before a nested resume.
int GuardRails::enterCoroutine(lua_State* L) {
  GuardRails* g = of(L);
  if (g->coroutineDepth_ >= kMaxCoroutineDepth) {
    luaL_where(L, 2);  // the script's line, not the wrapper's
    lua_pushfstring(L, "C stack overflow (coroutines nested more than %d deep)", kMaxCoroutineDepth);
    lua_concat(L, 2);
    return lua_error(L);
  }
  g->coroutineDepth_++;
  return 0;
}

// [-0, +0] After it: returns what coroutine.resume returned.
int GuardRails::leaveCoroutine(lua_State* L) {
  GuardRails* g = of(L);
  if (g->coroutineDepth_ > 0) g->coroutineDepth_--;
  return lua_gettop(L);
}

// [-0, +0] After a resume by a wrap function: its results, or its error raised
// again as it is (what coroutine.wrap does).
int GuardRails::leaveWrappedCoroutine(lua_State* L) {
  leaveCoroutine(L);
  if (!lua_toboolean(L, 1)) {
    lua_settop(L, 2);
    return lua_error(L);
  }
  return lua_gettop(L) - 1;
}

GuardRails* GuardRails::of(lua_State* L) {
  void* ud;
  lua_getallocf(L, &ud);
  return static_cast<GuardRails*>(ud);
}

void GuardRails::installCoroutineDepthGuard(lua_State* L) {
  if (luaL_loadbuffer(L, kGuardedCoroutines, std::strlen(kGuardedCoroutines), "=coroutine") != 0) throw std::runtime_error(lua_tostring(L, -1));
  lua_getglobal(L, "coroutine");
  lua_pushcfunction(L, enterCoroutine);
  lua_pushcfunction(L, leaveCoroutine);
  lua_pushcfunction(L, leaveWrappedCoroutine);
  lua_call(L, 4, 0);
}

bool GuardRails::limitHit(lua_State* L) {
  void* ud;
  lua_getallocf(L, &ud);
  auto* g = static_cast<GuardRails*>(ud);
  return g->budget_ && g->hit_ != LimitKind::None;
}

// [-0, +1]
int GuardRails::pushLimitHit(lua_State* L) {
  lua_pushboolean(L, limitHit(L));
  return 1;
}

void GuardRails::installGuardedXpcall(lua_State* L) {
  if (luaL_loadbuffer(L, kGuardedXpcall, std::strlen(kGuardedXpcall), "=xpcall") != 0) throw std::runtime_error(lua_tostring(L, -1));
  lua_getglobal(L, "xpcall");
  lua_pushcfunction(L, pushLimitHit);
  lua_call(L, 2, 1);
  lua_setglobal(L, "xpcall");
}

void GuardRails::prepareThread(lua_State* co) {
#if defined(SCRIPTLET_LUA51)
  armHook(co, hookInterval());  // a few stores in Lua 5.1
#else
  (void)co;
#endif
}

int GuardRails::hookInterval() const {
  if (limits_.instructions == 0 && limits_.callTimeout <= 0) return 0;
  if (limits_.instructions > 0 && limits_.instructions < static_cast<uint64_t>(kHookInterval))
    return static_cast<int>(limits_.instructions);
  return kHookInterval;
}

void GuardRails::armHook(lua_State* L, int count) {
  if (count > 0) lua_sethook(L, countHook, LUA_MASKCOUNT, count);
  else lua_sethook(L, nullptr, 0, 0);
}

void GuardRails::setLimits(const GuardLimits& limits) {
  limits_ = limits;
#if defined(SCRIPTLET_LUAJIT)
  startWatchdog();
#else
  armHook(master_, hookInterval());
#endif
}

// Calls shorter than this run with no hook on LuaJIT (see hook_watchdog.hpp).
constexpr std::chrono::microseconds kHookGrace{1000};

void GuardRails::startWatchdog() {
  if (hookInterval() == 0) {
    watchdog_.reset();
  } else if (!watchdog_) {
    watchdog_ = std::make_unique<HookWatchdog>(kHookGrace, [this] { armHook(master_, hookInterval()); });
  }
}

void GuardRails::detach(lua_State* L) {
  watchdog_.reset();  // before the state goes
  lua_setallocf(L, inner_, innerUd_);
}

void GuardRails::setHook(lua_State* L, int count) {
  if (watchdog_) watchdog_->exclusive([&] { armHook(L, count); });
  else armHook(L, count);
}

void GuardRails::enter(CallBudget* budget, bool enforceMemory) {
  budget_ = budget;
  enforceMemory_ = enforceMemory;
  hit_ = LimitKind::None;
  coroutineDepth_ = 0;  // Lua code is entered only from its outermost thread
  if (watchdog_) watchdog_->started();
}

// The start of a call from the coarse clock where there is one: it lags the
// precise one by under a tick (1-4 ms), so a deadline comes at most that much
// early, and it reads no hardware counter (on a VM a precise read cost a
// sixth of a trivial call). Same epoch as steady_clock (CLOCK_MONOTONIC).
GuardRails::Clock::time_point coarseNow() {
#if defined(CLOCK_MONOTONIC_COARSE)
  timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return GuardRails::Clock::time_point(std::chrono::duration_cast<GuardRails::Clock::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
#endif
  return GuardRails::Clock::now();
}

CallBudget GuardRails::newBudget() const {
  CallBudget b;
  if (limits_.callTimeout > 0)
    b.deadline = coarseNow() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits_.callTimeout));
  return b;
}

double GuardRails::secondsLeft(const CallBudget& b) const {
  if (limits_.callTimeout <= 0) return -1;
  double left = std::chrono::duration<double>(b.deadline - Clock::now()).count();
  return left > 0 ? left : 0;
}

LimitKind GuardRails::leave(lua_State* co) {
  if (watchdog_) {
    watchdog_->ended([this] { armHook(master_, 0); });
    rearmed_ = false;
  }
  budget_ = nullptr;
  enforceMemory_ = false;
  if (rearmed_) {
    rearmed_ = false;
    armHook(master_, hookInterval());
    if (co != master_) armHook(co, hookInterval());
  }
  LimitKind hit = hit_;
  hit_ = LimitKind::None;
  return hit;
}

std::string GuardRails::message(LimitKind kind) const {
  char buf[96];
  formatMessage(kind, buf, sizeof buf);
  return buf;
}

void GuardRails::formatMessage(LimitKind kind, char* buf, size_t size) const {
  buf[0] = 0;
  switch (kind) {
    case LimitKind::Instructions:
      std::snprintf(buf, size, "instruction limit exceeded (%llu instructions)",
                    static_cast<unsigned long long>(limits_.instructions));
      break;
    case LimitKind::WallTime:
      std::snprintf(buf, size, "call timeout exceeded (%g s)", limits_.callTimeout);
      break;
    case LimitKind::Memory:
      std::snprintf(buf, size, "memory limit exceeded (%zu bytes)", limits_.memory);
      break;
    default:
      break;
  }
}

// Refuses growth past the cap while script code runs; Lua then raises its
// own "not enough memory" inside the protected call. Shrinking never fails.
void* GuardRails::allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* g = static_cast<GuardRails*>(ud);
  size_t old = ptr ? osize : 0;
  if (nsize > old && g->enforceMemory_ && g->limits_.memory > 0 && g->used_ + (nsize - old) > g->limits_.memory) {
    g->hit_ = LimitKind::Memory;
    return nullptr;
  }
  void* p = g->inner_(g->innerUd_, ptr, osize, nsize);
  if (p || nsize == 0) g->used_ = g->used_ - old + nsize;
  if (nsize > old) g->allocations_++;
  return p;
}

// Counts the budget's instructions and looks at the clock. Once a limit is
// hit (or memory was refused, which a pcall may have caught), every firing
// raises the error again, one instruction apart.
void GuardRails::countHook(lua_State* L, lua_Debug*) {
  void* ud;
  lua_getallocf(L, &ud);
  auto* g = static_cast<GuardRails*>(ud);
  CallBudget* b = g->budget_;
  if (!b) return;
  if (g->hit_ == LimitKind::None) {
    b->counted += static_cast<uint64_t>(g->hookInterval());
    if (g->limits_.instructions > 0 && b->counted >= g->limits_.instructions) g->hit_ = LimitKind::Instructions;
    else if (g->pastDeadline(*b)) g->hit_ = LimitKind::WallTime;
    else return;
  }
  if (!g->rearmed_ || L != g->master_) {
    g->rearmed_ = true;
    g->setHook(L, 1);
  }
  // Nothing that owns memory lives in this frame when the error leaves it.
  // Level 0 is the running Lua function on both engines (a hook has no frame).
  char buf[96];
  g->formatMessage(g->hit_, buf, sizeof buf);
  lua_Debug where;
  if (lua_getstack(L, 0, &where) && lua_getinfo(L, "Sl", &where) && where.currentline > 0)
    lua_pushfstring(L, "%s:%d: %s", where.short_src, where.currentline, buf);
  else
    lua_pushstring(L, buf);
  lua_error(L);
}

}  // namespace scriptlet
