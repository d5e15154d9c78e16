// The one retry policy for RETRIABLE plugin calls (sink puts, source polls,
// DLQ replay puts): backoff, errors.retry.timeout.ms, the circuit breaker.
#include "host/pipeline/retry.h"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;
using Clock = RetryOperator::Clock;

const log::Tag kTag{"sluice.test", "c", 0};

TEST(RetryTest, BacksOffExponentiallyWithJitterWithinTheCaps) {
  for (int attempt = 1; attempt <= 30; ++attempt) {
    int64_t d = retryDelayMs(attempt, 60000, 5000);
    int64_t base = std::min<int64_t>(5000, attempt > 20 ? 5000 : static_cast<int64_t>(50) << (attempt - 1));
    EXPECT_GE(d, base / 2) << attempt;
    EXPECT_LE(d, base) << attempt;
  }
  EXPECT_LE(retryDelayMs(10, 300, 5000), 300) << "errors.retry.delay.max.ms caps it";
}

TEST(RetryTest, GivesUpOnceTheRetryTimeoutIsSpentAndCountsEveryRetry) {
  config::ConnectorPlan plan;
  plan.retryTimeoutMs = 1000;
  prometheus::Counter retries;
  RetryOperator r(plan, kTag, "put", "partitions paused", &retries);
  auto t0 = Clock::now();
  auto first = r.failed(Status::retriable("busy"), t0);
  EXPECT_FALSE(first.giveUp);
  EXPECT_GE(first.delayMs, 25);
  EXPECT_LE(first.delayMs, 50);
  EXPECT_TRUE(r.retrying());
  auto near = r.failed(Status::retriable("busy"), t0 + 999ms);
  EXPECT_FALSE(near.giveUp);
  EXPECT_EQ(near.delayMs, 1) << "no backoff past the retry timeout";
  auto last = r.failed(Status::retriable("still busy"), t0 + 1000ms);
  EXPECT_TRUE(last.giveUp);
  EXPECT_EQ(last.why, "put still failing after 1000 ms of retries: still busy");
  EXPECT_FALSE(r.retrying()) << "a new series starts after giving up";
  EXPECT_EQ(retries.Value(), 3);
  // A success in between starts the clock over.
  auto t1 = t0 + 5s;
  EXPECT_FALSE(r.failed(Status::retriable("busy"), t1).giveUp);
  r.succeeded();
  EXPECT_EQ(r.backoffMs(), 0);
  EXPECT_FALSE(r.failed(Status::retriable("busy"), t1 + 1500ms).giveUp);
}

TEST(RetryTest, RetriesForeverWithoutATimeout) {
  config::ConnectorPlan plan;
  plan.retryTimeoutMs = 0;
  RetryOperator r(plan, kTag, "poll", "", nullptr);
  auto t0 = Clock::now();
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(r.failed(Status::retriable("down"), t0 + std::chrono::hours(i)).giveUp);
}

TEST(RetryTest, TheCircuitBreakerOpensHalfOpensAndCloses) {
  config::ConnectorPlan plan;
  plan.breakerThreshold = 2;
  plan.breakerOpenMs = 500;
  prometheus::Gauge state;
  RetryOperator r(plan, kTag, "put", "", nullptr, &state, true);
  auto t0 = Clock::now();
  EXPECT_TRUE(r.mayCall(t0));
  r.failed(Status::retriable("x"), t0);
  EXPECT_EQ(state.Value(), 0) << "one failure is under the threshold";
  r.failed(Status::retriable("x"), t0);
  EXPECT_EQ(state.Value(), 1) << "open";
  EXPECT_FALSE(r.mayCall(t0 + 499ms));
  EXPECT_TRUE(r.mayCall(t0 + 500ms));
  EXPECT_EQ(state.Value(), 2) << "half-open: one trial";
  r.failed(Status::retriable("x"), t0 + 500ms);
  EXPECT_EQ(state.Value(), 1) << "a failed trial opens it again";
  EXPECT_FALSE(r.mayCall(t0 + 900ms));
  EXPECT_TRUE(r.mayCall(t0 + 1000ms));
  r.succeeded();
  EXPECT_EQ(state.Value(), 0) << "a good trial closes it";
  EXPECT_TRUE(r.mayCall(t0 + 1000ms));
}

TEST(RetryTest, NoBreakerUnlessAskedAndConfigured) {
  config::ConnectorPlan plan;
  plan.breakerThreshold = 1;
  prometheus::Gauge state;
  RetryOperator poll(plan, kTag, "poll", "", nullptr, &state, false);
  auto t0 = Clock::now();
  poll.failed(Status::retriable("x"), t0);
  EXPECT_TRUE(poll.mayCall(t0));
  plan.breakerThreshold = 0;
  RetryOperator put(plan, kTag, "put", "", nullptr, &state, true);
  for (int i = 0; i < 5; ++i) put.failed(Status::retriable("x"), t0);
  EXPECT_TRUE(put.mayCall(t0));
  EXPECT_EQ(state.Value(), 0);
}

}  // namespace
}  // namespace sluice::runtime
