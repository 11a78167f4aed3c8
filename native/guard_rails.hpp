// The per-call limits of one master state: an instruction budget and a
// wall-time budget, enforced by a count hook, and a memory cap, enforced in
// the allocator. A limit that is hit cannot be swallowed by pcall/xpcall: the
// hook is re-armed to fire on every instruction, so each frame that catches
// the error is ended at its next instruction.
//
// The hook and the allocator find the GuardRails through the allocator's
// userdata (lua_getallocf), which every thread of the state shares.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "hook_watchdog.hpp"
#include "util/lua_headers.hpp"

namespace scriptlet {

enum class LimitKind : uint8_t { None, Instructions, WallTime, Memory };

// The metric label of a limit: "instructions", "wall_time", "memory" ("" for None).
const char* limitKindName(LimitKind kind);

struct GuardLimits {
  uint64_t instructions = 10'000'000;  // per call; 0: none
  double callTimeout = 5;              // seconds per call, suspensions included; 0: none
  size_t memory = 256u << 20;          // bytes per master state; 0: none
};

// The budget of one call (kept across its suspensions), or of loading one
// script or running init().
struct CallBudget {
  std::chrono::steady_clock::time_point deadline{};
  uint64_t counted = 0;  // instructions so far, in hook intervals
};

class GuardRails {
 public:
  using Clock = std::chrono::steady_clock;

  explicit GuardRails(const GuardLimits& limits) : limits_(limits) {}
  GuardRails(const GuardRails&) = delete;
  GuardRails& operator=(const GuardRails&) = delete;

  // Wraps L's allocator, sets the count hook (when a limit needs it) and
  // replaces xpcall (see installGuardedXpcall). Once, right after the state
  // is created, before any thread exists.
  void attach(lua_State* L);
  // Puts the engine's own allocator back, before lua_close: LuaJIT frees its
  // arena whole only when it sees its own allocator there.
  void detach(lua_State* L);
  // True while script code runs past a limit it hit.
  static bool limitHit(lua_State* L);
  // Lua 5.1 keeps hooks per thread: a spare thread made before a change of
  // limits gets the current hook here. (LuaJIT's hook is global: no-op.)
  void prepareThread(lua_State* co);

  CallBudget newBudget() const;
  bool pastDeadline(const CallBudget& b) const { return limits_.callTimeout > 0 && Clock::now() >= b.deadline; }
  // Seconds left before the deadline (0 when past), or -1 without one.
  double secondsLeft(const CallBudget& b) const;

  // Around each lua_resume/lua_pcall of script code. The memory cap is only
  // enforced in there (enforceMemory), so that an allocation the host makes
  // unprotected never fails and never reaches the panic handler.
  void enter(CallBudget* budget, bool enforceMemory = true);
  // The limit that ended the Lua code, if any; puts the hook back to its
  // normal interval if it was re-armed.
  LimitKind leave(lua_State* co);

  void setLimits(const GuardLimits& limits);
  const GuardLimits& limits() const { return limits_; }
  size_t usedBytes() const { return used_; }
  // Blocks the state has allocated or grown, ever: what a test compares
  // before and after calls to see what they allocate (one add per allocation).
  uint64_t allocations() const { return allocations_; }

  // The message a limit's error carries, e.g. "instruction limit exceeded (10000000 instructions)".
  std::string message(LimitKind kind) const;
  void formatMessage(LimitKind kind, char* buf, size_t size) const;

 private:
  static void* allocate(void* ud, void* ptr, size_t osize, size_t nsize);
  static void countHook(lua_State* L, lua_Debug* ar);
  static int pushLimitHit(lua_State* L);
  void installGuardedXpcall(lua_State* L);
  static GuardRails* of(lua_State* L);
  static int enterCoroutine(lua_State* L);
  static int leaveCoroutine(lua_State* L);
  static int leaveWrappedCoroutine(lua_State* L);
  void installCoroutineDepthGuard(lua_State* L);
  void armHook(lua_State* L, int count);
  // armHook, ordered with the watchdog's (LuaJIT).
  void setHook(lua_State* L, int count);
  void startWatchdog();
  int hookInterval() const;

  GuardLimits limits_;
  lua_State* master_ = nullptr;
  lua_Alloc inner_ = nullptr;
  void* innerUd_ = nullptr;
  size_t used_ = 0;
  uint64_t allocations_ = 0;
  CallBudget* budget_ = nullptr;  // non-null while script code runs
  bool enforceMemory_ = false;
  bool rearmed_ = false;  // the hook fires on every instruction
  int coroutineDepth_ = 0;
  std::unique_ptr<HookWatchdog> watchdog_;  // LuaJIT: arms the hook of long calls
  LimitKind hit_ = LimitKind::None;
};

}  // namespace scriptlet
