#include "host/worker/worker.h"

#include <algorithm>

#include "host/common/log.h"
#include "host/task/sink_task.h"
#include "host/task/source_task.h"

namespace sluice::runtime {
namespace {
const log::Tag kTag{"sluice.worker", "", -1};
}  // namespace

Worker::Worker(const config::WorkerConfig& wc, state::CheckpointStore& offsets, kafka::Env& kafka,
               metrics::Metrics& metrics)
    : wc_(wc), offsets_(offsets), kafka_(kafka), metrics_(metrics), id_(wc.listenAddress()) {
  monitor_ = std::thread([this] { monitor(); });
}

Worker::~Worker() { shutdown(); }

TaskEnv Worker::taskEnv(Connector& c) {
  // A new rate only comes with a new plan, whose tasks all start afresh.
  double rate = c.plan ? c.plan->rateLimit : 0;
  if (!c.limiter || c.limiter->rate() != rate) c.limiter = std::make_shared<RateLimiter>(rate);
  return TaskEnv{&wc_, &kafka_, &offsets_, &metrics_, c.topics, c.limiter, id_};
}

std::unique_ptr<Task> Worker::newTask(Connector& c, int id) {
  std::unique_ptr<Task> t;
  if (c.plan->isSource()) t = std::make_unique<SourceTask>(c.plan, id, taskEnv(c));
  else t = std::make_unique<SinkTask>(c.plan, id, taskEnv(c));
  t->start(c.paused);
  return t;
}

void Worker::replaceTask(const std::string& name, Connector& c, std::unique_ptr<Task>& t) {
  int id = t->id();
  retire(std::move(t));
  t = newTask(c, id);
  metrics_.taskRestarted(name, id);
}

void Worker::stopAll(std::vector<std::unique_ptr<Task>>& tasks) {
  for (auto& t : tasks) t->stop();  // signal and wait for each
  for (auto& t : tasks) retire(std::move(t));
  tasks.clear();
}

void Worker::monitor() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lk(mu_);
  while (!shutDown_) {
    monitorCv_.wait_for(lk, std::chrono::milliseconds(200));
    if (shutDown_) break;
    auto now = Clock::now();
    for (auto& [name, c] : connectors_) {
      if (!c.plan || !c.plan->autoRestart) continue;
      for (auto& t : c.tasks) {
        auto& ar = autoRestarts_[{name, t->id()}];
        if (t->state() != State::kFailed) {
          // Healthy for a whole backoff cap: the next failure starts over.
          if (ar.attempts && now - ar.lastRestart > std::chrono::milliseconds(c.plan->restartBackoffMaxMs)) ar.attempts = 0;
          ar.dueAt = {};
          continue;
        }
        if (ar.dueAt == Clock::time_point{}) {
          int64_t wait = c.plan->restartBackoffMs << std::min(ar.attempts, 20);
          ar.dueAt = now + std::chrono::milliseconds(std::min(wait, c.plan->restartBackoffMaxMs));
          continue;
        }
        if (now < ar.dueAt) continue;
        SLUICE_LOG(kTag, log::Level::kWarn, "restarting failed task " + name + "-" + std::to_string(t->id()) +
                                                " (automatic restart " + std::to_string(ar.attempts + 1) + ")");
        replaceTask(name, c, t);
        ++ar.attempts;
        ar.lastRestart = now;
        ar.dueAt = {};
      }
    }
  }
}

void Worker::startTasks(const std::string& name, std::shared_ptr<const config::ConnectorPlan> plan, bool paused) {
  std::lock_guard lk(mu_);
  if (shutDown_) return;
  Connector& c = connectors_[name];
  stopAll(c.tasks);
  c.plan = std::move(plan);
  c.paused = paused;
  for (int i = 0; i < c.plan->taskCount; ++i) c.tasks.push_back(newTask(c, i));
}

void Worker::stopTasks(const std::string& name) {
  std::lock_guard lk(mu_);
  if (auto it = connectors_.find(name); it != connectors_.end()) stopAll(it->second.tasks);
}

