#pragma once
// Prometheus metrics of a worker (prometheus-cpp core), serialized onto our
// own civetweb /metrics handler. Families are created once; per-task series
// are looked up by labels when a task starts and cached by the task, so the
// record path never looks anything up. docs/metrics.md lists every metric.
//
// Three kinds of series:
// - updated by a task as it works (TaskSeries): counters, gauges, histograms;
// - observed per record on a task's own thread into a BatchedHistogram and
//   handed to the shared histogram once per batch (one lock per batch);
// - derived when /metrics is scraped from what live tasks report (their
//   state, consumer lag, watermark lag), so nothing goes stale between
//   updates and a task that is gone leaves no series behind.

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace sluice::metrics {

class Metrics;

/// A histogram a single thread observes per record without locking; flush()
/// adds what was observed to the shared histogram in one call. Inert when it
/// has no target (metrics off).
class BatchedHistogram {
 public:
  BatchedHistogram() = default;
  BatchedHistogram(prometheus::Histogram* target, const std::vector<double>& bounds);
  void observe(double v) {
    if (!target_) return;
    size_t i = 0;
    while (i < bounds_->size() && v > (*bounds_)[i]) ++i;  // le semantics, like Histogram::Observe
    counts_[i] += 1;
    sum_ += v;
    pending_ = true;
  }
  void flush();

 private:
  prometheus::Histogram* target_ = nullptr;
  const std::vector<double>* bounds_ = nullptr;
  std::vector<double> counts_;
  double sum_ = 0;
  bool pending_ = false;
};

/// The lag of one partition a sink task consumes.
struct PartitionLag {
  std::string topic;
  int32_t partition = 0;
  int64_t records = 0;  // end offset minus the task's position
};

/// The series one task updates on its hot path. Pointers are null when the
/// task runs without metrics or the series does not apply to its kind.
struct TaskSeries {
  prometheus::Counter* recordsIn = nullptr;    // source poll / sink read
  prometheus::Counter* recordsOut = nullptr;   // source produced (acked) / sink put
  prometheus::Counter* bytesIn = nullptr;
  prometheus::Counter* bytesOut = nullptr;
  prometheus::Counter* recordsSkipped = nullptr;
  prometheus::Counter* blockedSeconds = nullptr;  // source: full producer queue; sink: partitions paused
  prometheus::Gauge* pending = nullptr;        // source: awaiting ack
  prometheus::Counter* offsetCommits = nullptr;
  prometheus::Counter* offsetCommitFailures = nullptr;
  prometheus::Counter* partitionsAssigned = nullptr;  // sinks: rebalance events
  prometheus::Counter* partitionsRevoked = nullptr;
  prometheus::Counter* consumerReplacements = nullptr;  // sinks: after a fatal consumer error
  prometheus::Counter* checkpoints = nullptr;
  prometheus::Counter* checkpointFailures = nullptr;
  prometheus::Histogram* checkpointSeconds = nullptr;  // barrier start to durable
  prometheus::Counter* checkpointPauseSeconds = nullptr;  // time the pipeline stood still
  prometheus::Gauge* checkpointBytes = nullptr;  // offsets + state written by the last one
  prometheus::Gauge* watermark = nullptr;        // event-time watermark, seconds since the epoch
  prometheus::Counter* dlqRecords = nullptr;     // records written to the dead letter queue
  prometheus::Counter* retries = nullptr;        // retried polls / puts
  prometheus::Gauge* breakerState = nullptr;     // sinks: 0 closed, 1 open, 2 half-open
  prometheus::Counter* rateLimitWaitSeconds = nullptr;
  /// Records that failed, by stage (Kafka Connect's stage names).
  prometheus::Counter* errorsTransform = nullptr;
  prometheus::Counter* errorsPut = nullptr;
  prometheus::Counter* errorsConvert = nullptr;  // sinks taking text values: VALUE_CONVERTER
  prometheus::Counter* errorsPoll = nullptr;
  prometheus::Counter* errorsProduce = nullptr;
  prometheus::Histogram* callSeconds = nullptr;  // source: on_poll call; sink: on_put call
  prometheus::Histogram* batchRecords = nullptr;  // source: records per non-empty poll; sink: per put
  prometheus::Gauge* queueFill = nullptr;        // source: producer queue length / capacity
  double queueCapacity = 0;                      // source: queue.buffering.max.messages
  BatchedHistogram ackSeconds;                   // source: produce call to delivery report
  BatchedHistogram endToEndSeconds;              // sink: record timestamp to accepted by on_put

  /// One plugin call (on_poll or on_put) that handed over `records`.
  void call(double seconds, size_t records) {
    if (callSeconds) callSeconds->Observe(seconds);
    if (batchRecords && records > 0) batchRecords->Observe(static_cast<double>(records));
  }
  /// Source: the producer's queue holds `messages` (rd_kafka_outq_len).
  void queueLength(int messages) {
    if (queueFill && queueCapacity > 0) queueFill->Set(messages / queueCapacity);
  }
  /// Sink: records (anything with `timestamp_ms`, e.g. sluice_record) the
  /// plugin just accepted; records without a timestamp (-1) are left out.
  template <typename Rec>
  void endToEnd(const Rec* records, size_t n) {
    if (!callSeconds || n == 0) return;
    int64_t now = wallMs();
    for (size_t i = 0; i < n; ++i)
      if (records[i].timestamp_ms >= 0)
        endToEndSeconds.observe(now > records[i].timestamp_ms ? static_cast<double>(now - records[i].timestamp_ms) / 1000.0 : 0.0);
    endToEndSeconds.flush();
  }
  static int64_t wallMs();
  /// Sink: the lags measured now. A partition not measured this time (the
  /// broker is away) keeps its last lag, and the age of that measurement
  /// grows, until the partition is revoked (dropConsumerLag).
  void consumerLag(std::vector<PartitionLag> lags);
  /// Sink: a partition is no longer this task's (revoked, not lost).
  void dropConsumerLag(const std::string& topic, int32_t partition);
  /// Sink: the task's whole assignment is now `keep` (an eager rebalance):
  /// lags kept from before a lost assignment for other partitions go.
  void retainConsumerLag(const std::set<std::pair<std::string, int32_t>>& keep);

  Metrics* owner = nullptr;
  std::string connector;
  int task = -1;
};

/// Keeps a task visible to the scrape-time series (state, lag, watermark lag)
/// while it lives. Move-only; destroying or resetting it removes the task.
class TaskWatch {
 public:
  TaskWatch() = default;
  TaskWatch(TaskWatch&& o) noexcept { *this = std::move(o); }
  TaskWatch& operator=(TaskWatch&& o) noexcept;
  TaskWatch(const TaskWatch&) = delete;
  TaskWatch& operator=(const TaskWatch&) = delete;
  ~TaskWatch() { reset(); }
  void reset();

 private:
  friend class Metrics;
  Metrics* owner_ = nullptr;
  std::string connector_;
  int task_ = -1;
  uint64_t token_ = 0;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  TaskSeries task(const std::string& connector, int task, const char* kind);
  /// Watch a task from its construction to its destruction. `state` is read
  /// at every scrape from the scraping thread, so it must be thread-safe.
  /// The newest watch of a (connector, task) wins.
  TaskWatch watchTask(const std::string& connector, int task, const char* kind,
                      std::function<const char*()> state);
  void taskFailed(const std::string& connector, int task);
  void taskRestarted(const std::string& connector, int task);
  void setConnectorCount(double n);
  /// Prometheus text exposition format 0.0.4.
  std::string serialize() const;

 private:
  friend class TaskWatch;
  friend struct TaskSeries;
  void unwatch(const std::string& connector, int task, uint64_t token);
  void setConsumerLag(const std::string& connector, int task, std::vector<PartitionLag> lags);
  void dropConsumerLag(const std::string& connector, int task, const std::string& topic, int32_t partition);
  void retainConsumerLag(const std::string& connector, int task, const std::set<std::pair<std::string, int32_t>>& keep);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::metrics
