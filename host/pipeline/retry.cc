#include "host/pipeline/retry.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace sluice::runtime {
namespace {
constexpr auto kWarnEvery = std::chrono::seconds(30);
}  // namespace

int64_t retryDelayMs(int attempt, int64_t maxDelayMs, int64_t capMs) {
  double base = 50.0 * std::pow(2.0, std::min(attempt - 1, 20));
  double cap = static_cast<double>(std::min(capMs, maxDelayMs));
  thread_local std::mt19937 rng(std::random_device{}());
  double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(rng);
  return std::max<int64_t>(1, static_cast<int64_t>(std::min(base, cap) * jitter));
}

RetryOperator::RetryOperator(const config::ConnectorPlan& plan, const log::Tag& tag, std::string call,
                             std::string pausedNote, prometheus::Counter* retries, prometheus::Gauge* breakerState,
                             bool breaker)
    : plan_(plan), tag_(tag), call_(std::move(call)), pausedNote_(std::move(pausedNote)), retries_(retries),
      breakerState_(breakerState), breakerOn_(breaker && plan.breakerThreshold > 0) {}

void RetryOperator::setBreaker(Breaker b) {
  breaker_ = b;
  if (breakerState_) breakerState_->Set(static_cast<double>(b));
}

RetryOperator::Next RetryOperator::failed(const Status& s, Clock::time_point now) {
  ++attempts_;
  ++consecutive_;
  if (retries_) retries_->Increment();
  if (since_ == Clock::time_point{}) since_ = now;
  auto forMs = std::chrono::duration_cast<std::chrono::milliseconds>(now - since_).count();
  if (breakerOn_ && (breaker_ == kHalfOpen || consecutive_ >= plan_.breakerThreshold)) {
    if (breaker_ != kOpen)
      SLUICE_LOG(tag_, log::Level::kWarn, "circuit breaker open for " + std::to_string(plan_.breakerOpenMs) + " ms after " +
                                              std::to_string(consecutive_) + " failed " + call_ + "s: " + s.message());
    setBreaker(kOpen);
    openUntil_ = now + std::chrono::milliseconds(plan_.breakerOpenMs);
  }
  backoffMs_ = retryDelayMs(attempts_, plan_.retryDelayMaxMs, 5000);
  // Never back off past errors.retry.timeout.ms: the try at its end decides.
  if (plan_.retryTimeoutMs > 0) backoffMs_ = std::clamp<int64_t>(plan_.retryTimeoutMs - forMs, 1, backoffMs_);
  ++sinceWarn_;
  std::string note = pausedNote_.empty() ? "" : "; " + pausedNote_;
  if (lastWarn_ == Clock::time_point{} || now - lastWarn_ >= kWarnEvery) {
    SLUICE_LOG(tag_, log::Level::kWarn,
               call_ + " asked to retry: " + s.message() + " (" + std::to_string(sinceWarn_) +
                   (sinceWarn_ == 1 ? " retry" : " retries") + " since the last such line; retrying for " +
                   std::to_string(forMs) + " ms; next in " + std::to_string(backoffMs_) + " ms" + note + ")");
    lastWarn_ = now;
    sinceWarn_ = 0;
  } else {
    SLUICE_LOG(tag_, log::Level::kDebug, call_ + " asked to retry (" + s.message() + ")" + note);
  }
  if (plan_.retryTimeoutMs > 0 && forMs >= plan_.retryTimeoutMs) {
    attempts_ = 0;  // the work is given up: the next failure starts a new series
    since_ = {};
    return Next{true, 0, call_ + " still failing after " + std::to_string(plan_.retryTimeoutMs) + " ms of retries: " + s.message()};
  }
  return Next{false, backoffMs_, {}};
}

void RetryOperator::succeeded() {
  if (breaker_ != kClosed) SLUICE_LOG(tag_, log::Level::kInfo, "circuit breaker closed: the plugin accepted a " + call_);
  reset();
}

void RetryOperator::reset() {
  attempts_ = 0;
  backoffMs_ = 0;
  since_ = {};
  consecutive_ = 0;
  if (breaker_ != kClosed) setBreaker(kClosed);
}

bool RetryOperator::mayCall(Clock::time_point now) {
  if (breaker_ != kOpen) return true;
  if (now < openUntil_) return false;
  setBreaker(kHalfOpen);  // one trial call
  return true;
}

}  // namespace sluice::runtime
