#pragma once
// The worker: owns the connectors of this process, their tasks and target
// states, persists configs, and answers the REST API's questions. One mutex
// guards the connector map; tasks run on their own threads.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host/config/connector_config.h"
#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/loader/registry.h"
#include "host/metrics/metrics.h"
#include "host/runtime/dlq_replay.h"
#include "host/runtime/task.h"
#include "host/state/stores.h"

namespace sluice::runtime {

struct TaskStatus {
  int id = 0;
  std::string state;
  std::string trace;
  /// Set while the task's checkpoints keep failing (e.g. state.dir is full).
  std::optional<Task::CheckpointTrouble> checkpoint;
};

struct ConnectorStatus {
  std::string name;
  std::string type;  // source | sink | unknown
  std::string state;
  std::string trace;
  std::vector<TaskStatus> tasks;
};

struct ConnectorInfo {
  std::string name;
  config::ConfigMap config;
  std::string type;
  int taskCount = 0;
};

class Worker {
 public:
  Worker(const config::WorkerConfig& wc, const loader::Registry& registry, state::CheckpointStore& offsets,
         state::ConfigStore& configs, kafka::Env& kafka, metrics::Metrics& metrics);
  ~Worker();

  const std::string& workerId() const { return workerId_; }
  /// The worker's connector defaults (key.converter, value.converter, ...).
  const config::ConfigMap& connectorDefaults() const { return wc_.connectorDefaults; }
  void setWorkerId(std::string id) { workerId_ = std::move(id); }

  /// Connectors that crashed the worker (crash_guard.h) stay FAILED with
  /// their trace until they are restarted, reconfigured or deleted. The list
  /// lives in `path`; call before startStored.
  void loadQuarantine(const std::string& path);
  /// Add one (from a crash record) and write the list.
  void quarantine(const std::string& name, const std::string& trace);
  bool quarantined(const std::string& name) const;

  /// Start every connector found in the config store.
  void startStored();
  /// Validate and create; Status::conflict if it exists, invalid with the full
  /// message if the config is bad. `initialState` RUNNING, PAUSED or STOPPED.
  Result<ConnectorInfo> create(const std::string& name, const config::ConfigMap& cfg,
                               const std::string& initialState = "RUNNING");
  /// Create or replace; `created` tells which.
  Result<ConnectorInfo> put(const std::string& name, const config::ConfigMap& cfg, bool* created);
  Status remove(const std::string& name);
  Status pause(const std::string& name);
  Status resume(const std::string& name);
  Status stopConnector(const std::string& name);
  Status restart(const std::string& name, bool includeTasks, bool onlyFailed);
  Status restartTask(const std::string& name, int task);

  std::vector<std::string> names() const;
  Result<ConnectorInfo> info(const std::string& name) const;
  Result<ConnectorStatus> status(const std::string& name) const;
  Result<config::ConfigMap> configOf(const std::string& name) const;
  config::ValidationResult validate(const std::string& name, const config::ConfigMap& cfg) const;
  /// Topics the connector has used since it was created or last reset.
  Result<std::set<std::string>> activeTopics(const std::string& name) const;
  Status resetActiveTopics(const std::string& name);

  struct OffsetEntry {
    std::string partition;  // JSON
    std::string offset;     // JSON
  };
  /// Kafka Connect's offsets (KIP-875): for sources the committed source
  /// offsets; for sinks the group's committed Kafka offsets.
  Result<std::vector<OffsetEntry>> offsets(const std::string& name) const;

  /// Kafka Connect's PATCH /offsets: set (or, with a "null" offset, remove)
  /// offsets of a STOPPED connector. Sinks: in the store and the group.
  Status alterOffsets(const std::string& name, const std::vector<OffsetEntry>& entries);
  /// Kafka Connect's DELETE /offsets of a STOPPED connector: forget every
  /// offset (and, since state without offsets means nothing, its state).
  Status resetOffsets(const std::string& name);

  /// The checkpoint history, newest first.
  Result<std::vector<state::CheckpointInfo>> checkpoints(const std::string& name) const;

