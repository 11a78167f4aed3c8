// Lua threads (lua_newthread) kept for reuse by one master state. A call takes
// a thread, runs its callouts on it, and gives it back if it finished cleanly;
// a thread that errored is discarded, never reused. Spares not used between
// two sweeps of the reaper are released.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/lua_headers.hpp"

namespace scriptlet {

struct LuaThread {
  lua_State* co = nullptr;
  int ref = LUA_NOREF;  // anchors the thread in the registry
  uint32_t uses = 0;
  bool usedSinceSweep = false;
};

struct SpareThreadStats {
  size_t spares = 0;
  uint64_t created = 0;
  uint64_t reused = 0;
  uint64_t reaped = 0;      // released by the reaper, unused for a whole interval
  uint64_t discarded = 0;   // errored
  uint64_t retired = 0;     // reached max_uses_per_thread, or the cache was full
};

class SpareThreadCache {
 public:
  SpareThreadCache(lua_State* master, size_t maxSpare, uint32_t maxUses)
      : master_(master), maxSpare_(maxSpare), maxUses_(maxUses) {}
  ~SpareThreadCache() = default;  // the threads die with the master state

  LuaThread take();
  void giveBack(LuaThread thread);
  void discard(LuaThread thread);
  size_t reap();
  // Lowering the bound releases the excess at once.
  void setMaxSpare(size_t maxSpare);
  void setMaxUses(uint32_t maxUses) { maxUses_ = maxUses; }
  SpareThreadStats stats() const;

 private:
  void release(LuaThread& thread);

  lua_State* master_;
  size_t maxSpare_;
  uint32_t maxUses_;
  std::vector<LuaThread> spares_;
  SpareThreadStats stats_;
};

}  // namespace scriptlet
