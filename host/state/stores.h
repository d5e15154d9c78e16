#pragma once
// Storage interfaces of a worker. The RocksDB implementation backs a
// standalone worker; the runtime only sees these interfaces.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"

namespace sluice::state {

/// One checkpoint of a task, as kept in the history.
struct CheckpointInfo {
  uint64_t id = 0;
  int task = -1;
  int64_t timeMs = 0;       // wall time of the commit
  int64_t watermarkMs = 0;  // the task's event-time watermark (INT64_MIN: none yet)
  std::string origin;       // "periodic", "shutdown", "replay", "alter"
  std::string offsetsJson;  // [{"partition":{..},"offset":{..}}...]: the task's offsets at this point
  size_t stateKeys = 0;     // operator-state keys written by this checkpoint
  size_t bytes = 0;         // bytes of offsets and state written
};

/// How much checkpoint history a connector keeps: at most `count` entries and
/// none older than `maxAgeMs` (the newest is always kept).
struct Retention {
  size_t count = 100;
  int64_t maxAgeMs = 24 * 3600 * 1000LL;
};

/// What one task commits: offsets and operator state, written together in one
/// durable batch, optionally with a checkpoint entry in the history. Values
/// set to nullopt are deleted.
struct Commit {
  std::string connector;
  int task = -1;
  std::map<std::string, std::optional<std::string>> offsets;  // partition JSON -> offset JSON
  std::map<std::string, std::optional<std::string>> state;    // state key (see stateKey) -> value
  bool checkpoint = false;
  std::string origin = "periodic";
  int64_t watermarkMs = 0;
  std::string offsetsJson = "[]";  // shown in the history
};

/// Offsets, operator state and checkpoints of connectors. One interface
/// because they are only ever written together: a checkpoint writes a task's
/// offsets and the state its records produced in one batch, so after a crash
/// they come back from the same point. Offsets are per connector, keyed by
/// partition: source partitions (canonical JSON) for sources,
/// {"kafka_partition":N,"kafka_topic":"T"} for sinks.
class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  /// Write all offsets of one commit atomically and durably.
  virtual Status putOffsets(const std::string& connector,
                            const std::map<std::string, std::string>& offsets) = 0;
  virtual std::optional<std::string> getOffset(const std::string& connector,
                                               const std::string& partition) = 0;
  virtual std::map<std::string, std::string> offsets(const std::string& connector) = 0;
  virtual Status clearOffsets(const std::string& connector) = 0;

  /// Commit offsets and state; with `checkpoint`, also record a history entry
  /// (keeping what the commit overwrote, so the history can be rewound) and
  /// trim the history to `retention`. Returns the checkpoint id (0 without).
  virtual Result<uint64_t> commit(const Commit& c, const Retention& retention) = 0;
  virtual std::optional<std::string> getState(const std::string& connector, const std::string& key) = 0;
  /// Visit committed state keys of a connector starting with `prefix`, in order;
  /// `fn` returns false to stop.
  virtual void scanState(const std::string& connector, const std::string& prefix,
                         const std::function<bool(std::string_view, std::string_view)>& fn) = 0;
  /// The history, newest first.
  virtual std::vector<CheckpointInfo> checkpoints(const std::string& connector) = 0;
  /// Put offsets and state back to what they were right after checkpoint `id`
  /// and drop the newer history. The connector's tasks must not be running.
  virtual Status rewind(const std::string& connector, uint64_t id) = 0;
  /// Forget a connector's checkpoint history (not its offsets or state).
  virtual Status clearHistory(const std::string& connector) = 0;
  /// A consistent copy of the whole store in `dir` (which must not exist).
  virtual Status savepoint(const std::string& dir) = 0;
};

/// The key of a state entry within a connector: task, plugin instance, key.
inline std::string stateKey(int task, std::string_view instance, std::string_view key) {
  std::string k = std::to_string(task);
  k.push_back('\0');
  k.append(instance);
  k.push_back('\0');
  k.append(key);
  return k;
}

/// Connector configurations and their target state (RUNNING, PAUSED, STOPPED).
class ConfigStore {
 public:
  struct Entry {
    std::string name;
    std::map<std::string, std::string> config;
    std::string targetState = "RUNNING";
  };
  virtual ~ConfigStore() = default;
  virtual Status putConnector(const Entry& entry) = 0;
  virtual Status removeConnector(const std::string& name) = 0;
  virtual std::vector<Entry> connectors() = 0;
};

}  // namespace sluice::state