  struct ReplayTarget {
    std::optional<uint64_t> checkpoint;
    std::optional<int64_t> timestampMs;
    std::optional<std::vector<OffsetEntry>> offsets;
    bool keepState = false;
  };
  struct ReplayResult {
    std::optional<uint64_t> checkpoint;  // the checkpoint rewound to, if any
    std::string state;                   // "restored", "cleared" or "kept"
    std::vector<OffsetEntry> offsets;    // where the connector now starts
  };
  /// Rewind a connector (running, paused or stopped) to a checkpoint, a time
  /// or explicit offsets, with its operator state to match; its tasks are
  /// stopped, rewound and started again in the same target state. A bad
  /// target changes nothing.
  Result<ReplayResult> replay(const std::string& name, const ReplayTarget& target);

  /// POST /connectors/{name}/dlq/replay: feed the connector's dead letters
  /// through its pipeline again (see dlq_replay.h); with dryRun only count
  /// them. One replay per connector at a time.
  Result<DlqReplayReport> replayDeadLetters(const std::string& name, const DlqReplayOptions& options);

  struct Savepoint {
    std::string id;
    std::string path;
  };
  /// A RocksDB checkpoint of the whole store (configs, offsets, state,
  /// history) under savepoints.dir; `sluice run --from-savepoint` starts
  /// a worker from it.
  Result<Savepoint> savepoint();

  /// Stop everything: sources first, then (embedded Kafka only) let sinks
  /// drain what was produced, then sinks.
  void shutdown();

 private:
  struct Connector {
    std::string name;
    config::ConfigMap config;  // as submitted (placeholders unresolved)
    std::string targetState = "RUNNING";
    std::shared_ptr<const config::ConnectorPlan> plan;
    std::string failure;  // connector-level failure (bad stored config)
    std::vector<std::unique_ptr<Task>> tasks;
    std::string type = "unknown";
    std::shared_ptr<ActiveTopics> topics = std::make_shared<ActiveTopics>();
    std::shared_ptr<RateLimiter> limiter;  // shared by its tasks (and kept alive by an abandoned one)
  };
  void startTasks(Connector& c);
  void stopTasks(Connector& c);
  Status persist(const Connector& c);
  Connector* find(const std::string& name);
  const Connector* find(const std::string& name) const;
  ConnectorInfo infoOf(const Connector& c) const;
  TaskEnv taskEnv(Connector& c);
  /// Offsets as KIP-875 entries, for a connector whose plan is known.
  Result<std::vector<OffsetEntry>> offsetsOf(const Connector& c) const;
  /// Check entries against the connector kind; canonical partition -> offset
  /// (nullopt: remove).
  Result<std::map<std::string, std::optional<std::string>>> parseEntries(const Connector& c,
                                                                         const std::vector<OffsetEntry>& entries) const;
  /// Write offsets (and clear state if asked) as one commit; sinks: mirror
  /// the result into the consumer group.
  Status writeOffsets(const Connector& c, std::map<std::string, std::optional<std::string>> offsets,
                      bool clearState, const char* origin);
  /// Sinks: make the group's committed offsets equal the store's.
  void mirrorGroupOffsets(const Connector& c);
  bool historyOn(const Connector& c) const;

  /// task.restart.auto: restart FAILED tasks with exponential backoff.
  void monitor();
  struct AutoRestart {
    int attempts = 0;
    std::chrono::steady_clock::time_point dueAt{};
    std::chrono::steady_clock::time_point lastRestart{};
  };
  std::map<std::pair<std::string, int>, AutoRestart> autoRestarts_;  // guarded by mu_
  std::thread monitor_;
  std::condition_variable monitorCv_;

  const config::WorkerConfig& wc_;
  const loader::Registry& registry_;
  state::CheckpointStore& offsets_;
  state::ConfigStore& configs_;
  kafka::Env& kafka_;
  metrics::Metrics& metrics_;
  std::string workerId_;
  std::string quarantineFile_;
  std::map<std::string, std::string> quarantined_;  // name -> trace
  void unquarantine(const std::string& name);  // with mu_ held
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Connector>> connectors_;
  std::set<std::string> dlqReplays_;  // connectors whose DLQ is being replayed
  bool shutDown_ = false;
};

}  // namespace sluice::runtime
