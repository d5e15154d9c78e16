#pragma once
// Time a task spends blocked (backpressure: a full producer queue, paused
// partitions), added to its counter while it passes (at least every second),
// not only when the block ends: an outage that blocks a task for an hour
// shows in the metric during that hour.

#include <prometheus/counter.h>

#include <chrono>

namespace sluice::runtime {

class BlockedTime {
 public:
  using Clock = std::chrono::steady_clock;
  explicit BlockedTime(prometheus::Counter* counter) : counter_(counter) {}
  bool blocked() const { return mark_ != Clock::time_point{}; }
  void block(Clock::time_point now) {
    if (!blocked()) mark_ = now;
  }
  /// Call often while blocked.
  void tick(Clock::time_point now) {
    if (blocked() && now - mark_ >= std::chrono::seconds(1)) account(now);
  }
  void unblock(Clock::time_point now) {
    if (!blocked()) return;
    account(now);
    mark_ = Clock::time_point{};
  }

 private:
  void account(Clock::time_point now) {
    if (counter_) counter_->Increment(std::chrono::duration<double>(now - mark_).count());
    mark_ = now;
  }
  prometheus::Counter* counter_;
  Clock::time_point mark_{};  // blocked since, or last accounted
};

}  // namespace sluice::runtime
