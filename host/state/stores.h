#pragma once
// Storage interfaces of a worker. The RocksDB implementation backs a
// standalone worker; a Kafka-topic-backed one can sit beside it for
// distributed mode, so the runtime only sees these interfaces.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/common/status.h"

namespace sluice::state {

/// Source offsets: per connector, source partition (canonical JSON) -> offset JSON.
class OffsetStore {
 public:
  virtual ~OffsetStore() = default;
  /// Write all offsets of one commit atomically and durably.
  virtual Status putOffsets(const std::string& connector,
                            const std::map<std::string, std::string>& offsets) = 0;
  virtual std::optional<std::string> getOffset(const std::string& connector,
                                               const std::string& partition) = 0;
  virtual std::map<std::string, std::string> offsets(const std::string& connector) = 0;
  virtual Status clearOffsets(const std::string& connector) = 0;
};

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
