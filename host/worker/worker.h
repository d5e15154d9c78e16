#pragma once
// The worker: runs the tasks of the connectors its herder (herder.h) gives
// it, and nothing else. It knows no configs, target states or stores of
// configs: the herder decides what runs (here StandaloneHerder, every
// connector of this process; in a cluster, the tasks assigned to this member)
// and tells the worker to start, pause, resume, restart or stop tasks. The
// worker restarts failed tasks by itself when the plan asks
// (task.restart.auto), and keeps per connector what its tasks share: the
// active topics (KIP-558) and the rate limiter.
//
// One mutex guards the map; tasks run on their own threads. A herder calls in
// with its own lock held; the worker never calls back.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/metrics/metrics.h"
#include "host/state/stores.h"
#include "host/task/dlq_replay.h"
#include "host/task/task.h"

namespace sluice::runtime {

class Worker {
 public:
  Worker(const config::WorkerConfig& wc, state::CheckpointStore& offsets, kafka::Env& kafka, metrics::Metrics& metrics);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// host:port as status reports and group.instance.id name this worker; set
  /// before any task starts.
  const std::string& id() const { return id_; }
  void setId(std::string id) { id_ = std::move(id); }

  /// Run every task of `plan` (stopping any the connector runs first),
  /// paused if asked. A connector the worker did not know is added.
  void startTasks(const std::string& connector, std::shared_ptr<const config::ConnectorPlan> plan, bool paused);
  /// Stop the connector's tasks (each writes its last checkpoint first) and
  /// wait for them; what they shared (active topics) is kept.
  void stopTasks(const std::string& connector);
  void pauseTasks(const std::string& connector) { setPaused(connector, true); }
  void resumeTasks(const std::string& connector) { setPaused(connector, false); }
  /// The tasks of a connector taken out of the worker: they stop when
  /// stop() is called or the value goes, wherever the caller holds no lock.
  class Removed {
   public:
    Removed() = default;
    Removed(Removed&&) = default;
    Removed& operator=(Removed&&) = default;
    ~Removed() { stop(); }
    void stop();

   private:
    friend class Worker;
    std::vector<std::unique_ptr<Task>> tasks_;
  };
  /// Forget a deleted connector at once (a new one of that name starts
  /// clean) and hand its tasks back to be stopped outside any lock, so that
  /// other connectors stay readable meanwhile.
  [[nodiscard]] Removed removeConnector(const std::string& connector);
  bool runsTasks(const std::string& connector) const;

  /// Replace running tasks with new ones (all, or only the FAILED ones).
  void restartTasks(const std::string& connector, bool onlyFailed);
  /// Status::notFound if the connector runs no task `id`.
  Status restartTask(const std::string& connector, int id);
  std::vector<TaskStatus> taskStatuses(const std::string& connector) const;

  /// Topics the connector's tasks used since it was added or last reset.
  std::set<std::string> activeTopics(const std::string& connector) const;
  void resetActiveTopics(const std::string& connector);

  /// Feed the connector's dead letters through `plan` once more (see
  /// dlq_replay.h). Not one of the connector's tasks: it shares nothing
  /// with them (no metrics series, rate limit or active topics).
  Result<DlqReplayReport> replayDeadLetters(std::shared_ptr<const config::ConnectorPlan> plan,
                                            const DlqReplayOptions& options);

  /// Stop everything: sources first, then (embedded Kafka only) let sinks
  /// drain what was produced, then sinks.
  void shutdown();

 private:
  struct Connector {
    std::shared_ptr<const config::ConnectorPlan> plan;
    bool paused = false;
    std::vector<std::unique_ptr<Task>> tasks;
    std::shared_ptr<ActiveTopics> topics = std::make_shared<ActiveTopics>();
    std::shared_ptr<RateLimiter> limiter;  // shared by its tasks (and kept alive by an abandoned one)
  };
  TaskEnv taskEnv(Connector& c);
  std::unique_ptr<Task> newTask(Connector& c, int id);
  void replaceTask(const std::string& name, Connector& c, std::unique_ptr<Task>& t);
  void setPaused(const std::string& name, bool paused);
  /// Stop each task (signal and wait), then dispose of it (retire()).
  static void stopAll(std::vector<std::unique_ptr<Task>>& tasks);

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
  state::CheckpointStore& offsets_;
  kafka::Env& kafka_;
  metrics::Metrics& metrics_;
  std::string id_;
  mutable std::mutex mu_;
  std::map<std::string, Connector> connectors_;
  bool shutDown_ = false;
};

}  // namespace sluice::runtime
