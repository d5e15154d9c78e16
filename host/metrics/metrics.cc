#include "host/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace sluice::metrics {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& recordsIn = prometheus::BuildCounter()
      .Name("sluice_task_records_in_total").Help("Records read: polled from a source plugin or consumed from Kafka by a sink task.").Register(*registry);
  prometheus::Family<prometheus::Counter>& recordsOut = prometheus::BuildCounter()
      .Name("sluice_task_records_out_total").Help("Records written: acknowledged by Kafka (sources) or put into the sink plugin (sinks).").Register(*registry);
  prometheus::Family<prometheus::Counter>& bytesOut = prometheus::BuildCounter()
      .Name("sluice_task_bytes_out_total").Help("Key and value bytes written.").Register(*registry);
  prometheus::Family<prometheus::Counter>& skipped = prometheus::BuildCounter()
      .Name("sluice_task_records_skipped_total").Help("Records skipped under errors.tolerance=all.").Register(*registry);
  prometheus::Family<prometheus::Counter>& blocked = prometheus::BuildCounter()
      .Name("sluice_task_backpressure_seconds_total").Help("Seconds blocked: on a full producer queue (sources) or with partitions paused for a slow sink (sinks).").Register(*registry);
  prometheus::Family<prometheus::Gauge>& pending = prometheus::BuildGauge()
      .Name("sluice_source_task_active_records").Help("Records produced and not yet acknowledged by Kafka.").Register(*registry);
  prometheus::Family<prometheus::Counter>& commits = prometheus::BuildCounter()
      .Name("sluice_task_offset_commits_total").Help("Offset commits completed.").Register(*registry);
  prometheus::Family<prometheus::Counter>& commitFailures = prometheus::BuildCounter()
      .Name("sluice_task_offset_commit_failures_total").Help("Offset commits that failed.").Register(*registry);
  prometheus::Family<prometheus::Counter>& rebalances = prometheus::BuildCounter()
      .Name("sluice_sink_task_partitions_rebalanced_total").Help("Partitions assigned to or revoked from a sink task by consumer group rebalances.").Register(*registry);
  prometheus::Family<prometheus::Counter>& checkpoints = prometheus::BuildCounter()
      .Name("sluice_task_checkpoints_total").Help("Checkpoints (or, with checkpoint.interval.ms=0, state commits) completed.").Register(*registry);
  prometheus::Family<prometheus::Counter>& checkpointFailures = prometheus::BuildCounter()
      .Name("sluice_task_checkpoint_failures_total").Help("Checkpoints that failed (barrier timed out or the store write failed).").Register(*registry);
  prometheus::Family<prometheus::Histogram>& checkpointSeconds = prometheus::BuildHistogram()
      .Name("sluice_task_checkpoint_duration_seconds").Help("Checkpoint duration: barrier start until offsets and state are durable.").Register(*registry);
  prometheus::Family<prometheus::Counter>& checkpointPause = prometheus::BuildCounter()
      .Name("sluice_task_checkpoint_pause_seconds_total").Help("Seconds the pipeline stood still for checkpoint barriers.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& checkpointBytes = prometheus::BuildGauge()
      .Name("sluice_task_checkpoint_size_bytes").Help("Bytes of offsets and operator state written by the last checkpoint.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& watermark = prometheus::BuildGauge()
      .Name("sluice_task_watermark_seconds").Help("Event-time watermark of the task (seconds since the epoch).").Register(*registry);
  prometheus::Family<prometheus::Counter>& dlq = prometheus::BuildCounter()
      .Name("sluice_task_dlq_records_total").Help("Records written to the dead letter queue.").Register(*registry);
  prometheus::Family<prometheus::Counter>& retries = prometheus::BuildCounter()
      .Name("sluice_task_retries_total").Help("Retries of a poll or put that failed with a retriable error.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& breaker = prometheus::BuildGauge()
      .Name("sluice_sink_task_breaker_state").Help("Circuit breaker of a sink task: 0 closed, 1 open, 2 half-open.").Register(*registry);
  prometheus::Family<prometheus::Counter>& rateWait = prometheus::BuildCounter()
      .Name("sluice_task_rate_limit_wait_seconds_total").Help("Seconds a task waited on its connector's rate limit.").Register(*registry);
  prometheus::Family<prometheus::Counter>& errors = prometheus::BuildCounter()
      .Name("sluice_task_errors_total").Help("Records or calls that failed, by stage (TRANSFORMATION, TASK_PUT, TASK_POLL, KAFKA_PRODUCE).").Register(*registry);
  prometheus::Family<prometheus::Counter>& failures = prometheus::BuildCounter()
      .Name("sluice_task_failures_total").Help("Times a task went to FAILED.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& connectors = prometheus::BuildGauge()
      .Name("sluice_worker_connectors").Help("Connectors configured on this worker.").Register(*registry);
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

TaskSeries Metrics::task(const std::string& connector, int task, const char* kind) {
  prometheus::Labels l{{"connector", connector}, {"task", std::to_string(task)}, {"kind", kind}};
  TaskSeries s;
  s.recordsIn = &impl_->recordsIn.Add(l);
  s.recordsOut = &impl_->recordsOut.Add(l);
  s.bytesOut = &impl_->bytesOut.Add(l);
  s.recordsSkipped = &impl_->skipped.Add(l);
  s.blockedSeconds = &impl_->blocked.Add(l);
  s.pending = &impl_->pending.Add(l);
  s.offsetCommits = &impl_->commits.Add(l);
  s.offsetCommitFailures = &impl_->commitFailures.Add(l);
  s.checkpoints = &impl_->checkpoints.Add(l);
  s.checkpointFailures = &impl_->checkpointFailures.Add(l);
  s.checkpointSeconds = &impl_->checkpointSeconds.Add(
      l, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  s.checkpointPauseSeconds = &impl_->checkpointPause.Add(l);
  s.checkpointBytes = &impl_->checkpointBytes.Add(l);
  s.watermark = &impl_->watermark.Add(l);
  s.dlqRecords = &impl_->dlq.Add(l);
  s.retries = &impl_->retries.Add(l);
  s.rateLimitWaitSeconds = &impl_->rateWait.Add(l);
  auto stage = [&](const char* st) {
    prometheus::Labels ls = l;
    ls["stage"] = st;
    return &impl_->errors.Add(ls);
  };
  s.errorsTransform = stage("TRANSFORMATION");
  if (std::string(kind) == "sink") {
    s.errorsPut = stage("TASK_PUT");
    s.breakerState = &impl_->breaker.Add(l);
  } else {
    s.errorsPoll = stage("TASK_POLL");
    s.errorsProduce = stage("KAFKA_PRODUCE");
  }
  if (std::string(kind) == "sink") {
    auto withEvent = [&](const char* e) {
      prometheus::Labels le = l;
      le["event"] = e;
      return &impl_->rebalances.Add(le);
    };
    s.partitionsAssigned = withEvent("assigned");
    s.partitionsRevoked = withEvent("revoked");
  }
  return s;
}

void Metrics::taskFailed(const std::string& connector, int task) {
  impl_->failures.Add({{"connector", connector}, {"task", std::to_string(task)}}).Increment();
}

void Metrics::setConnectorCount(double n) { impl_->connectors.Add({}).Set(n); }

std::string Metrics::serialize() const {
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

}  // namespace sluice::metrics
