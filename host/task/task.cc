#include "host/task/task.h"

#include <boost/json.hpp>

#include <pthread.h>

#include <chrono>
#include <vector>

#include "host/abi/crash_guard.h"

namespace sluice::runtime {
namespace {
int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

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
    : plan_(std::move(plan)), env_(env), tag_{"sluice.task", plan_->name, id}, id_(id) {
  if (env_.metrics)  // metrics: this task's state while it lives
    watch_ = env_.metrics->watchTask(plan_->name, id_, plan_->isSource() ? "source" : "sink",
                                     [this] { return stateName(state()); });
}

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
  // Otherwise the thread keeps the name of the one that started it (a REST
  // worker, "civetweb-worker") in top, perf and gdb. Linux allows 15 bytes.
  std::string name = plan_->name.substr(0, 10) + "-" + std::to_string(id_);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  useAlternateSignalStack();  // a plugin's stack overflow is recorded too
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
    watch_.reset();  // metrics: no longer one of this worker's tasks
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

std::optional<Task::CheckpointTrouble> Task::checkpointTrouble() const {
  std::lock_guard lk(mu_);
  return checkpointTrouble_;
}

void Task::noteCheckpoint(const Status& result) {
  auto now = std::chrono::steady_clock::now();
  std::unique_lock lk(mu_);
  if (result) {
    if (!checkpointTrouble_) return;
    auto t = *checkpointTrouble_;
    checkpointTrouble_.reset();
    lk.unlock();
    SLUICE_LOG(tag_, log::Level::kInfo, "checkpoints succeed again, after " + std::to_string(t.failures) +
                                            " failed attempt(s) over " +
                                            std::to_string((wallMs() - t.sinceMs) / 1000) + " s");
    return;
  }
  bool first = !checkpointTrouble_;
  if (first) checkpointTrouble_ = CheckpointTrouble{wallMs(), 0, ""};
  ++checkpointTrouble_->failures;
  checkpointTrouble_->error = result.message();
  bool log = first || now - checkpointTroubleLogged_ >= std::chrono::seconds(30);
  if (!log) return;
  checkpointTroubleLogged_ = now;
  auto t = *checkpointTrouble_;
  lk.unlock();
  SLUICE_LOG(tag_, log::Level::kError,
             "checkpoint failed (" + std::to_string(t.failures) + " failed attempt(s) since " +
                 std::to_string((wallMs() - t.sinceMs) / 1000) +
                 " s ago; records keep flowing and the commit is retried every interval; until one succeeds, "
                 "a restart resumes from the last checkpoint): " + t.error);
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

bool Task::checkpointsOn() const {
  int64_t ms = plan_->checkpointIntervalMs >= 0 ? plan_->checkpointIntervalMs
                                                : (env_.worker ? env_.worker->checkpointIntervalMs : 0);
  return ms > 0;
}

int64_t Task::commitIntervalMs() const {
  if (!checkpointsOn()) return flushIntervalMs();
  return plan_->checkpointIntervalMs >= 0 ? plan_->checkpointIntervalMs : env_.worker->checkpointIntervalMs;
}

void Task::observeEventTimes(std::vector<Record>& batch) {
  int64_t before = maxEventMs_;
  if (plan_->watermarkField.empty()) {
    for (const auto& r : batch) maxEventMs_ = std::max(maxEventMs_, r.timestampMs);
  } else {
    for (auto& r : batch) {
      Status err;
      const boost::json::value* v = r.value.doc(*rctx_.value, &err);
      size_t start = 0;
      const std::string& f = plan_->watermarkField;
      while (v && start <= f.size()) {
        size_t dot = f.find('.', start);
        std::string_view seg(f.data() + start, (dot == std::string::npos ? f.size() : dot) - start);
        v = v->is_object() ? v->as_object().if_contains(seg) : nullptr;
        start = dot == std::string::npos ? f.size() + 1 : dot + 1;
      }
      if (v && v->is_int64()) maxEventMs_ = std::max(maxEventMs_, v->as_int64());
      else if (v && v->is_uint64()) maxEventMs_ = std::max(maxEventMs_, static_cast<int64_t>(v->as_uint64()));
      else if (v && v->is_double()) maxEventMs_ = std::max(maxEventMs_, static_cast<int64_t>(v->as_double()));
    }
  }
  if (maxEventMs_ == before || maxEventMs_ == INT64_MIN) return;
  watermarkMs_ = maxEventMs_ - plan_->watermarkLatenessMs;
  if (m_.watermark) m_.watermark->Set(static_cast<double>(watermarkMs_) / 1000.0);
}

void Task::countIn(const std::vector<Record>& batch) {
  if (!m_.recordsIn) return;
  size_t bytes = 0;
  for (const auto& r : batch) {
    if (const auto& k = r.key.rawBytes()) bytes += k->size();
    if (const auto& v = r.value.rawBytes()) bytes += v->size();
  }
  m_.recordsIn->Increment(static_cast<double>(batch.size()));
  m_.bytesIn->Increment(static_cast<double>(bytes));
}

Status Task::commitCheckpoint(std::map<std::string, std::optional<std::string>> offsets,
                              const std::string& offsetsJson, const char* origin,
                              std::chrono::steady_clock::time_point barrierStart) {
  state::Commit c;
  c.connector = plan_->name;
  c.task = id_;
  c.offsets = std::move(offsets);
  c.state = opState_ ? opState_->take() : decltype(c.state){};
  c.checkpoint = checkpointsOn();
  c.origin = origin;
  c.watermarkMs = watermarkMs_;
  c.offsetsJson = offsetsJson;
  if (c.offsets.empty() && c.state.empty()) return Status::ok();  // nothing new: no empty checkpoints
  state::Retention keep;
  keep.count = static_cast<size_t>(plan_->checkpointRetain > 0 ? plan_->checkpointRetain
                                                               : (env_.worker ? env_.worker->checkpointRetain : 100));
  keep.maxAgeMs = plan_->checkpointRetainMs >= 0 ? plan_->checkpointRetainMs
                                                 : (env_.worker ? env_.worker->checkpointRetainMs : 0);
  size_t stateBytes = 0;
  for (const auto& [k, v] : c.state) stateBytes += k.size() + (v ? v->size() : 0);
  auto committed = env_.offsets->commit(c, keep);
  if (!committed) {
    // The writes are not lost: put them back for the next attempt.
    if (opState_)
      for (auto& [k, v] : c.state) {
        if (v) opState_->put(k, std::move(*v));
        else opState_->erase(k);
      }
    // Counted before the status shows it: whoever sees the status sees the count.
    if (m_.checkpointFailures) m_.checkpointFailures->Increment();
    if (m_.offsetCommitFailures) m_.offsetCommitFailures->Increment();
    noteCheckpoint(committed.status());
    return committed.status();
  }
  noteCheckpoint(committed.status());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - barrierStart).count();
  if (m_.offsetCommits) m_.offsetCommits->Increment();
  if (m_.checkpoints) {
    m_.checkpoints->Increment();
    m_.checkpointSeconds->Observe(secs);
    m_.checkpointPauseSeconds->Increment(secs);
    m_.checkpointBytes->Set(static_cast<double>(stateBytes + offsetsJson.size()));
  }
  return Status::ok();
}

void Task::rateLimit(size_t n) {
  if (!env_.limiter || !env_.limiter->enabled()) return;
  double waited = env_.limiter->acquire(static_cast<double>(n), [this] { return stopping(); });
  if (waited > 0 && m_.rateLimitWaitSeconds) m_.rateLimitWaitSeconds->Increment(waited);
}

Status Task::transformAll(std::vector<Record>& batch) { return chain_->apply(batch); }

Status Task::transformTolerating(std::vector<Record>& batch, const ErrantReporter& report) {
  // The originals are kept only where they can go somewhere.
  std::vector<OriginalRecord> originals;
  if (dlq_ && dlq_->enabled()) {
    originals.reserve(batch.size());
    for (auto& r : batch) originals.push_back(snapshot(r));
  }
  Status reported = Status::ok();
  Status s = chain_->applyEach(batch, [&](Record& r, const Status& err) {
    if (m_.errorsTransform) m_.errorsTransform->Increment();
    size_t i = static_cast<size_t>(&r - batch.data());
    if (reported) reported = report(r, i < originals.size() ? originals[i] : snapshot(r), {"TRANSFORMATION", "transforms", err.message()});
  });
  if (!s) return Status::fatal(s.message());
  return reported;
}

Status Task::putReportingErrant(std::vector<Record>& records, const ErrantReporter& report) {
  PluginBatch& pb = views_;
  pb.fill(records, rctx_);
  Status failed = Status::ok();
  plugin_->setErrantReporter([&](const sluice_record* rec, std::string why) -> Status {
    auto i = pb.indexOf(rec);
    // A plugin bug: whatever record it meant, the host cannot tell which,
    // so the put fails rather than lose or misfile that record (the fatal
    // answer is the instance's fault: the put fails even if the plugin
    // ignores it, see plugin_instance.h).
    if (!i) return Status::fatal("host_report_errant got " + pb.whyNotInBatch(rec) + "; a bug in the plugin");
    Record& r = records[*i];
    if (r.errantReported) return Status::ok();  // reported in an earlier attempt
    r.errantReported = true;
    if (m_.errorsPut) m_.errorsPut->Increment();
    if (!failed) return failed;
    failed = report(r, snapshotSerialized(r, rctx_), {"TASK_PUT", plan_->plugin->name, why});
    return failed;
  });
  Status s = plugin_->put(pb.ptrs());
  plugin_->setErrantReporter({});
  return failed ? s : failed;
}

QueueFullPolicy Task::queueFullPolicy(BlockedTime* blocked) const {
  return {.stopping = &stopping_, .shutdownMs = env_.worker ? env_.worker->taskShutdownTimeoutMs : 5000, .blocked = blocked};
}

Status Task::deadLetter(const OriginalRecord& original, const ErrorContext& why, void* opaque) {
  if (plan_->errorsLogEnable) {
    std::string where = plan_->errorsLogIncludeMessages && original.offset >= 0
                            ? " (" + original.topic + "-" + std::to_string(original.partition) + "@" +
                                  std::to_string(original.offset) + ")"
                            : "";
    SLUICE_LOG(tag_, log::Level::kWarn, "record failed in " + why.stage + where + ": " + why.message +
                                            (dlq_ && dlq_->enabled() ? " (sent to the dead letter queue)" : " (skipped)"));
  }
  if (!dlq_ || !dlq_->enabled()) {
    if (m_.recordsSkipped) m_.recordsSkipped->Increment();
    return Status::ok();
  }
  if (auto s = dlq_->send(original, why, opaque); !s) return s;
  if (m_.dlqRecords) m_.dlqRecords->Increment();
  return Status::ok();
}

Status Task::decodeTolerating(std::vector<Record>& batch, const ErrantReporter& report) {
  const Converter* text = textValueConverter(plugin_->textValues(), valueConv_.get());
  if (!text) return Status::ok();
  return decodeTextValues(batch, *text, [&](Record& r, const Status& err) {
    return report(r, snapshotSerialized(r, rctx_), {"VALUE_CONVERTER", text->name(), err.message()});
  });
}

Status Task::giveUpBatch(std::vector<Record>& records, const std::string& why, const ErrantReporter& report) {
  for (auto& r : records) {
    if (r.dropped || r.errantReported) continue;  // reported ones are in the DLQ already
    if (Status d = report(r, snapshotSerialized(r, rctx_), {"TASK_PUT", plan_->plugin->name, why}); !d) return d;
  }
  return Status::ok();
}

Status Task::setUpPipeline(const char* kind,
                           std::function<std::optional<std::string>(const std::string&)> offsetReader) {
  opState_ = std::make_unique<StateBuffer>(env_.offsets, plan_->name);
  if (env_.kafka) {
    dlq_ = std::make_unique<DeadLetterQueue>(*plan_, id_, *env_.kafka);
    dlq_->setQueueFullPolicy(queueFullPolicy(nullptr));
  }
  // The watermark continues from this task's last checkpoint.
  if (env_.offsets)
    for (const auto& ck : env_.offsets->checkpoints(plan_->name))
      if (ck.task == id_) {
        watermarkMs_ = ck.watermarkMs;
        if (watermarkMs_ != INT64_MIN) maxEventMs_ = watermarkMs_ + plan_->watermarkLatenessMs;
        break;
      }
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
  args.state = opState_.get();
  args.instanceName = "connector";
  args.watermark = &watermarkMs_;
  auto inst = PluginInstance::create(plan_->plugin, std::move(args));
  if (!inst) return inst.status();
  plugin_ = std::move(*inst);
  auto chain = TransformChain::create(*plan_, id_, {opState_.get(), &watermarkMs_, &rctx_});
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

}  // namespace sluice::runtime
