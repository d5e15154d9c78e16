#pragma once
// A task: one thread running one plugin instance of a connector, with Kafka
// Connect's states. Sources and sinks derive from it.

#include <atomic>
#include <chrono>
#include <climits>
#include <map>
#include <optional>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host/abi/plugin_batch.h"
#include "host/abi/plugin_instance.h"
#include "host/common/log.h"
#include "host/config/connector_config.h"
#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/metrics/metrics.h"
#include "host/pipeline/blocked_time.h"
#include "host/pipeline/dead_letter.h"
#include "host/pipeline/produce.h"
#include "host/pipeline/rate_limiter.h"
#include "host/pipeline/state_buffer.h"
#include "host/pipeline/transform_chain.h"
#include "host/state/stores.h"

namespace sluice::runtime {

enum class State { kUnassigned, kRunning, kPaused, kStopped, kFailed, kRestarting };
const char* stateName(State s);

/// Topics a connector has used (Kafka Connect's "active topics", KIP-558):
/// a source's records acknowledged by Kafka, a sink's records consumed.
/// Shared by its tasks.
class ActiveTopics {
 public:
  void add(const std::string& topic) {
    std::lock_guard lk(mu_);
    topics_.insert(topic);
  }
  std::set<std::string> get() const {
    std::lock_guard lk(mu_);
    return topics_;
  }
  void reset() {
    std::lock_guard lk(mu_);
    topics_.clear();
    generation_.fetch_add(1);
  }
  /// Changes at each reset.
  uint64_t generation() const { return generation_.load(std::memory_order_relaxed); }

 private:
  mutable std::mutex mu_;
  std::set<std::string> topics_;
  std::atomic<uint64_t> generation_{0};
};

/// One task's recording into its connector's ActiveTopics: a topic the first
/// time the task uses it (and again after a reset), cheap enough for the
/// record path (a task uses few topics).
class TopicRecorder {
 public:
  void used(ActiveTopics* topics, std::string_view topic) {
    if (!topics) return;
    if (uint64_t g = topics->generation(); g != generation_) {
      seen_.clear();
      generation_ = g;
    }
    for (const auto& s : seen_)
      if (s == topic) return;
    seen_.emplace_back(topic);
    topics->add(seen_.back());
  }

 private:
  uint64_t generation_ = 0;
  std::vector<std::string> seen_;
};

/// What every task of a connector shares. The worker-wide parts outlive
/// every task; the connector's own parts are shared with its tasks, because
/// an abandoned task (stuck in a plugin past the shutdown timeout, see
/// retire()) may still use them after its connector is gone.
struct TaskEnv {
  const config::WorkerConfig* worker = nullptr;
  kafka::Env* kafka = nullptr;
  state::CheckpointStore* offsets = nullptr;
  metrics::Metrics* metrics = nullptr;
  std::shared_ptr<ActiveTopics> topics;
  std::shared_ptr<RateLimiter> limiter;  // the connector's, or null
  std::string workerId;                   // the worker's REST address, as statuses show it
};

class Task {
 public:
  Task(std::shared_ptr<const config::ConnectorPlan> plan, int id, TaskEnv env);
  virtual ~Task();
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  void start(bool paused);
  /// Ask the thread to stop and wait for it (bounded by the worker's
  /// task.shutdown.graceful.timeout.ms, after which the thread is detached).
  void stop();
  void pause();
  void resume();

  /// True when stop() gave up waiting and detached a thread that may still be
  /// inside the plugin: the object must then never be destroyed (retire()).
  bool abandoned() const { return abandoned_; }

  State state() const { return state_.load(); }
  std::string trace() const;
  /// While checkpoints (commits of offsets and state) keep failing: since
  /// when, how many attempts failed, and the last error.
  struct CheckpointTrouble {
    int64_t sinceMs = 0;  // wall clock, ms since the epoch
    uint64_t failures = 0;
    std::string error;
  };
  std::optional<CheckpointTrouble> checkpointTrouble() const;
  int id() const { return id_; }
  /// Sinks: true once caught up with the end of every assigned partition.
  virtual bool drained() const { return true; }
  virtual void beginDrain() {}

 protected:
  /// The thread body. Return normally when stopping_ is set; call fail() on errors.
  virtual void run() = 0;
  void fail(const std::string& message);
  bool stopping() const { return stopping_.load(); }
  bool paused() const { return paused_.load(); }
  /// Block up to `ms` while paused and not stopping.
  void waitWhilePaused(int ms);
  int64_t flushIntervalMs() const;
  /// True when commits record checkpoint history (checkpoint.interval.ms > 0).
  bool checkpointsOn() const;
  /// How often the task commits: the checkpoint interval, or the offset
  /// flush interval when checkpoints are off.
  int64_t commitIntervalMs() const;
  /// Advance the event-time watermark over records entering the pipeline.
  void observeEventTimes(std::vector<Record>& batch);
  /// Metrics: count a batch entering the pipeline (records and bytes in).
  void countIn(const std::vector<Record>& batch);
  /// Commit offsets with the state buffered since the last commit, in one
  /// durable batch (a checkpoint when on). Call only at a barrier: every
  /// record whose state is in the buffer is covered by `offsets` or by an
  /// earlier commit. `barrierStart` is when the pipeline stopped (metrics).
  Status commitCheckpoint(std::map<std::string, std::optional<std::string>> offsets,
                          const std::string& offsetsJson, const char* origin,
                          std::chrono::steady_clock::time_point barrierStart);
  /// Converters, metrics series, the plugin instance and the transform chain
  /// every task has. `kind` is "source" or "sink" (metrics label, logger).
  Status setUpPipeline(const char* kind,
                       std::function<std::optional<std::string>(const std::string&)> offsetReader = {});
  /// Stop and free the plugin and the chain.
  void tearDownPipeline();

