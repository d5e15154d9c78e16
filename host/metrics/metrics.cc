#include "host/metrics/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <utility>

namespace sluice::metrics {
namespace {
using Bounds = prometheus::Histogram::BucketBoundaries;

// Bucket boundaries, chosen for what each histogram measures.
const Bounds kCheckpointBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
// A plugin call: microseconds for an in-memory sink, up to the poll timeout
// (100 ms) for an idle source, seconds for a sink writing far away.
const Bounds kCallBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
// Batches are at most 2000 records (the task's batch limit).
const Bounds kBatchBounds{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000};
// Produce to acknowledgement: linger.ms (5 ms by default) plus a broker round
// trip with acks=all; seconds when the broker is slow or retrying.
const Bounds kAckBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// Event time to sink: from milliseconds on a healthy pipeline to minutes of
// backlog (and hours for a replay, which land in +Inf).
const Bounds kEndToEndBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};

// Kafka Connect's task states; the one-hot sluice_task_state has a series for
// each (runtime::stateName's names).
const char* const kStates[] = {"UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED", "RESTARTING"};

prometheus::ClientMetric::Label label(std::string name, std::string value) {
  return prometheus::ClientMetric::Label{std::move(name), std::move(value)};
}

const std::string* labelValue(const prometheus::ClientMetric& m, const std::string& name) {
  for (const auto& l : m.label)
    if (l.name == name) return &l.value;
  return nullptr;
}

prometheus::MetricFamily gaugeFamily(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

void addGauge(prometheus::MetricFamily& f, std::vector<prometheus::ClientMetric::Label> labels, double v) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  f.metric.push_back(std::move(m));
}
}  // namespace

BatchedHistogram::BatchedHistogram(prometheus::Histogram* target, const std::vector<double>& bounds)
    : target_(target), bounds_(&bounds), counts_(bounds.size() + 1, 0.0) {}

void BatchedHistogram::flush() {
  if (!pending_) return;
  target_->ObserveMultiple(counts_, sum_);
  std::fill(counts_.begin(), counts_.end(), 0.0);
  sum_ = 0;
  pending_ = false;
}

int64_t TaskSeries::wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void TaskSeries::consumerLag(std::vector<PartitionLag> lags) {
  if (owner) owner->setConsumerLag(connector, task, std::move(lags));
}

void TaskSeries::dropConsumerLag(const std::string& topic, int32_t partition) {
  if (owner) owner->dropConsumerLag(connector, task, topic, partition);
}

