// The tasks' instrumentation on an in-process worker (embedded cluster): the
// counts add up across source and sink, the histograms see every batch and
// record, consumer lag follows a paused and resumed sink, and task states and
// restarts show.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cmath>

#include "host/metrics/kafka_probes.h"
#include "tests/support/prom_text.h"
#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;

class TaskMetricsTest : public WorkerFixture {
 protected:
  double get(const std::string& series) { return promValue(metrics_.serialize(), series); }
  std::string lagSeries(const std::string& connector, const std::string& topic, int partition, int task = 0) {
    return "sluice_sink_task_consumer_lag_records{connector=\"" + connector + "\",kind=\"sink\",partition=\"" +
           std::to_string(partition) + "\",task=\"" + std::to_string(task) + "\",topic=\"" + topic + "\"}";
  }
  std::string stateSeries(const std::string& connector, const std::string& kind, const std::string& state) {
    return "sluice_task_state{connector=\"" + connector + "\",kind=\"" + kind + "\",state=\"" + state + "\",task=\"0\"}";
  }
};

TEST_F(TaskMetricsTest, SourceAndSinkCountsAddUpAndHistogramsSeeEveryRecord) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "m1"}, {"records", "1000"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "m1"}, {"file", out}}).isOk());
  auto src = [](const std::string& n) { return taskSeries(n, "gen", "source"); };
  auto snk = [](const std::string& n) { return taskSeries(n, "sink", "sink"); };
  ASSERT_TRUE(waitFor([&] { return get(snk("sluice_task_records_out_total")) == 1000; }, 30s))
      << metrics_.serialize();
  // Acknowledgement latencies are handed over once per loop of the source,
  // end-to-end latencies once per put.
  ASSERT_TRUE(waitFor([&] { return get(src("sluice_source_task_ack_latency_seconds_count")) == 1000; }, 10s))
      << metrics_.serialize();
  std::string text = metrics_.serialize();
  auto v = [&](const std::string& s) { return promValue(text, s); };

  // Bytes: nothing transforms the records, so what the source polled is what
  // it produced, what the sink consumed, and what it put.
  double bytes = v(src("sluice_task_bytes_in_total"));
  EXPECT_GT(bytes, 1000 * 40);
  EXPECT_EQ(v(src("sluice_task_bytes_out_total")), bytes);
  EXPECT_EQ(v(snk("sluice_task_bytes_in_total")), bytes);
  EXPECT_EQ(v(snk("sluice_task_bytes_out_total")), bytes);

  // Batch histograms: their sums are the records that crossed.
  EXPECT_EQ(v(src("sluice_source_task_poll_batch_records_sum")), 1000);
  EXPECT_GE(v(src("sluice_source_task_poll_batch_records_count")), 1);
  EXPECT_GE(v(src("sluice_source_task_poll_duration_seconds_count")), v(src("sluice_source_task_poll_batch_records_count")));
  EXPECT_EQ(v(snk("sluice_sink_task_put_batch_records_sum")), 1000);
  EXPECT_EQ(v(snk("sluice_sink_task_put_duration_seconds_count")), v(snk("sluice_sink_task_put_batch_records_count")));
  EXPECT_EQ(v(snk("sluice_sink_task_end_to_end_latency_seconds_count")), 1000);
  // Everything here happens within seconds of the records' timestamps.
  EXPECT_LT(v(snk("sluice_sink_task_end_to_end_latency_seconds_sum")) / 1000, 10);
  EXPECT_LT(v(src("sluice_source_task_ack_latency_seconds_sum")) / 1000, 10);
  EXPECT_GT(v(src("sluice_source_task_ack_latency_seconds_sum")), 0);

  double fill = v(src("sluice_source_task_producer_queue_fill_ratio"));
  EXPECT_GE(fill, 0);
  EXPECT_LE(fill, 1);

  EXPECT_EQ(v(stateSeries("gen", "source", "RUNNING")), 1) << text;
  EXPECT_EQ(v(stateSeries("sink", "sink", "RUNNING")), 1);
  EXPECT_EQ(v(stateSeries("sink", "sink", "FAILED")), 0);
  EXPECT_EQ(v("sluice_worker_tasks"), 2);

  // Caught up: the lag of the sink's partition goes to 0.
  EXPECT_TRUE(waitFor([&] { return get(lagSeries("sink", "m1", 0)) == 0; }, 10s)) << metrics_.serialize();
  EXPECT_EQ(get("sluice_connector_consumer_lag_max_records{connector=\"sink\"}"), 0);
}

TEST_F(TaskMetricsTest, ConsumerLagGrowsWhileTheSinkIsPausedAndDrainsWhenItResumes) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "m2"}, {"records", "500"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return get(taskSeries("sluice_task_records_out_total", "gen", "source")) == 500; }, 30s));
  // Created paused: it consumes nothing and has no committed offset, so its
  // position is where auto.offset.reset=earliest would start.
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "m2"}, {"file", out}}, "PAUSED").isOk());
  ASSERT_TRUE(waitFor([&] { return get(lagSeries("sink", "m2", 0)) == 500; }, 15s)) << metrics_.serialize();
  EXPECT_EQ(get("sluice_connector_consumer_lag_max_records{connector=\"sink\"}"), 500);
  EXPECT_EQ(get(stateSeries("sink", "sink", "PAUSED")), 1);
  EXPECT_EQ(get(stateSeries("sink", "sink", "RUNNING")), 0);

  ASSERT_TRUE(herder_->resume("sink").isOk());
  ASSERT_TRUE(waitFor([&] { return get(lagSeries("sink", "m2", 0)) == 0; }, 15s)) << metrics_.serialize();
  EXPECT_EQ(get("sluice_connector_consumer_lag_max_records{connector=\"sink\"}"), 0);
  EXPECT_EQ(readLines(out).size(), 500u);

  // A deleted connector leaves no lag or state behind.
  ASSERT_TRUE(herder_->remove("sink").isOk());
  std::string text = metrics_.serialize();
  EXPECT_TRUE(std::isnan(promValue(text, lagSeries("sink", "m2", 0)))) << text;
  EXPECT_TRUE(std::isnan(promValue(text, "sluice_connector_consumer_lag_max_records{connector=\"sink\"}")));
  EXPECT_TRUE(std::isnan(promValue(text, stateSeries("sink", "sink", "PAUSED"))));
  EXPECT_EQ(promValue(text, "sluice_worker_tasks"), 1);
}