  // What every task's pipeline is made of (set up by setUpPipeline).
  std::shared_ptr<const config::ConnectorPlan> plan_;
  TaskEnv env_;
  log::Tag tag_;
  std::unique_ptr<Converter> valueConv_;
  RecordContext rctx_;
  std::unique_ptr<PluginInstance> plugin_;
  metrics::TaskSeries m_;
  std::unique_ptr<StateBuffer> opState_;
  std::unique_ptr<DeadLetterQueue> dlq_;
  /// The transforms over a whole batch; the first error fails it
  /// (errors.tolerance=none; transformTolerating is the record-by-record one).
  Status transformAll(std::vector<Record>& batch);
  /// KIP-558: a record of `topic` was consumed (sinks) or acknowledged
  /// (sources). Safe from the producer's delivery thread.
  void topicUsed(std::string_view topic) { usedTopics_.used(env_.topics.get(), topic); }
  /// The record views the last put handed the plugin.
  const PluginBatch& lastPut() const { return views_; }
  /// Wait for the connector's rate limit to admit `n` records.
  void rateLimit(size_t n);
  /// errors.tolerance=all: count a record that failed `stage`, log it, and
  /// send its original to the dead letter queue if there is one (`opaque`
  /// rides along for sources). A failing DLQ write is the task's failure.
  Status deadLetter(const OriginalRecord& original, const ErrorContext& why, void* opaque = nullptr);
  /// Where a record that failed a stage goes: `original` is the record as it
  /// entered that stage.
  using ErrantReporter = std::function<Status(Record& r, OriginalRecord original, const ErrorContext& why)>;
  /// The transform stage record by record (errors.tolerance=all, and DLQ
  /// replays): a record a transform refuses is handed to `report` as it
  /// entered the chain and dropped. A chain error or a refused report fails
  /// the batch.
  Status transformTolerating(std::vector<Record>& batch, const ErrantReporter& report);
  /// One put of `records` to the sink plugin (the views refilled, see
  /// PluginBatch). Each record the plugin reports errant (KIP-610) goes to
  /// `report` as it left the transforms, once across the retries of its
  /// batch; what `report` answers is what the plugin's host_report_errant
  /// call gets. Returns the first failed report, else the put's status.
  Status putReportingErrant(std::vector<Record>& records, const ErrantReporter& report);
  /// The task's policy for a full producer queue: wait while it runs, at
  /// most task.shutdown.graceful.timeout.ms once it is stopping.
  QueueFullPolicy queueFullPolicy(BlockedTime* blocked) const;
  /// Sinks whose plugin takes text values (SLUICE_FLAG_TEXT_VALUES): each
  /// value decoded with the value converter, after the transforms; a value
  /// that does not convert goes to `report` as it left them (stage
  /// VALUE_CONVERTER). Nothing to do for other plugins.
  Status decodeTolerating(std::vector<Record>& batch, const ErrantReporter& report);
  /// A sink batch given up after its retries (errors.retry.timeout.ms):
  /// each record neither dropped nor reported errant already goes to
  /// `report` as it left the transforms (stage TASK_PUT, reason `why`).
  Status giveUpBatch(std::vector<Record>& records, const std::string& why, const ErrantReporter& report);

 private:
  int id_;
  std::unique_ptr<Converter> keyConv_;
  PluginBatch views_;  // sinks: what the current put sees
  std::unique_ptr<TransformChain> chain_;
  TopicRecorder usedTopics_;
  int64_t maxEventMs_ = INT64_MIN;
  int64_t watermarkMs_ = INT64_MIN;  // read by plugins through host_watermark
  void threadMain();
  std::thread thread_;
  std::atomic<State> state_{State::kUnassigned};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> paused_{false};
  std::shared_ptr<std::atomic<bool>> done_ = std::make_shared<std::atomic<bool>>(false);
  bool abandoned_ = false;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string trace_;
  /// Checkpoint failures since the last success (under mu_), and when one
  /// was last logged: a store that keeps failing (a full disk) is logged
  /// every 30 s, not at every attempt.
  std::optional<CheckpointTrouble> checkpointTrouble_;
  std::chrono::steady_clock::time_point checkpointTroubleLogged_{};
  void noteCheckpoint(const Status& result);
  metrics::TaskWatch watch_;  // last: gone before the state it reads
};

/// What a status report shows of one task.
struct TaskStatus {
  int id = 0;
  std::string state;
  std::string trace;
  /// Set while the task's checkpoints keep failing (e.g. state.dir is full).
  std::optional<Task::CheckpointTrouble> checkpoint;
};

/// Stop a task and dispose of it. A task whose thread is stuck in a plugin
/// call past its shutdown timeout is kept alive forever (leaked on purpose):
/// freeing it under the running thread would crash the host.
void retire(std::unique_ptr<Task> task);

}  // namespace sluice::runtime
