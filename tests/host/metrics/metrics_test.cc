// The metrics registry on its own: per-record histograms batched into the
// shared ones, and the series derived at scrape time from live tasks (state,
// consumer lag and its per-connector max, watermark lag, task count).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <string>

#include "host/metrics/metrics.h"
#include "tests/support/prom_text.h"

namespace sluice::metrics {
namespace {
using test::promValue;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(MetricsTest, BatchedObservationsLandInTheSameBucketsAsDirectOnes) {
  Metrics m;
  TaskSeries sink = m.task("s", 0, "sink");
  struct Rec { int64_t timestamp_ms; };
  int64_t now = TaskSeries::wallMs();
  // In the future (counted as 0), 0.3 s, 7 s, and one without a timestamp
  // (left out); each well inside its bucket, so a slow machine cannot move it.
  Rec recs[] = {{now + 2000}, {now - 300}, {now - 7000}, {-1}};
  sink.endToEnd(recs, 4);
  std::string text = m.serialize();
  const std::string base = "sluice_sink_task_end_to_end_latency_seconds_bucket{connector=\"s\",kind=\"sink\",task=\"0\",le=\"";
  EXPECT_EQ(promValue(text, base + "0.005\"}"), 1) << text;
  EXPECT_EQ(promValue(text, base + "0.25\"}"), 1);
  EXPECT_EQ(promValue(text, base + "0.5\"}"), 2);
  EXPECT_EQ(promValue(text, base + "5\"}"), 2);
  EXPECT_EQ(promValue(text, base + "10\"}"), 3);
  EXPECT_EQ(promValue(text, base + "+Inf\"}"), 3);
  EXPECT_EQ(promValue(text, "sluice_sink_task_end_to_end_latency_seconds_count{connector=\"s\",kind=\"sink\",task=\"0\"}"), 3);
  double sum = promValue(text, "sluice_sink_task_end_to_end_latency_seconds_sum{connector=\"s\",kind=\"sink\",task=\"0\"}");
  EXPECT_GE(sum, 7.3);
  EXPECT_LT(sum, 7.6);

  // A second batch adds to the first (flush resets the local counts).
  Rec late[] = {{now - 100000}};
  sink.endToEnd(late, 1);
  text = m.serialize();
  EXPECT_EQ(promValue(text, base + "+Inf\"}"), 4);
  EXPECT_EQ(promValue(text, base + "300\"}"), 4);
  EXPECT_EQ(promValue(text, base + "60\"}"), 3);
}

TEST(MetricsTest, BatchedHistogramWithoutTargetIsInert) {
  BatchedHistogram h;
  h.observe(1);
  h.flush();  // must not crash
  TaskSeries none;
  none.call(1, 10);
  none.queueLength(5);
  none.consumerLag({{"t", 0, 5}});
  struct Rec { int64_t timestamp_ms; } r{1};
  none.endToEnd(&r, 1);
}

TEST(MetricsTest, SourceAndSinkGetTheirOwnSeries) {
  Metrics m;
  TaskSeries src = m.task("a", 0, "source");
  TaskSeries snk = m.task("b", 1, "sink");
  src.call(0.002, 7);
  src.call(0.1, 0);  // an idle poll: a duration, no batch
  snk.call(0.5, 2000);
  src.queueCapacity = 1000;
  src.queueLength(250);
  std::string text = m.serialize();
  EXPECT_EQ(promValue(text, "sluice_source_task_poll_duration_seconds_count{connector=\"a\",kind=\"source\",task=\"0\"}"), 2);
  EXPECT_EQ(promValue(text, "sluice_source_task_poll_batch_records_count{connector=\"a\",kind=\"source\",task=\"0\"}"), 1);
  EXPECT_EQ(promValue(text, "sluice_source_task_poll_batch_records_bucket{connector=\"a\",kind=\"source\",task=\"0\",le=\"5\"}"), 0);
  EXPECT_EQ(promValue(text, "sluice_source_task_poll_batch_records_bucket{connector=\"a\",kind=\"source\",task=\"0\",le=\"10\"}"), 1);
  EXPECT_EQ(promValue(text, "sluice_sink_task_put_batch_records_bucket{connector=\"b\",kind=\"sink\",task=\"1\",le=\"1000\"}"), 0);
  EXPECT_EQ(promValue(text, "sluice_sink_task_put_batch_records_bucket{connector=\"b\",kind=\"sink\",task=\"1\",le=\"2000\"}"), 1);
  EXPECT_EQ(promValue(text, "sluice_sink_task_put_duration_seconds_sum{connector=\"b\",kind=\"sink\",task=\"1\"}"), 0.5);
  EXPECT_EQ(promValue(text, "sluice_source_task_producer_queue_fill_ratio{connector=\"a\",kind=\"source\",task=\"0\"}"), 0.25);
  // Sink-only and source-only series stay with their kind.
  EXPECT_FALSE(has(text, "sluice_source_task_poll_duration_seconds_count{connector=\"b\""));
  EXPECT_FALSE(has(text, "sluice_sink_task_put_duration_seconds_count{connector=\"a\""));
  EXPECT_FALSE(has(text, "sluice_source_task_active_records{connector=\"b\""));
}

TEST(MetricsTest, TaskStateIsOneHotAndFollowsTheTask) {
  Metrics m;
  std::atomic<const char*> state{"RUNNING"};
  {
    TaskWatch w = m.watchTask("c", 0, "sink", [&] { return state.load(); });
    std::string text = m.serialize();
    EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"sink\",state=\"RUNNING\",task=\"0\"}"), 1) << text;
    EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"sink\",state=\"FAILED\",task=\"0\"}"), 0);
    EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"sink\",state=\"PAUSED\",task=\"0\"}"), 0);
    EXPECT_EQ(promValue(text, "sluice_worker_tasks"), 1);
    state = "FAILED";
    text = m.serialize();
    EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"sink\",state=\"RUNNING\",task=\"0\"}"), 0);
    EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"sink\",state=\"FAILED\",task=\"0\"}"), 1);
    std::regex one(R"(sluice_task_state\{[^}]*\} 1\n)");
    EXPECT_EQ(std::distance(std::sregex_iterator(text.begin(), text.end(), one), std::sregex_iterator()), 1) << "one-hot";
  }
  std::string text = m.serialize();
  EXPECT_FALSE(has(text, "sluice_task_state{")) << "a destroyed task leaves no state series";
  EXPECT_EQ(promValue(text, "sluice_worker_tasks"), 0);
}

