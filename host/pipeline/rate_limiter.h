#pragma once
// A token bucket shared by the tasks of one connector
// (rate.limit.records.per.second). Takers may go into debt, so a batch larger
// than the bucket is admitted and its caller waits the debt off: the long-run
// rate is exact whatever the batch sizes.

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

namespace sluice::runtime {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(double perSecond) : rate_(perSecond), burst_(std::max(1.0, perSecond / 10)), tokens_(burst_) {}

  bool enabled() const { return rate_ > 0; }
  double rate() const { return rate_; }
  /// Take `n` tokens, then wait until the bucket is out of debt (or `stop`
  /// says so). Returns the seconds waited.
  double acquire(double n, const std::function<bool()>& stop) {
    if (rate_ <= 0) return 0;
    Clock::time_point until;
    {
      std::lock_guard lk(mu_);
      auto now = Clock::now();
      tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
      last_ = now;
      tokens_ -= n;
      if (tokens_ >= 0) return 0;
      until = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / rate_));
    }
    auto start = Clock::now();
    while (Clock::now() < until && !stop())
      std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point last_ = Clock::now();
  std::mutex mu_;
};

}  // namespace sluice::runtime
