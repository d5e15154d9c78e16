#pragma once
// Prometheus metrics of a worker (prometheus-cpp core), serialized onto our
// own civetweb /metrics handler. Families are created once; per-task series
// are looked up by labels when a task starts and cached by the task.

#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

namespace sluice::metrics {

/// The series one task updates on its hot path.
struct TaskSeries {
  prometheus::Counter* recordsIn = nullptr;    // source poll / sink read
  prometheus::Counter* recordsOut = nullptr;   // source produced (acked) / sink put
  prometheus::Counter* bytesOut = nullptr;
  prometheus::Counter* recordsSkipped = nullptr;
  prometheus::Counter* blockedSeconds = nullptr;  // source: full producer queue; sink: partitions paused
  prometheus::Gauge* pending = nullptr;        // source: awaiting ack
  prometheus::Counter* offsetCommits = nullptr;
  prometheus::Counter* offsetCommitFailures = nullptr;
  prometheus::Counter* partitionsAssigned = nullptr;  // sinks: rebalance events
  prometheus::Counter* partitionsRevoked = nullptr;
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
  prometheus::Counter* errorsPoll = nullptr;
  prometheus::Counter* errorsProduce = nullptr;
};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  TaskSeries task(const std::string& connector, int task, const char* kind);
  void taskFailed(const std::string& connector, int task);
  void setConnectorCount(double n);
  /// Prometheus text exposition format 0.0.4.
  std::string serialize() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::metrics
