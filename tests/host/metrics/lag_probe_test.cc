// The lag probe measures off the caller's thread: asking never waits on the
// brokers, the answer arrives later, and stopping is bounded by the probe's
// timeout even while a measurement waits on a broker that never answers.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <mutex>

#include "host/metrics/kafka_probes.h"
#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A consumer assigned one partition on a broker nobody listens on: every
// ListOffsets request waits out its timeout.
rd_kafka_t* deadEndConsumer() {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", "127.0.0.1:1", err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "lag-probe-test", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) return nullptr;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, "t", 0);
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  return rk;
}

TEST(LagProbeTest, RequestReturnsAtOnceAndTheAnswerComesFromTheProbeThread) {
  rd_kafka_t* rk = deadEndConsumer();
  ASSERT_NE(rk, nullptr);
  constexpr int kTimeoutMs = 1500;
  std::atomic<int> published{0};
  std::mutex mu;
  std::thread::id publisher;
  {
    metrics::LagProbe probe(rk, [&](std::vector<metrics::PartitionLag> lags) {
      std::lock_guard lk(mu);
      publisher = std::this_thread::get_id();
      // The end offset is unknown (no broker), so no partition has a lag.
      EXPECT_TRUE(lags.empty());
      ++published;
    }, kTimeoutMs, "lag-test");
    auto start = Clock::now();
    probe.request({{{"t", 0}, 10}});
    probe.request({{{"t", 0}, 11}});  // replaces the waiting one, or waits behind the running one
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(kTimeoutMs / 3));
    ASSERT_TRUE(waitFor([&] { return published.load() >= 1; }, std::chrono::milliseconds(4 * kTimeoutMs)));
    {
      std::lock_guard lk(mu);
      EXPECT_NE(publisher, std::this_thread::get_id());
    }
    // Stop while a measurement waits on the dead broker: bounded by the timeout.
    probe.request({{{"t", 0}, 12}});
  }
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  EXPECT_LE(published.load(), 3);
}

TEST(LagProbeTest, StoppingWhileMeasuringTakesAtMostTheTimeout) {
  rd_kafka_t* rk = deadEndConsumer();
  ASSERT_NE(rk, nullptr);
  constexpr int kTimeoutMs = 1000;
  Clock::time_point stopAsked;
  {
    metrics::LagProbe probe(rk, [&](std::vector<metrics::PartitionLag>) {}, kTimeoutMs, "lag-test");
    probe.request({});
    stopAsked = Clock::now();
  }
  EXPECT_LT(Clock::now() - stopAsked, std::chrono::milliseconds(kTimeoutMs + 2000));
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

}  // namespace
}  // namespace sluice::test
