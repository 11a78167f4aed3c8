#include "spare_thread_cache.hpp"

namespace scriptlet {

// [-0, +0] on the master: the new thread is anchored by a registry ref.
LuaThread SpareThreadCache::take() {
  if (!spares_.empty()) {
    LuaThread t = spares_.back();
    spares_.pop_back();
    stats_.reused++;
    t.usedSinceSweep = true;
    return t;
  }
  LuaThread t;
  t.co = lua_newthread(master_);
  t.ref = luaL_ref(master_, LUA_REGISTRYINDEX);
  t.usedSinceSweep = true;
  stats_.created++;
  return t;
}

void SpareThreadCache::giveBack(LuaThread thread) {
  lua_settop(thread.co, 0);
  thread.uses++;
  if (thread.uses >= maxUses_ || spares_.size() >= maxSpare_) {
    stats_.retired++;
    release(thread);
    return;
  }
  spares_.push_back(thread);
}

void SpareThreadCache::discard(LuaThread thread) {
  stats_.discarded++;
  release(thread);
}

// [-0, +0] Drops the registry anchor; the collector frees the thread.
void SpareThreadCache::release(LuaThread& thread) {
  luaL_unref(master_, LUA_REGISTRYINDEX, thread.ref);
  thread.ref = LUA_NOREF;
  thread.co = nullptr;
}

size_t SpareThreadCache::reap() {
  size_t kept = 0, reaped = 0;
  for (size_t i = 0; i < spares_.size(); i++) {
    LuaThread& t = spares_[i];
    if (!t.usedSinceSweep) {
      release(t);
      reaped++;
      continue;
    }
    t.usedSinceSweep = false;
    spares_[kept++] = t;
  }
  spares_.resize(kept);
  stats_.reaped += reaped;
  return reaped;
}

void SpareThreadCache::setMaxSpare(size_t maxSpare) {
  maxSpare_ = maxSpare;
  while (spares_.size() > maxSpare_) {
    LuaThread t = spares_.back();
    spares_.pop_back();
    stats_.retired++;
    release(t);
  }
}

SpareThreadStats SpareThreadCache::stats() const {
  SpareThreadStats s = stats_;
  s.spares = spares_.size();
  return s;
}

}  // namespace scriptlet
