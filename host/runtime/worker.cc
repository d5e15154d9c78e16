#include "host/runtime/worker.h"

#include <boost/json.hpp>

#include <chrono>
#include <thread>

#include "host/common/log.h"

namespace sluice::runtime {
namespace {
const log::Tag kTag{"sluice.worker", "", -1};

bool validTargetState(const std::string& s) { return s == "RUNNING" || s == "PAUSED" || s == "STOPPED"; }
}  // namespace

Worker::Worker(const config::WorkerConfig& wc, const loader::Registry& registry,
               state::CheckpointStore& offsets, state::ConfigStore& configs, kafka::Env& kafka,
               metrics::Metrics& metrics)
    : wc_(wc), registry_(registry), offsets_(offsets), configs_(configs), kafka_(kafka),
      metrics_(metrics), workerId_(wc.listenAddress()) {}

Worker::~Worker() { shutdown(); }

TaskEnv Worker::taskEnv(Connector& c) { return TaskEnv{&wc_, &kafka_, &offsets_, &metrics_, c.topics.get()}; }

Worker::Connector* Worker::find(const std::string& name) {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : it->second.get();
}
const Worker::Connector* Worker::find(const std::string& name) const {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : it->second.get();
}

config::ValidationResult Worker::validate(const std::string& name, const config::ConfigMap& cfg) const {
  return config::validateConnector(registry_, name, cfg);
}

void Worker::startTasks(Connector& c) {
  if (!c.plan || c.targetState == "STOPPED") return;
  bool paused = c.targetState == "PAUSED";
  for (int i = 0; i < c.plan->taskCount; ++i) {
    auto t = makeTask(c.plan, i, taskEnv(c));
    t->start(paused);
    c.tasks.push_back(std::move(t));
  }
}

void Worker::stopTasks(Connector& c) {
  for (auto& t : c.tasks) t->stop();  // signal and wait for each
  for (auto& t : c.tasks) retire(std::move(t));
  c.tasks.clear();
}

Status Worker::persist(const Connector& c) {
  return configs_.putConnector(state::ConfigStore::Entry{c.name, c.config, c.targetState});
}

ConnectorInfo Worker::infoOf(const Connector& c) const {
  ConnectorInfo i;
  i.name = c.name;
  i.config = c.config;
  i.type = c.type;
  i.taskCount = c.plan && c.targetState != "STOPPED" ? c.plan->taskCount : 0;
  return i;
}

void Worker::startStored() {
  std::lock_guard lk(mu_);
  for (auto& e : configs_.connectors()) {
    auto c = std::make_unique<Connector>();
    c->name = e.name;
    c->config = e.config;
    c->targetState = validTargetState(e.targetState) ? e.targetState : "RUNNING";
    auto v = config::validateConnector(registry_, e.name, e.config);
    if (v.plan.plugin) c->type = loader::kindName(v.plan.plugin->kind);
    if (!v.ok()) {
      c->failure = v.message();
      SLUICE_LOG(kTag, log::Level::kError, "stored connector " + e.name + " cannot start: " + c->failure);
    } else {
      c->plan = std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
      startTasks(*c);
      SLUICE_LOG(kTag, log::Level::kInfo, "resumed connector " + e.name + " (" + c->targetState + ")");
    }
    connectors_[e.name] = std::move(c);
  }
  metrics_.setConnectorCount(static_cast<double>(connectors_.size()));
}

Result<ConnectorInfo> Worker::create(const std::string& name, const config::ConfigMap& cfg,
                                     const std::string& initialState) {
  if (!validTargetState(initialState))
    return Status::invalid("initial_state must be RUNNING, PAUSED or STOPPED, got '" + initialState + "'");
  std::lock_guard lk(mu_);
  if (shutDown_) return Status::retriable("worker is shutting down");
  if (find(name)) return Status::conflict("Connector " + name + " already exists");
  auto v = config::validateConnector(registry_, name, cfg);
  if (!v.ok()) return Status::invalid(v.message());
  auto c = std::make_unique<Connector>();
  c->name = name;
  c->config = cfg;
  c->config["name"] = name;
  c->targetState = initialState;
  c->type = loader::kindName(v.plan.plugin->kind);
  c->plan = std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
  if (auto s = persist(*c); !s) return s;
  startTasks(*c);
  SLUICE_LOG(kTag, log::Level::kInfo, "created connector " + name);
  ConnectorInfo info = infoOf(*c);
  connectors_[name] = std::move(c);
  metrics_.setConnectorCount(static_cast<double>(connectors_.size()));
  return info;
}

Result<ConnectorInfo> Worker::put(const std::string& name, const config::ConfigMap& cfg, bool* created) {
  {
    std::lock_guard lk(mu_);
    *created = find(name) == nullptr;
  }
  if (*created) return create(name, cfg);
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  auto v = config::validateConnector(registry_, name, cfg);
  if (!v.ok()) return Status::invalid(v.message());
  stopTasks(*c);
  c->config = cfg;
  c->config["name"] = name;
  c->failure.clear();
  c->type = loader::kindName(v.plan.plugin->kind);
  c->plan = std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
  if (auto s = persist(*c); !s) return s;
  startTasks(*c);
  SLUICE_LOG(kTag, log::Level::kInfo, "reconfigured connector " + name);
  return infoOf(*c);
}

Status Worker::remove(const std::string& name) {
  std::unique_ptr<Connector> c;
  {
    std::lock_guard lk(mu_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::notFound("Connector " + name + " not found");
    if (auto s = configs_.removeConnector(name); !s) return s;
    c = std::move(it->second);
    connectors_.erase(it);
    metrics_.setConnectorCount(static_cast<double>(connectors_.size()));
  }
  stopTasks(*c);
  SLUICE_LOG(kTag, log::Level::kInfo, "deleted connector " + name);
  return Status::ok();
}

Status Worker::pause(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (c->targetState == "PAUSED") return Status::ok();
  if (c->targetState == "STOPPED") {
    c->targetState = "PAUSED";
    startTasks(*c);
  } else {
    c->targetState = "PAUSED";
    for (auto& t : c->tasks) t->pause();
  }
  return persist(*c);
}

Status Worker::resume(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (c->targetState == "RUNNING") return Status::ok();
  bool wasStopped = c->targetState == "STOPPED";
  c->targetState = "RUNNING";
  if (wasStopped) startTasks(*c);
  else for (auto& t : c->tasks) t->resume();
  return persist(*c);
}

Status Worker::stopConnector(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  c->targetState = "STOPPED";
  stopTasks(*c);
  return persist(*c);
}

Status Worker::restart(const std::string& name, bool includeTasks, bool onlyFailed) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  // The connector itself only holds its validated plan: restarting it means
  // validating its config again, which is what brings back a connector that
  // failed (e.g. a plugin missing at startup that has since been installed).
  if (!c->failure.empty() || !c->plan) {
    auto v = config::validateConnector(registry_, name, c->config);
    if (!v.ok()) {
      c->failure = v.message();
      return Status::ok();
    }
    c->failure.clear();
    c->type = loader::kindName(v.plan.plugin->kind);
    c->plan = std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
    stopTasks(*c);
    startTasks(*c);
    return Status::ok();
  }
  if (!includeTasks || c->targetState == "STOPPED") return Status::ok();
  bool paused = c->targetState == "PAUSED";
  for (auto& t : c->tasks) {
    if (onlyFailed && t->state() != State::kFailed) continue;
    int id = t->id();
    retire(std::move(t));
    t = makeTask(c->plan, id, taskEnv(*c));
    t->start(paused);
  }
  return Status::ok();
}

Status Worker::restartTask(const std::string& name, int task) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  for (auto& t : c->tasks) {
    if (t->id() != task) continue;
    retire(std::move(t));
    t = makeTask(c->plan, task, taskEnv(*c));
    t->start(c->targetState == "PAUSED");
    return Status::ok();
  }
  return Status::notFound("Task " + name + "-" + std::to_string(task) + " not found");
}

