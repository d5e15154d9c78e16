#include "host/runtime/task.h"

#include <chrono>
#include <vector>

#include "host/runtime/sink_task.h"
#include "host/runtime/source_task.h"

namespace sluice::runtime {

const char* stateName(State s) {
  switch (s) {
    case State::kUnassigned: return "UNASSIGNED";
    case State::kRunning: return "RUNNING";
    case State::kPaused: return "PAUSED";
    case State::kStopped: return "STOPPED";
    case State::kFailed: return "FAILED";
    case State::kRestarting: return "RESTARTING";
  }
  return "UNASSIGNED";
}

Task::Task(std::shared_ptr<const config::ConnectorPlan> plan, int id, TaskEnv env)
    : plan_(std::move(plan)), id_(id), env_(env), tag_{"sluice.task", plan_->name, id} {}

Task::~Task() { stop(); }

void Task::start(bool paused) {
  paused_ = paused;
  stopping_ = false;
  state_ = paused ? State::kPaused : State::kRunning;
  done_->store(false);
  thread_ = std::thread([this, done = done_] {
    threadMain();
    done->store(true);
  });
}

void Task::threadMain() {
  try {
    run();
  } catch (const std::exception& e) {
    fail(std::string("unexpected exception in task thread: ") + e.what());
  } catch (...) {
    fail("unexpected non-standard exception in task thread");
  }
  State s = state_.load();
  if (s != State::kFailed) state_ = State::kUnassigned;
}

void Task::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(env_.worker ? env_.worker->taskShutdownTimeoutMs : 5000) +
                  std::chrono::seconds(5);
  while (!done_->load() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (done_->load()) {
    thread_.join();
  } else {
    SLUICE_LOG(tag_, log::Level::kError, "task did not stop within its shutdown timeout; abandoning its thread");
    thread_.detach();
    abandoned_ = true;
  }
}

void Task::pause() {
  paused_ = true;
  State expected = State::kRunning;
  state_.compare_exchange_strong(expected, State::kPaused);
}

void Task::resume() {
  {
    std::lock_guard lk(mu_);
    paused_ = false;
  }
  State expected = State::kPaused;
  state_.compare_exchange_strong(expected, State::kRunning);
  cv_.notify_all();
}

void Task::waitWhilePaused(int ms) {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::milliseconds(ms), [&] { return !paused_ || stopping_; });
}

std::string Task::trace() const {
  std::lock_guard lk(mu_);
  return trace_;
}

void Task::fail(const std::string& message) {
  {
    std::lock_guard lk(mu_);
    trace_ = message;
  }
  state_ = State::kFailed;
  SLUICE_LOG(tag_, log::Level::kError, "task failed: " + message);
  if (env_.metrics) env_.metrics->taskFailed(plan_->name, id_);
}

int64_t Task::flushIntervalMs() const {
  if (plan_->offsetFlushIntervalMs > 0) return plan_->offsetFlushIntervalMs;
  return env_.worker ? env_.worker->offsetFlushIntervalMs : 5000;
}

Status Task::setUpPipeline(const char* kind,
                           std::function<std::optional<std::string>(const std::string&)> offsetReader) {
  keyConv_ = makeConverter(plan_->keyConverter);
  valueConv_ = makeConverter(plan_->valueConverter);
  rctx_.key = keyConv_.get();
  rctx_.value = valueConv_.get();
  if (env_.metrics) m_ = env_.metrics->task(plan_->name, id_, kind);
  PluginInstance::Args args;
  args.connectorName = plan_->name;
  args.taskId = id_;
  args.taskCount = plan_->taskCount;
  args.config = plan_->pluginConfig;
  args.logger = std::string("sluice.") + kind + "." + plan_->plugin->name;
  args.offsetReader = std::move(offsetReader);
  auto inst = PluginInstance::create(plan_->plugin, std::move(args));
  if (!inst) return inst.status();
  plugin_ = std::move(*inst);
  auto chain = TransformChain::create(*plan_, id_);
  if (!chain) return chain.status();
  chain_ = std::move(*chain);
  return Status::ok();
}

void Task::tearDownPipeline() {
  if (plugin_) (void)plugin_->stop();
  chain_.reset();
  plugin_.reset();
}

void retire(std::unique_ptr<Task> task) {
  if (!task) return;
  task->stop();
  if (task->abandoned()) {
    // Never destroyed, not even at exit: the thread may still be running.
    static auto* mu = new std::mutex;
    static auto* graveyard = new std::vector<std::unique_ptr<Task>>;
    std::lock_guard lk(*mu);
    graveyard->push_back(std::move(task));
  }
}

std::unique_ptr<Task> makeTask(std::shared_ptr<const config::ConnectorPlan> plan, int id, TaskEnv env) {
  if (plan->isSource()) return std::make_unique<SourceTask>(std::move(plan), id, env);
  return std::make_unique<SinkTask>(std::move(plan), id, env);
}

}  // namespace sluice::runtime
