// LuaJIT only: arms the count hook of a state late, from another thread.
//
// While a count hook is set LuaJIT records no new traces and compiled ones
// exit at once (LUAJIT_ENABLE_CHECKHOOK), so a hook set for every call would
// cost the JIT. Instead this thread watches the call that runs: once it has
// run for `grace` it sets the hook (lua_sethook is meant to be called
// asynchronously, from a signal handler or another thread), compiled code
// exits to the interpreter at its next hook check, and from then on the hook
// counts and checks the clock. Calls shorter than `grace`, nearly all, run
// with no hook at all. The mutex orders every lua_sethook, ours and the Lua
// thread's; the Lua thread holds it only for those few stores.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace scriptlet {

class HookWatchdog {
 public:
  using Clock = std::chrono::steady_clock;

  // arm() is called on the watchdog thread, with the lock held.
  HookWatchdog(std::chrono::microseconds grace, std::function<void()> arm);
  ~HookWatchdog();
  HookWatchdog(const HookWatchdog&) = delete;
  HookWatchdog& operator=(const HookWatchdog&) = delete;

  // Lua thread, before script code runs / after it stopped. ended() runs
  // disarm() under the lock if the hook was armed. It takes the lock only
  // then: a call that ended before its grace (nearly all) never waits for a
  // watchdog thread that the scheduler stopped while it held the lock.
  // Either ended() sees armed_ (set before the watchdog looks at running_
  // again) and disarms under the lock, or the watchdog sees running_ false
  // and does not arm (both sequentially consistent).
  void started();
  template <typename Fn>
  void ended(Fn&& disarm) {
    running_.store(false);
    if (!armed_.load()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (armed_.load()) {
      armed_.store(false);
      disarm();
    }
  }
  // Lua thread: fn (a lua_sethook) under the lock.
  template <typename Fn>
  void exclusive(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn();
  }

 private:
  void loop();

  const std::chrono::microseconds grace_;
  const std::function<void()> arm_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::atomic<bool> armed_{false};  // written under mu_
  bool stop_ = false;   // under mu_
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<bool> idle_{false};  // the thread waits for a call to start
  std::thread thread_;
};

}  // namespace scriptlet