Result<std::set<std::string>> Worker::activeTopics(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return c->topics->get();
}

Status Worker::resetActiveTopics(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  c->topics->reset();
  return Status::ok();
}

Result<std::vector<Worker::OffsetEntry>> Worker::offsets(const std::string& name) const {
  std::shared_ptr<const config::ConnectorPlan> plan;
  std::set<std::string> active;
  {
    std::lock_guard lk(mu_);
    const Connector* c = find(name);
    if (!c) return Status::notFound("Connector " + name + " not found");
    if (!c->plan) return Status::conflict("Connector " + name + " has failed; its offsets cannot be read: " + c->failure);
    plan = c->plan;
    active = c->topics->get();
  }
  std::vector<OffsetEntry> out;
  if (plan->isSource()) {
    for (const auto& [p, o] : offsets_.offsets(name)) out.push_back({p, o});
    return out;
  }
  std::vector<std::string> topics = plan->topics;
  if (topics.empty()) topics.assign(active.begin(), active.end());  // topics.regex: what it was assigned
  auto committed = kafka_.committedOffsets("connect-" + name, topics);
  if (!committed) return committed.status();
  for (const auto& c : *committed)
    out.push_back({"{\"kafka_topic\":" + boost::json::serialize(boost::json::value(c.topic)) +
                       ",\"kafka_partition\":" + std::to_string(c.partition) + "}",
                   "{\"kafka_offset\":" + std::to_string(c.offset) + "}"});
  return out;
}

std::vector<std::string> Worker::names() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (const auto& [n, c] : connectors_) out.push_back(n);
  return out;
}

Result<ConnectorInfo> Worker::info(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return infoOf(*c);
}

Result<config::ConfigMap> Worker::configOf(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return c->config;
}

Result<ConnectorStatus> Worker::status(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("No status found for connector " + name);
  ConnectorStatus s;
  s.name = c->name;
  s.type = c->type;
  if (!c->failure.empty()) {
    s.state = "FAILED";
    s.trace = c->failure;
  } else {
    s.state = c->targetState;
  }
  for (const auto& t : c->tasks) {
    State st = t->state();
    s.tasks.push_back(TaskStatus{t->id(), stateName(st), st == State::kFailed ? t->trace() : ""});
  }
  return s;
}

void Worker::shutdown() {
  std::map<std::string, std::unique_ptr<Connector>> all;
  {
    std::lock_guard lk(mu_);
    if (shutDown_) return;
    shutDown_ = true;
    all.swap(connectors_);
  }
  // Sources first, so everything they produced is acknowledged.
  for (auto& [n, c] : all)
    if (c->plan && c->plan->isSource()) stopTasks(*c);
  if (kafka_.embedded() && wc_.shutdownDrainMs > 0) {
    // The embedded cluster dies with this process: let sinks consume what is
    // left so nothing produced is lost on a clean stop.
    std::vector<Task*> sinks;
    for (auto& [n, c] : all)
      if (c->plan && c->plan->isSink())
        for (auto& t : c->tasks)
          if (t->state() == State::kRunning) {
            t->beginDrain();
            sinks.push_back(t.get());
          }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wc_.shutdownDrainMs);
    for (Task* t : sinks)
      while (!t->drained() && t->state() == State::kRunning && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& [n, c] : all) stopTasks(*c);
  SLUICE_LOG(kTag, log::Level::kInfo, "worker stopped");
}

}  // namespace sluice::runtime
