// Metrics against the real broker: consumer lag per partition comes from
// ListOffsets on Apache Kafka (not only the embedded mock), for a sink with
// two tasks sharing three partitions, while it is paused and after it drains.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/support/prom_text.h"
#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;

class RealKafkaMetricsTest : public WorkerFixture {
 protected:
  void configure() override { wc_.bootstrapServers = kafkaBootstrap(); }
  void SetUp() override {
    WorkerFixture::SetUp();
    ASSERT_NE(kafka_->clusterId(), "") << "no Kafka broker at " << kafkaBootstrap();
  }
  // Per (topic, partition) lag summed over the tasks that report it, and
  // how many partitions report one.
  std::pair<double, int> lag(const std::string& connector, const std::string& topic) {
    std::string text = metrics_.serialize();
    double sum = 0;
    int n = 0;
    for (int task = 0; task < 2; ++task)
      for (int p = 0; p < 3; ++p) {
        double v = promValue(text, "sluice_sink_task_consumer_lag_records{connector=\"" + connector + "\",kind=\"sink\",partition=\"" +
                                       std::to_string(p) + "\",task=\"" + std::to_string(task) + "\",topic=\"" + topic + "\"}");
        if (std::isnan(v)) continue;
        sum += v;
        ++n;
      }
    return {sum, n};
  }
};

TEST_F(RealKafkaMetricsTest, ConsumerLagOfAPausedSinkIsWhatWasProducedAndDrainsToZero) {
  auto now = std::chrono::system_clock::now().time_since_epoch().count();
  std::string topic = "lag-" + std::to_string(now);
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", topic}, {"records", "900"}, {"keys", "30"},
                                      {"topic.creation.default.partitions", "3"},
                                      {"topic.creation.default.replication.factor", "1"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return promValue(metrics_.serialize(), taskSeries("sluice_task_records_out_total", "gen", "source")) == 900; }, 60s));
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "test-sink"}, {"topics", topic}, {"tasks.max", "2"}, {"file", out}},
                              "PAUSED").isOk());
  // Every partition reported by one task, the lags adding up to all records.
  ASSERT_TRUE(waitFor([&] { auto [sum, n] = lag("sink", topic); return n == 3 && sum == 900; }, 60s)) << metrics_.serialize();
  double max = promValue(metrics_.serialize(), "sluice_connector_consumer_lag_max_records{connector=\"sink\"}");
  EXPECT_GE(max, 300) << "one of three partitions holds at least a third";
  EXPECT_LE(max, 900);

  ASSERT_TRUE(herder_->resume("sink").isOk());
  ASSERT_TRUE(waitFor([&] { auto [sum, n] = lag("sink", topic); return n == 3 && sum == 0; }, 60s)) << metrics_.serialize();
  EXPECT_EQ(promValue(metrics_.serialize(), "sluice_connector_consumer_lag_max_records{connector=\"sink\"}"), 0);
  EXPECT_EQ(readLines(out).size(), 900u);
}

}  // namespace
}  // namespace sluice::test