void Worker::setPaused(const std::string& name, bool paused) {
  std::lock_guard lk(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return;
  it->second.paused = paused;
  for (auto& t : it->second.tasks) paused ? t->pause() : t->resume();
}

void Worker::Removed::stop() { stopAll(tasks_); }

Worker::Removed Worker::removeConnector(const std::string& name) {
  Removed out;
  std::lock_guard lk(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return out;
  out.tasks_ = std::move(it->second.tasks);
  connectors_.erase(it);
  std::erase_if(autoRestarts_, [&](const auto& kv) { return kv.first.first == name; });
  return out;
}

bool Worker::runsTasks(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = connectors_.find(name);
  return it != connectors_.end() && !it->second.tasks.empty();
}

void Worker::restartTasks(const std::string& name, bool onlyFailed) {
  std::lock_guard lk(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return;
  for (auto& t : it->second.tasks)
    if (!onlyFailed || t->state() == State::kFailed) replaceTask(name, it->second, t);
}

Status Worker::restartTask(const std::string& name, int id) {
  std::lock_guard lk(mu_);
  if (auto it = connectors_.find(name); it != connectors_.end())
    for (auto& t : it->second.tasks)
      if (t->id() == id) {
        replaceTask(name, it->second, t);
        return Status::ok();
      }
  return Status::notFound("Task " + name + "-" + std::to_string(id) + " not found");
}

std::vector<TaskStatus> Worker::taskStatuses(const std::string& name) const {
  std::lock_guard lk(mu_);
  std::vector<TaskStatus> out;
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return out;
  for (const auto& t : it->second.tasks) {
    State st = t->state();
    out.push_back(TaskStatus{t->id(), stateName(st), st == State::kFailed ? t->trace() : "", t->checkpointTrouble()});
  }
  return out;
}

std::set<std::string> Worker::activeTopics(const std::string& name) const {
  std::lock_guard lk(mu_);
  auto it = connectors_.find(name);
  return it == connectors_.end() ? std::set<std::string>{} : it->second.topics->get();
}

void Worker::resetActiveTopics(const std::string& name) {
  std::lock_guard lk(mu_);
  if (auto it = connectors_.find(name); it != connectors_.end()) it->second.topics->reset();
}

Result<DlqReplayReport> Worker::replayDeadLetters(std::shared_ptr<const config::ConnectorPlan> plan,
                                                  const DlqReplayOptions& options) {
  {
    std::lock_guard lk(mu_);
    if (shutDown_) return Status::retriable("worker is shutting down");
  }
  // Outside the lock: a replay may take as long as its timeout.
  return runtime::replayDeadLetters(std::move(plan), TaskEnv{&wc_, &kafka_, &offsets_, nullptr, nullptr, nullptr, id_},
                                    options);
}

void Worker::shutdown() {
  std::map<std::string, Connector> all;
  {
    std::lock_guard lk(mu_);
    if (shutDown_) return;
    shutDown_ = true;
    all.swap(connectors_);
  }
  monitorCv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  // Sources first, so everything they produced is acknowledged.
  for (auto& [n, c] : all)
    if (c.plan && c.plan->isSource()) stopAll(c.tasks);
  if (kafka_.embedded() && wc_.shutdownDrainMs > 0) {
    // The embedded cluster dies with this process: let sinks consume what is
    // left so nothing produced is lost on a clean stop.
    std::vector<Task*> sinks;
    for (auto& [n, c] : all)
      for (auto& t : c.tasks)
        if (t->state() == State::kRunning) {
          t->beginDrain();
          sinks.push_back(t.get());
        }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wc_.shutdownDrainMs);
    for (Task* t : sinks)
      while (!t->drained() && t->state() == State::kRunning && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [n, c] : all) stopAll(c.tasks);
  SLUICE_LOG(kTag, log::Level::kInfo, "worker stopped");
}

}  // namespace sluice::runtime
