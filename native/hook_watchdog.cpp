#include "hook_watchdog.hpp"

namespace scriptlet {

namespace {

// How often the thread looks: every millisecond while it sees a call
// running (to tell whether the same one still runs a grace later), every
// ten while calls come but it finds none running (most looks, on a worker
// that is not busy: each look is a wake-up, which costs a VM ~10 us), and
// after a second without a call it waits to be woken instead. So a call
// that starts just after a look is first seen up to ten milliseconds late.
constexpr std::chrono::microseconds kPoll{1000};
constexpr std::chrono::microseconds kQuietPoll{10000};
constexpr std::chrono::seconds kIdleAfter{1};

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
  epoch_.fetch_add(1, std::memory_order_relaxed);
  running_.store(true, std::memory_order_release);
  if (idle_.load(std::memory_order_acquire)) {  // rare: the first call after a quiet second
    std::lock_guard<std::mutex> lock(mu_);
    wake_.notify_one();
  }
}

void HookWatchdog::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  // The Lua thread reads no clock (on this kind of VM a read cost a quarter
  // of a trivial call): a call has run at least grace once this thread has
  // seen the same call running for that long.
  uint64_t seenEpoch = 0;
  Clock::time_point seenAt;
  uint64_t lastEpoch = 0;  // calls come while the epoch moves between looks
  Clock::time_point lastCall = Clock::now();
  while (!stop_) {
    bool running = running_.load(std::memory_order_acquire);
    uint64_t epoch = epoch_.load(std::memory_order_relaxed);
    Clock::time_point now = Clock::now();
    if (epoch != lastEpoch) {
      lastEpoch = epoch;
      lastCall = now;
    }
    if (running) {
      if (epoch != seenEpoch) {
        seenEpoch = epoch;
        seenAt = now;
      } else if (!armed_.load() && now - seenAt >= grace_) {
        armed_.store(true);
        // Still the same call? (Else it ended, or the next one started, and
        // ended() may not have seen armed_.)
        if (running_.load() && epoch_.load() == epoch) arm_();
        else armed_.store(false);
      }
    } else if (now - lastCall > kIdleAfter) {
      idle_.store(true, std::memory_order_release);
      wake_.wait(lock, [this] { return stop_ || running_.load(std::memory_order_acquire); });
      idle_.store(false, std::memory_order_release);
      lastCall = Clock::now();
      continue;
    }
    wake_.wait_for(lock, running ? kPoll : kQuietPoll);
  }
}

}  // namespace scriptlet
