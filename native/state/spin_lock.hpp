// The lock of a series or a gauge cache: held for a hash lookup and a few
// additions, so a thread that finds it taken spins (a futex sleep and
// wake-up, what std::mutex does under contention, costs microseconds); it
// yields its CPU after a while, in case the holder was descheduled or is
// doing one of the rare long operations (building a prefix index, a sweep).
#pragma once

#include <atomic>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SCRIPTLET_CPU_RELAX() _mm_pause()
#else
#define SCRIPTLET_CPU_RELAX() std::atomic_signal_fence(std::memory_order_seq_cst)
#endif

namespace scriptlet {

class SpinLock {
 public:
  void lock() {
    while (taken_.exchange(true, std::memory_order_acquire)) {
      for (int spins = 0; taken_.load(std::memory_order_relaxed); spins++) {
        if (spins < 128) {
          SCRIPTLET_CPU_RELAX();
        } else {
          std::this_thread::yield();
        }
      }
    }
  }
  void unlock() { taken_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> taken_{false};
};

}  // namespace scriptlet