TEST_F(TaskMetricsTest, FailuresAndRestartsShowInStateAndCounters) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "m3"}, {"records.per.second", "200"}}).isOk());
  ASSERT_TRUE(herder_->create("bad", {{"connector.class", "test-sink"}, {"topics", "m3"}, {"file", out}, {"fail.after", "5"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return get(stateSeries("bad", "sink", "FAILED")) == 1; }, 20s)) << metrics_.serialize();
  EXPECT_EQ(get(stateSeries("bad", "sink", "RUNNING")), 0);
  EXPECT_EQ(get("sluice_task_failures_total{connector=\"bad\",task=\"0\"}"), 1);
  EXPECT_TRUE(std::isnan(get("sluice_task_restarts_total{connector=\"bad\",task=\"0\"}")));

  ASSERT_TRUE(herder_->restartTask("bad", 0).isOk());
  EXPECT_EQ(get("sluice_task_restarts_total{connector=\"bad\",task=\"0\"}"), 1);
  ASSERT_TRUE(herder_->restart("gen", true, false).isOk());
  EXPECT_EQ(get("sluice_task_restarts_total{connector=\"gen\",task=\"0\"}"), 1);
  // fail.after counts per plugin instance: the restarted task fails again.
  ASSERT_TRUE(waitFor([&] { return get("sluice_task_failures_total{connector=\"bad\",task=\"0\"}") == 2; }, 20s));
  EXPECT_EQ(get("sluice_worker_tasks"), 2);
}

TEST_F(TaskMetricsTest, AutomaticRestartsAreCounted) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "m4"}, {"records.per.second", "200"}}).isOk());
  ASSERT_TRUE(herder_->create("bad", {{"connector.class", "test-sink"}, {"topics", "m4"}, {"file", out}, {"fail.after", "5"},
                                      {"task.restart.auto", "true"}, {"task.restart.backoff.ms", "100"}}).isOk());
  ASSERT_TRUE(waitFor([&] { return get("sluice_task_restarts_total{connector=\"bad\",task=\"0\"}") >= 1; }, 30s))
      << metrics_.serialize();
  EXPECT_GE(get("sluice_task_failures_total{connector=\"bad\",task=\"0\"}"), 1);
}

TEST(KafkaProbesTest, ProducerQueueCapacityIsTheConfiguredMaximum) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  ASSERT_EQ(rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1234", err, sizeof err), RD_KAFKA_CONF_OK);
  rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(p, nullptr) << err;
  EXPECT_EQ(metrics::producerQueueCapacity(p), 1234);
  rd_kafka_destroy(p);
  EXPECT_EQ(metrics::producerQueueCapacity(nullptr), 0);
}

// The embedded broker goes away for a while: a source backs up on its full
// producer queue, a sink cannot measure its lag.
class OutageMetricsTest : public TaskMetricsTest {
 protected:
  void configure() override { wc_.producerOverrides["queue.buffering.max.messages"] = "50"; }
};

TEST_F(OutageMetricsTest, BackpressureGrowsAndLagStaysWithItsAgeWhileTheBrokerIsAway) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "m9"}, {"records.per.second", "500"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "m9"}, {"file", out}}).isOk());
  std::string lag = lagSeries("sink", "m9", 0);
  std::string age = "sluice_sink_task_consumer_lag_age_seconds" + lag.substr(lag.find('{'));
  std::string blocked = taskSeries("sluice_task_backpressure_seconds_total", "gen", "source");
  ASSERT_TRUE(waitFor([&] { return !std::isnan(get(lag)) && get(taskSeries("sluice_task_records_out_total", "sink", "sink")) > 0; }, 30s))
      << metrics_.serialize();
  ASSERT_NE(kafka_->mockCluster(), nullptr);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(kafka_->mockCluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  // The source blocks on its queue for as long as the broker is away, and
  // the counter says so while it lasts, not only once it ends.
  ASSERT_TRUE(waitFor([&] { return get(blocked) > 0; }, 20s)) << metrics_.serialize();
  double first = get(blocked);
  ASSERT_TRUE(waitFor([&] { return get(blocked) >= first + 2; }, 20s)) << get(blocked);
  // The sink's lag keeps its last value, and its age shows it is old.
  ASSERT_TRUE(waitFor([&] { return get(age) >= 3; }, 20s)) << metrics_.serialize();
  EXPECT_FALSE(std::isnan(get(lag)));
  EXPECT_FALSE(std::isnan(get("sluice_connector_consumer_lag_max_records{connector=\"sink\"}")));
  ASSERT_EQ(rd_kafka_mock_broker_set_up(kafka_->mockCluster(), 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_TRUE(waitFor([&] { return get(age) < 2; }, 30s)) << "measured again once the broker is back: " << get(age);
}

}  // namespace
}  // namespace sluice::test
