#pragma once
// The control plane of a Sluice worker, what Kafka Connect calls the herder:
// connector configs and target states, which tasks run, status, the offsets
// and checkpoint admin, replays and savepoints. The REST API talks to this
// interface only. StandaloneHerder (standalone_herder.h) is the single-process
// implementation: it keeps the configs in the worker's own store and has its
// Worker (worker.h) run every task. A cluster of workers is a second
// implementation of the same interface, running its share of the tasks on the
// same Worker.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/state/stores.h"
#include "host/task/dlq_replay.h"
#include "host/task/task.h"

namespace sluice::runtime {

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

class Herder {
 public:
  virtual ~Herder() = default;

  /// host:port of this worker, as status reports name it.
  virtual const std::string& workerId() const = 0;
  /// The worker's connector defaults (key.converter, value.converter, ...).
  virtual const config::ConfigMap& connectorDefaults() const = 0;

  /// Validate and create; Status::conflict if it exists, invalid with the full
  /// message if the config is bad. `initialState` RUNNING, PAUSED or STOPPED.
  virtual Result<ConnectorInfo> create(const std::string& name, const config::ConfigMap& cfg,
                                       const std::string& initialState = "RUNNING") = 0;
  /// Create or replace; `created` tells which.
  virtual Result<ConnectorInfo> put(const std::string& name, const config::ConfigMap& cfg, bool* created) = 0;
  virtual Status remove(const std::string& name) = 0;
  virtual Status pause(const std::string& name) = 0;
  virtual Status resume(const std::string& name) = 0;
  virtual Status stopConnector(const std::string& name) = 0;
  virtual Status restart(const std::string& name, bool includeTasks, bool onlyFailed) = 0;
  virtual Status restartTask(const std::string& name, int task) = 0;

  virtual std::vector<std::string> names() const = 0;
  virtual Result<ConnectorInfo> info(const std::string& name) const = 0;
  virtual Result<ConnectorStatus> status(const std::string& name) const = 0;
  virtual Result<config::ConfigMap> configOf(const std::string& name) const = 0;
  virtual config::ValidationResult validate(const std::string& name, const config::ConfigMap& cfg) const = 0;
  /// Topics the connector has used since it was created or last reset.
  virtual Result<std::set<std::string>> activeTopics(const std::string& name) const = 0;
  virtual Status resetActiveTopics(const std::string& name) = 0;

  struct OffsetEntry {
    std::string partition;  // JSON
    std::string offset;     // JSON
  };
  /// Kafka Connect's offsets (KIP-875): for sources the committed source
  /// offsets; for sinks the group's committed Kafka offsets.
  virtual Result<std::vector<OffsetEntry>> offsets(const std::string& name) const = 0;
  /// Kafka Connect's PATCH /offsets: set (or, with a "null" offset, remove)
  /// offsets of a STOPPED connector. Sinks: in the store and the group.
  virtual Status alterOffsets(const std::string& name, const std::vector<OffsetEntry>& entries) = 0;
  /// Kafka Connect's DELETE /offsets of a STOPPED connector: forget every
  /// offset (and, since state without offsets means nothing, its state).
  virtual Status resetOffsets(const std::string& name) = 0;

  /// The checkpoint history, newest first.
  virtual Result<std::vector<state::CheckpointInfo>> checkpoints(const std::string& name) const = 0;

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
  virtual Result<ReplayResult> replay(const std::string& name, const ReplayTarget& target) = 0;

  /// POST /connectors/{name}/dlq/replay: feed the connector's dead letters
  /// through its pipeline again (see dlq_replay.h); with dryRun only count
  /// them. One replay per connector at a time.
  virtual Result<DlqReplayReport> replayDeadLetters(const std::string& name, const DlqReplayOptions& options) = 0;

  struct Savepoint {
    std::string id;
    std::string path;
  };
  /// A RocksDB checkpoint of the whole store (configs, offsets, state,
  /// history) under savepoints.dir; `sluice run --from-savepoint` starts
  /// a worker from it.
  virtual Result<Savepoint> savepoint() = 0;
};

}  // namespace sluice::runtime
