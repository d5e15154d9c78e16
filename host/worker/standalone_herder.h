#pragma once
// The single-process Herder (herder.h), what connect-standalone runs: every
// connector of this process, its config and target state kept in the
// worker's own store (state.dir), its quarantine after a crash, the offsets
// and checkpoint admin and the replays. It decides what runs and has its
// Worker (worker.h) run it. One mutex guards the connector map; it is held
// while the worker is told what to do (the worker has its own).

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/config/connector_config.h"
#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/loader/registry.h"
#include "host/metrics/metrics.h"
#include "host/state/stores.h"
#include "host/worker/herder.h"
#include "host/worker/worker.h"

namespace sluice::runtime {

class StandaloneHerder final : public Herder {
 public:
  StandaloneHerder(const config::WorkerConfig& wc, const loader::Registry& registry, state::CheckpointStore& offsets,
                   state::ConfigStore& configs, kafka::Env& kafka, metrics::Metrics& metrics);
  ~StandaloneHerder();

  const std::string& workerId() const override { return worker_.id(); }
  const config::ConfigMap& connectorDefaults() const override { return wc_.connectorDefaults; }
  /// Before startStored: the name status reports give this worker.
  void setWorkerId(std::string id) { worker_.setId(std::move(id)); }

  /// Connectors that crashed the worker (crash_guard.h) stay FAILED with
  /// their trace until they are restarted, reconfigured or deleted. The list
  /// lives in `path`; call before startStored.
  void loadQuarantine(const std::string& path);
  /// Add one (from a crash record) and write the list.
  void quarantine(const std::string& name, const std::string& trace);
  bool quarantined(const std::string& name) const;

  /// Start every connector found in the config store.
  void startStored();

  // The control plane: see herder.h.
  Result<ConnectorInfo> create(const std::string& name, const config::ConfigMap& cfg,
                               const std::string& initialState = "RUNNING") override;
  Result<ConnectorInfo> put(const std::string& name, const config::ConfigMap& cfg, bool* created) override;
  Status remove(const std::string& name) override;
  Status pause(const std::string& name) override;
  Status resume(const std::string& name) override;
  Status stopConnector(const std::string& name) override;
  Status restart(const std::string& name, bool includeTasks, bool onlyFailed) override;
  Status restartTask(const std::string& name, int task) override;

  std::vector<std::string> names() const override;
  Result<ConnectorInfo> info(const std::string& name) const override;
  Result<ConnectorStatus> status(const std::string& name) const override;
  Result<config::ConfigMap> configOf(const std::string& name) const override;
  config::ValidationResult validate(const std::string& name, const config::ConfigMap& cfg) const override;
  Result<std::set<std::string>> activeTopics(const std::string& name) const override;
  Status resetActiveTopics(const std::string& name) override;

  Result<std::vector<OffsetEntry>> offsets(const std::string& name) const override;
  Status alterOffsets(const std::string& name, const std::vector<OffsetEntry>& entries) override;
  Status resetOffsets(const std::string& name) override;

  Result<std::vector<state::CheckpointInfo>> checkpoints(const std::string& name) const override;
  Result<ReplayResult> replay(const std::string& name, const ReplayTarget& target) override;
  Result<DlqReplayReport> replayDeadLetters(const std::string& name, const DlqReplayOptions& options) override;
  Result<Savepoint> savepoint() override;

  /// Refuse further changes and stop every task (Worker::shutdown).
  void shutdown();

 private:
  struct Connector {
    std::string name;
    config::ConfigMap config;  // as submitted (placeholders unresolved)
    std::string targetState = "RUNNING";
    std::shared_ptr<const config::ConnectorPlan> plan;
    std::string failure;  // connector-level failure (bad stored config)
    std::string type = "unknown";
  };
  void startTasks(Connector& c);
  void stopTasks(Connector& c);
  Status persist(const Connector& c);
  Connector* find(const std::string& name);
  const Connector* find(const std::string& name) const;
  ConnectorInfo infoOf(const Connector& c) const;
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

  const config::WorkerConfig& wc_;
  const loader::Registry& registry_;
  state::CheckpointStore& offsets_;
  state::ConfigStore& configs_;
  kafka::Env& kafka_;
  metrics::Metrics& metrics_;
  Worker worker_;
  std::string quarantineFile_;
  std::map<std::string, std::string> quarantined_;  // name -> trace
  void unquarantine(const std::string& name);  // with mu_ held
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Connector>> connectors_;
  std::set<std::string> dlqReplays_;  // connectors whose DLQ is being replayed
  bool shutDown_ = false;
};

}  // namespace sluice::runtime