TEST(MetricsTest, TheNewestWatchOfATaskWinsAndAnOldOneCannotRemoveIt) {
  Metrics m;
  TaskWatch old = m.watchTask("c", 0, "source", [] { return "RUNNING"; });
  TaskWatch fresh = m.watchTask("c", 0, "source", [] { return "PAUSED"; });
  old.reset();  // e.g. a task abandoned after its replacement started
  std::string text = m.serialize();
  EXPECT_EQ(promValue(text, "sluice_task_state{connector=\"c\",kind=\"source\",state=\"PAUSED\",task=\"0\"}"), 1) << text;
  EXPECT_EQ(promValue(text, "sluice_worker_tasks"), 1);
  TaskWatch moved = std::move(fresh);
  fresh.reset();  // moved-from: nothing to remove
  EXPECT_EQ(promValue(m.serialize(), "sluice_worker_tasks"), 1);
  moved.reset();
  EXPECT_EQ(promValue(m.serialize(), "sluice_worker_tasks"), 0);
}

TEST(MetricsTest, ConsumerLagPerPartitionAndItsMaxPerConnector) {
  Metrics m;
  TaskWatch w0 = m.watchTask("snk", 0, "sink", [] { return "RUNNING"; });
  TaskWatch w1 = m.watchTask("snk", 1, "sink", [] { return "RUNNING"; });
  TaskWatch other = m.watchTask("x", 0, "sink", [] { return "RUNNING"; });
  TaskSeries t0 = m.task("snk", 0, "sink"), t1 = m.task("snk", 1, "sink"), tx = m.task("x", 0, "sink");
  t0.consumerLag({{"orders", 0, 12}, {"orders", 1, 0}});
  t1.consumerLag({{"orders", 2, 40}});
  tx.consumerLag({{"other", 0, 3}});
  std::string text = m.serialize();
  EXPECT_EQ(promValue(text, "sluice_sink_task_consumer_lag_records{connector=\"snk\",kind=\"sink\",partition=\"0\",task=\"0\",topic=\"orders\"}"), 12) << text;
  EXPECT_EQ(promValue(text, "sluice_sink_task_consumer_lag_records{connector=\"snk\",kind=\"sink\",partition=\"2\",task=\"1\",topic=\"orders\"}"), 40);
  EXPECT_EQ(promValue(text, "sluice_connector_consumer_lag_max_records{connector=\"snk\"}"), 40);
  EXPECT_EQ(promValue(text, "sluice_connector_consumer_lag_max_records{connector=\"x\"}"), 3);

  // A partition not measured this time keeps its last lag, its age growing;
  // a revoked one disappears.
  t1.consumerLag({{"orders", 3, 5}});
  text = m.serialize();
  EXPECT_EQ(promValue(text, "sluice_sink_task_consumer_lag_records{connector=\"snk\",kind=\"sink\",partition=\"2\",task=\"1\",topic=\"orders\"}"), 40) << text;
  EXPECT_GE(promValue(text, "sluice_sink_task_consumer_lag_age_seconds{connector=\"snk\",kind=\"sink\",partition=\"2\",task=\"1\",topic=\"orders\"}"), 0);
  t1.dropConsumerLag("orders", 2);
  text = m.serialize();
  EXPECT_FALSE(has(text, "partition=\"2\",task=\"1\"")) << text;
  EXPECT_EQ(promValue(text, "sluice_connector_consumer_lag_max_records{connector=\"snk\"}"), 12);
  // An eager rebalance's whole assignment: what is not in it goes.
  t1.consumerLag({{"orders", 4, 5}});
  t1.retainConsumerLag({{"orders", 4}});
  text = m.serialize();
  EXPECT_FALSE(has(text, "partition=\"3\",task=\"1\"")) << text;
  EXPECT_TRUE(has(text, "partition=\"4\",task=\"1\"")) << text;

  // A task that is gone takes its lag with it.
  w0.reset();
  text = m.serialize();
  EXPECT_FALSE(has(text, "task=\"0\",topic=\"orders\""));
  EXPECT_EQ(promValue(text, "sluice_connector_consumer_lag_max_records{connector=\"snk\"}"), 5);
  t0.consumerLag({{"orders", 0, 99}});  // a late report of a dead task is ignored
  EXPECT_EQ(promValue(m.serialize(), "sluice_connector_consumer_lag_max_records{connector=\"snk\"}"), 5);
}

