#pragma once
// The worker config: a flat JSON object with Kafka Connect's key names.

#include <map>
#include <string>
#include <vector>

#include "host/common/status.h"

namespace sluice::config {

struct WorkerConfig {
  std::string listeners = "http://127.0.0.1:8083";
  std::vector<std::string> pluginPath;  // empty: the built-in plugin directory
  std::string stateDir = "sluice-state";
  std::string bootstrapServers;  // empty: embedded mock cluster
  std::map<std::string, std::string> producerOverrides;
  std::map<std::string, std::string> consumerOverrides;
  std::map<std::string, std::string> adminOverrides;
  int64_t offsetFlushIntervalMs = 5000;  // commits when checkpoints are off
  int64_t checkpointIntervalMs = 5000;   // 0: no checkpoint history
  int64_t checkpointRetain = 100;
  int64_t checkpointRetainMs = 24 * 3600 * 1000LL;
  std::string savepointsDir;  // empty: "<state.dir>.savepoints"
  int64_t taskShutdownTimeoutMs = 5000;
  int64_t shutdownDrainMs = 10000;  // embedded only: let sinks drain before stopping
  std::string logLevel = "INFO";
  bool logJson = false;
  std::string restAdvertisedName;  // worker_id shown in statuses; default host:port

  /// Parse; unknown keys and bad values are errors naming the key.
  static Result<WorkerConfig> parse(const std::string& json);
  static Result<WorkerConfig> load(const std::string& path);
  /// host:port of the first listener.
  std::string listenAddress() const;
};

}  // namespace sluice::config
