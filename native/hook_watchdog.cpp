#include "hook_watchdog.hpp"

namespace scriptlet {

namespace {

// How often the thread looks while calls come; after a second without one it
// waits to be woken instead.
constexpr std::chrono::microseconds kPoll{1000};
constexpr std::chrono::seconds kIdleAfter{1};

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(HookWatchdog::Clock::now().time_since_epoch()).count();
}

}  // namespace

HookWatchdog::HookWatchdog(std::chrono::microseconds grace, std::function<void()> arm)
    : grace_(grace), arm_(std::move(arm)), thread_([this] { loop(); }) {}

HookWatchdog::~HookWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HookWatchdog::started() {
  startedNs_.store(nowNs(), std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_relaxed);
  running_.store(true, std::memory_order_release);
  if (idle_.load(std::memory_order_acquire)) {  // rare: the first call after a quiet second
    std::lock_guard<std::mutex> lock(mu_);
    wake_.notify_one();
  }
}

void HookWatchdog::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t seenEpoch = 0;
  Clock::time_point lastCall = Clock::now();
  while (!stop_) {
    if (running_.load(std::memory_order_acquire)) {
      lastCall = Clock::now();
      uint64_t epoch = epoch_.load(std::memory_order_relaxed);
      int64_t ranNs = nowNs() - startedNs_.load(std::memory_order_relaxed);
      if (!armed_.load() && epoch == seenEpoch && ranNs >= grace_.count() * 1000) {
        armed_.store(true);
        // Still the same call? (Else it ended, or the next one started, and
        // ended() may not have seen armed_.)
        if (running_.load() && epoch_.load() == epoch) arm_();
        else armed_.store(false);
      }
      seenEpoch = epoch;
    } else if (Clock::now() - lastCall > kIdleAfter) {
      idle_.store(true, std::memory_order_release);
      wake_.wait(lock, [this] { return stop_ || running_.load(std::memory_order_acquire); });
      idle_.store(false, std::memory_order_release);
      lastCall = Clock::now();
      continue;
    }
    wake_.wait_for(lock, kPoll);
  }
}

}  // namespace scriptlet