void TaskSeries::retainConsumerLag(const std::set<std::pair<std::string, int32_t>>& keep) {
  if (owner) owner->retainConsumerLag(connector, task, keep);
}

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& recordsIn = prometheus::BuildCounter()
      .Name("sluice_task_records_in_total").Help("Records read: polled from a source plugin or consumed from Kafka by a sink task.").Register(*registry);
  prometheus::Family<prometheus::Counter>& recordsOut = prometheus::BuildCounter()
      .Name("sluice_task_records_out_total").Help("Records written: acknowledged by Kafka (sources) or put into the sink plugin (sinks).").Register(*registry);
  prometheus::Family<prometheus::Counter>& bytesIn = prometheus::BuildCounter()
      .Name("sluice_task_bytes_in_total").Help("Key and value bytes read: as polled from a source plugin, or as consumed from Kafka by a sink task.").Register(*registry);
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
  prometheus::Family<prometheus::Counter>& consumerReplacements = prometheus::BuildCounter()
      .Name("sluice_sink_task_consumer_replacements_total").Help("Consumers a sink task replaced after a fatal consumer error (e.g. a fenced static member).").Register(*registry);
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
  prometheus::Family<prometheus::Histogram>& pollSeconds = prometheus::BuildHistogram()
      .Name("sluice_source_task_poll_duration_seconds").Help("Duration of each on_poll call of the source plugin (idle polls wait up to 100 ms).").Register(*registry);
  prometheus::Family<prometheus::Histogram>& pollBatch = prometheus::BuildHistogram()
      .Name("sluice_source_task_poll_batch_records").Help("Records returned by each on_poll call that returned any.").Register(*registry);
  prometheus::Family<prometheus::Histogram>& ackSeconds = prometheus::BuildHistogram()
      .Name("sluice_source_task_ack_latency_seconds").Help("Produce call to Kafka's acknowledgement (delivery report), per record.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& queueFill = prometheus::BuildGauge()
      .Name("sluice_source_task_producer_queue_fill_ratio").Help("Messages in the task's producer queue divided by queue.buffering.max.messages; at 1 the source blocks (backpressure).").Register(*registry);
  prometheus::Family<prometheus::Histogram>& putSeconds = prometheus::BuildHistogram()
      .Name("sluice_sink_task_put_duration_seconds").Help("Duration of each on_put call of the sink plugin.").Register(*registry);
  prometheus::Family<prometheus::Histogram>& putBatch = prometheus::BuildHistogram()
      .Name("sluice_sink_task_put_batch_records").Help("Records handed to the sink plugin by each on_put call.").Register(*registry);
  prometheus::Family<prometheus::Histogram>& endToEnd = prometheus::BuildHistogram()
      .Name("sluice_sink_task_end_to_end_latency_seconds").Help("Record timestamp (producer or event time in Kafka) until the sink plugin accepted the record, per record.").Register(*registry);
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
  prometheus::Family<prometheus::Counter>& restarts = prometheus::BuildCounter()
      .Name("sluice_task_restarts_total").Help("Times a task was restarted: automatically after a failure (task.restart.auto) or by a REST restart of the task or its connector.").Register(*registry);
  prometheus::Family<prometheus::Gauge>& connectors = prometheus::BuildGauge()
      .Name("sluice_worker_connectors").Help("Connectors configured on this worker.").Register(*registry);

  // Live tasks, for the series derived at scrape time.
  struct Watched {
    uint64_t token = 0;
    std::string kind;
    std::function<const char*()> state;
    struct Lag {
      int64_t records = 0;
      std::chrono::steady_clock::time_point measured;
    };
    std::map<std::pair<std::string, int32_t>, Lag> lag;
  };
  mutable std::mutex mu;
  std::map<std::pair<std::string, int>, Watched> live;
  uint64_t nextToken = 1;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

TaskSeries Metrics::task(const std::string& connector, int task, const char* kind) {
  prometheus::Labels l{{"connector", connector}, {"task", std::to_string(task)}, {"kind", kind}};
  bool sink = std::string(kind) == "sink";
  TaskSeries s;
  s.owner = this;
  s.connector = connector;
  s.task = task;
  s.recordsIn = &impl_->recordsIn.Add(l);
  s.recordsOut = &impl_->recordsOut.Add(l);
  s.bytesIn = &impl_->bytesIn.Add(l);
  s.bytesOut = &impl_->bytesOut.Add(l);
  s.recordsSkipped = &impl_->skipped.Add(l);
  s.blockedSeconds = &impl_->blocked.Add(l);
  s.offsetCommits = &impl_->commits.Add(l);
  s.offsetCommitFailures = &impl_->commitFailures.Add(l);
  s.checkpoints = &impl_->checkpoints.Add(l);
  s.checkpointFailures = &impl_->checkpointFailures.Add(l);
  s.checkpointSeconds = &impl_->checkpointSeconds.Add(l, kCheckpointBounds);
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
  if (sink) {
    s.errorsPut = stage("TASK_PUT");
    s.errorsConvert = stage("VALUE_CONVERTER");
    s.breakerState = &impl_->breaker.Add(l);
  } else {
    s.errorsPoll = stage("TASK_POLL");
    s.errorsProduce = stage("KAFKA_PRODUCE");
  }
  if (sink) {
    auto withEvent = [&](const char* e) {
      prometheus::Labels le = l;
      le["event"] = e;
      return &impl_->rebalances.Add(le);
    };
    s.partitionsAssigned = withEvent("assigned");
    s.partitionsRevoked = withEvent("revoked");
    s.consumerReplacements = &impl_->consumerReplacements.Add(l);
    s.callSeconds = &impl_->putSeconds.Add(l, kCallBounds);
    s.batchRecords = &impl_->putBatch.Add(l, kBatchBounds);
    s.endToEndSeconds = BatchedHistogram(&impl_->endToEnd.Add(l, kEndToEndBounds), kEndToEndBounds);
  } else {
    s.pending = &impl_->pending.Add(l);
    s.callSeconds = &impl_->pollSeconds.Add(l, kCallBounds);
    s.batchRecords = &impl_->pollBatch.Add(l, kBatchBounds);
    s.ackSeconds = BatchedHistogram(&impl_->ackSeconds.Add(l, kAckBounds), kAckBounds);
    s.queueFill = &impl_->queueFill.Add(l);
  }
  return s;
}

TaskWatch& TaskWatch::operator=(TaskWatch&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = std::exchange(o.owner_, nullptr);
    connector_ = std::move(o.connector_);
    task_ = o.task_;
    token_ = o.token_;
  }
  return *this;
}

void TaskWatch::reset() {
  if (owner_) owner_->unwatch(connector_, task_, token_);
  owner_ = nullptr;
}

TaskWatch Metrics::watchTask(const std::string& connector, int task, const char* kind,
                             std::function<const char*()> state) {
  TaskWatch w;
  std::lock_guard lk(impl_->mu);
  w.owner_ = this;
  w.connector_ = connector;
  w.task_ = task;
  w.token_ = impl_->nextToken++;
  impl_->live[{connector, task}] = Impl::Watched{w.token_, kind, std::move(state), {}};
  return w;
}