TEST(MetricsTest, WatermarkLagIsWallTimeMinusTheWatermarkOfLiveTasks) {
  Metrics m;
  TaskWatch w = m.watchTask("c", 0, "source", [] { return "RUNNING"; });
  TaskSeries s = m.task("c", 0, "source");
  std::string text = m.serialize();
  EXPECT_FALSE(has(text, "sluice_task_watermark_lag_seconds{")) << "no watermark yet, no lag";
  double now = static_cast<double>(TaskSeries::wallMs()) / 1000.0;
  s.watermark->Set(now - 30);
  double lag = promValue(m.serialize(), "sluice_task_watermark_lag_seconds{connector=\"c\",kind=\"source\",task=\"0\"}");
  EXPECT_GE(lag, 30);
  EXPECT_LT(lag, 40);
  w.reset();
  EXPECT_FALSE(has(m.serialize(), "sluice_task_watermark_lag_seconds{")) << "a deleted task's watermark does not age forever";
}

TEST(MetricsTest, RestartsAndFailuresAreCountedPerTask) {
  Metrics m;
  m.taskRestarted("c", 1);
  m.taskRestarted("c", 1);
  m.taskFailed("c", 1);
  std::string text = m.serialize();
  EXPECT_EQ(promValue(text, "sluice_task_restarts_total{connector=\"c\",task=\"1\"}"), 2) << text;
  EXPECT_EQ(promValue(text, "sluice_task_failures_total{connector=\"c\",task=\"1\"}"), 1);
}

}  // namespace
}  // namespace sluice::metrics
