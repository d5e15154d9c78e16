#pragma once
// Retries of a plugin call that answered RETRIABLE, the one policy for every
// such call: a sink's put, a source's poll and the put of a DLQ replay (Kafka
// Connect's RetryWithToleranceOperator plays this part there). It counts each
// retry (sluice_task_retries_total), logs it (WARN at most every 30 s, with
// the plugin's message and how many retries the line stands for; DEBUG in
// between), says how long to back off (exponential with jitter, capped by
// errors.retry.delay.max.ms), and says when errors.retry.timeout.ms is spent:
// then the caller gives the work up by its tolerance (fail the task, or send
// the records to the dead letter queue).
//
// Sinks also get a circuit breaker (errors.breaker.*): after that many
// consecutive failures no call is made for errors.breaker.open.ms, then one
// trial call decides between closed and open again.
//
// Not thread-safe: one per task thread (or replay).

#include <chrono>
#include <cstdint>
#include <string>

#include "host/common/log.h"
#include "host/common/status.h"
#include "host/config/connector_config.h"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace sluice::runtime {

class RetryOperator {
 public:
  using Clock = std::chrono::steady_clock;

  /// `call` names what is retried in log lines and give-up reasons ("put",
  /// "poll"); `pausedNote` is appended to the WARN line (e.g. "partitions
  /// paused"). The metrics may be null.
  RetryOperator(const config::ConnectorPlan& plan, const log::Tag& tag, std::string call, std::string pausedNote,
                prometheus::Counter* retries, prometheus::Gauge* breakerState = nullptr, bool breaker = false);

  struct Next {
    bool giveUp = false;  // errors.retry.timeout.ms is spent
    int64_t delayMs = 0;  // otherwise: back off this long before the next try
    std::string why;      // giveUp: "<call> still failing after N ms of retries: <message>"
  };
  /// The call answered RETRIABLE (`s`) at `now`.
  Next failed(const Status& s, Clock::time_point now);
  /// The call went through: the next failure starts a new series, and an open
  /// (or half-open) breaker closes.
  void succeeded();
  /// Forget the series (the work being retried is gone, e.g. with a replaced
  /// consumer's partitions); the breaker closes.
  void reset();

  bool retrying() const { return attempts_ > 0; }
  /// The backoff of the last failure (0 before any).
  int64_t backoffMs() const { return backoffMs_; }
  /// Circuit breaker: false while open; the first call after it has been
  /// open errors.breaker.open.ms makes it half-open (one trial) and is true.
  bool mayCall(Clock::time_point now);

 private:
  enum Breaker { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
  void setBreaker(Breaker b);

  const config::ConnectorPlan& plan_;
  log::Tag tag_;
  std::string call_;
  std::string pausedNote_;
  prometheus::Counter* retries_;
  prometheus::Gauge* breakerState_;
  bool breakerOn_;
  int attempts_ = 0;
  int64_t backoffMs_ = 0;
  Clock::time_point since_{};
  Clock::time_point lastWarn_{};
  int sinceWarn_ = 0;
  int consecutive_ = 0;
  Breaker breaker_ = kClosed;
  Clock::time_point openUntil_{};
};

/// Exponential backoff with jitter for retry `attempt` (1, 2, ...): 50 ms
/// doubling, capped at `maxDelayMs` (errors.retry.delay.max.ms) and `capMs`.
int64_t retryDelayMs(int attempt, int64_t maxDelayMs, int64_t capMs);

}  // namespace sluice::runtime