void Metrics::unwatch(const std::string& connector, int task, uint64_t token) {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->live.find({connector, task});
  if (it != impl_->live.end() && it->second.token == token) impl_->live.erase(it);
}

void Metrics::setConsumerLag(const std::string& connector, int task, std::vector<PartitionLag> lags) {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->live.find({connector, task});
  if (it == impl_->live.end()) return;
  auto now = std::chrono::steady_clock::now();
  for (auto& l : lags) it->second.lag[{std::move(l.topic), l.partition}] = {l.records, now};
}

void Metrics::dropConsumerLag(const std::string& connector, int task, const std::string& topic, int32_t partition) {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->live.find({connector, task});
  if (it != impl_->live.end()) it->second.lag.erase({topic, partition});
}

void Metrics::retainConsumerLag(const std::string& connector, int task, const std::set<std::pair<std::string, int32_t>>& keep) {
  std::lock_guard lk(impl_->mu);
  auto it = impl_->live.find({connector, task});
  if (it != impl_->live.end()) std::erase_if(it->second.lag, [&](const auto& e) { return !keep.count(e.first); });
}

void Metrics::taskFailed(const std::string& connector, int task) {
  impl_->failures.Add({{"connector", connector}, {"task", std::to_string(task)}}).Increment();
}

void Metrics::taskRestarted(const std::string& connector, int task) {
  impl_->restarts.Add({{"connector", connector}, {"task", std::to_string(task)}}).Increment();
}

void Metrics::setConnectorCount(double n) { impl_->connectors.Add({}).Set(n); }

std::string Metrics::serialize() const {
  auto families = impl_->registry->Collect();
  double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();

  auto states = gaugeFamily("sluice_task_state", "Task state, one series per state: 1 for the state the task is in, 0 for the others.");
  auto tasks = gaugeFamily("sluice_worker_tasks", "Tasks on this worker (connectors that are STOPPED have none).");
  auto lag = gaugeFamily("sluice_sink_task_consumer_lag_records",
                         "Records in a partition after the sink task's position: end offset minus the next offset to hand the sink, as of the task's last commit interval.");
  auto lagAge = gaugeFamily("sluice_sink_task_consumer_lag_age_seconds",
                            "Age of the partition's consumer lag measurement: it grows while the lag cannot be measured (the broker is away), and the lag keeps its last value meanwhile.");
  auto maxLag = gaugeFamily("sluice_connector_consumer_lag_max_records", "Largest consumer lag over the partitions of a sink connector's tasks.");
  auto wmLag = gaugeFamily("sluice_task_watermark_lag_seconds", "Wall time minus the task's event-time watermark.");
  {
    std::lock_guard lk(impl_->mu);
    std::map<std::string, int64_t> maxByConnector;
    for (const auto& [key, w] : impl_->live) {
      const auto& [connector, task] = key;
      std::string t = std::to_string(task);
      std::string current = w.state ? w.state() : "UNASSIGNED";
      bool known = false;
      for (const char* s : kStates) {
        known = known || current == s;
        addGauge(states, {label("connector", connector), label("kind", w.kind), label("state", s), label("task", t)},
                 current == s ? 1 : 0);
      }
      if (!known)
        addGauge(states, {label("connector", connector), label("kind", w.kind), label("state", current), label("task", t)}, 1);
      auto steadyNow = std::chrono::steady_clock::now();
      for (const auto& [tp, l] : w.lag) {
        std::vector<prometheus::ClientMetric::Label> labels{label("connector", connector), label("kind", w.kind),
                                                            label("partition", std::to_string(tp.second)), label("task", t),
                                                            label("topic", tp.first)};
        addGauge(lag, labels, static_cast<double>(l.records));
        addGauge(lagAge, labels, std::chrono::duration<double>(steadyNow - l.measured).count());
        auto [it, inserted] = maxByConnector.emplace(connector, l.records);
        if (!inserted) it->second = std::max(it->second, l.records);
      }
    }
    addGauge(tasks, {}, static_cast<double>(impl_->live.size()));
    for (const auto& [connector, v] : maxByConnector) addGauge(maxLag, {label("connector", connector)}, static_cast<double>(v));
    // Watermark lag of live tasks that have a watermark (0 = none yet).
    for (const auto& f : families) {
      if (f.name != "sluice_task_watermark_seconds") continue;
      for (const auto& m : f.metric) {
        const std::string* c = labelValue(m, "connector");
        const std::string* t = labelValue(m, "task");
        if (!c || !t || m.gauge.value == 0) continue;
        if (!impl_->live.count({*c, std::stoi(*t)})) continue;
        addGauge(wmLag, m.label, now - m.gauge.value);
      }
    }
  }
  for (auto* f : {&states, &tasks, &lag, &lagAge, &maxLag, &wmLag}) families.push_back(std::move(*f));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace sluice::metrics
