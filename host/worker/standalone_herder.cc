#include "host/worker/standalone_herder.h"

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/pipeline/sink_offsets.h"

namespace sluice::runtime {
namespace {
const log::Tag kTag{"sluice.herder", "", -1};

bool validTargetState(const std::string& s) { return s == "RUNNING" || s == "PAUSED" || s == "STOPPED"; }
}  // namespace

StandaloneHerder::StandaloneHerder(const config::WorkerConfig& wc, const loader::Registry& registry,
                                   state::CheckpointStore& offsets, state::ConfigStore& configs, kafka::Env& kafka,
                                   metrics::Metrics& metrics)
    : wc_(wc), registry_(registry), offsets_(offsets), configs_(configs), kafka_(kafka), metrics_(metrics),
      worker_(wc, offsets, kafka, metrics) {}

StandaloneHerder::~StandaloneHerder() { shutdown(); }

StandaloneHerder::Connector* StandaloneHerder::find(const std::string& name) {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : it->second.get();
}
const StandaloneHerder::Connector* StandaloneHerder::find(const std::string& name) const {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : it->second.get();
}

config::ValidationResult StandaloneHerder::validate(const std::string& name, const config::ConfigMap& cfg) const {
  return config::validateConnector(registry_, name, cfg, true, wc_.connectorDefaults);
}

void StandaloneHerder::startTasks(Connector& c) {
  if (!c.plan || c.targetState == "STOPPED") return;
  worker_.startTasks(c.name, c.plan, c.targetState == "PAUSED");
}

void StandaloneHerder::stopTasks(Connector& c) { worker_.stopTasks(c.name); }

Status StandaloneHerder::persist(const Connector& c) {
  return configs_.putConnector(state::ConfigStore::Entry{c.name, c.config, c.targetState});
}

ConnectorInfo StandaloneHerder::infoOf(const Connector& c) const {
  ConnectorInfo i;
  i.name = c.name;
  i.config = c.config;
  i.type = c.type;
  i.taskCount = c.plan && c.targetState != "STOPPED" ? c.plan->taskCount : 0;
  return i;
}

void StandaloneHerder::loadQuarantine(const std::string& path) {
  std::lock_guard lk(mu_);
  quarantineFile_ = path;
  std::ifstream in(path);
  for (std::string name, trace; std::getline(in, name) && std::getline(in, trace);) quarantined_[name] = trace;
}

namespace {
Status writeQuarantine(const std::string& path, const std::map<std::string, std::string>& entries) {
  if (path.empty()) return Status::ok();
  std::error_code ec;
  if (entries.empty()) {
    std::filesystem::remove(path, ec);
    return Status::ok();
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& [name, trace] : entries) out << name << "\n" << trace << "\n";
    if (!out.flush()) return Status::io("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  return ec ? Status::io("cannot write " + path + ": " + ec.message()) : Status::ok();
}
}  // namespace

void StandaloneHerder::quarantine(const std::string& name, const std::string& trace) {
  std::lock_guard lk(mu_);
  quarantined_[name] = trace;
  if (auto s = writeQuarantine(quarantineFile_, quarantined_); !s) SLUICE_LOG(kTag, log::Level::kError, s.message());
}

bool StandaloneHerder::quarantined(const std::string& name) const {
  std::lock_guard lk(mu_);
  return quarantined_.count(name) > 0;
}

void StandaloneHerder::unquarantine(const std::string& name) {
  if (!quarantined_.erase(name)) return;
  if (auto s = writeQuarantine(quarantineFile_, quarantined_); !s) SLUICE_LOG(kTag, log::Level::kError, s.message());
  SLUICE_LOG(kTag, log::Level::kInfo, "connector " + name + " is out of quarantine");
}

void StandaloneHerder::startStored() {
  std::lock_guard lk(mu_);
  for (auto& e : configs_.connectors()) {
    auto c = std::make_unique<Connector>();
    c->name = e.name;
    c->config = e.config;
    c->targetState = validTargetState(e.targetState) ? e.targetState : "RUNNING";
    auto v = config::validateConnector(registry_, e.name, e.config, true, wc_.connectorDefaults);
    if (v.plan.plugin) c->type = loader::kindName(v.plan.plugin->kind);
    if (auto q = quarantined_.find(e.name); q != quarantined_.end()) {
      c->failure = q->second;
      SLUICE_LOG(kTag, log::Level::kError, "connector " + e.name + " is quarantined, not started: " + c->failure);
    } else if (!v.ok()) {
      c->failure = v.message();
      SLUICE_LOG(kTag, log::Level::kError, "stored connector " + e.name + " cannot start: " + c->failure);
    } else {
      c->plan = std::make_shared<const config::ConnectorPlan>(std::move(v.plan));
      if (kafka_.embedded() && c->plan->isSink() && !offsets_.offsets(e.name).empty()) {
        // The embedded cluster's topics died with the last process: offsets
        // into them mean nothing now (they would skip records of the new
        // topics), so the sink starts from the beginning, as its group does.
        (void)offsets_.clearHistory(e.name);
        (void)offsets_.clearOffsets(e.name);
        SLUICE_LOG(kTag, log::Level::kInfo, "embedded cluster: sink " + e.name + " starts at the beginning of its new topics");
      }
      startTasks(*c);
      SLUICE_LOG(kTag, log::Level::kInfo, "resumed connector " + e.name + " (" + c->targetState + ")");
    }
    connectors_[e.name] = std::move(c);
  }
  metrics_.setConnectorCount(static_cast<double>(connectors_.size()));
}

Result<ConnectorInfo> StandaloneHerder::create(const std::string& name, const config::ConfigMap& cfg,
                                     const std::string& initialState) {
  if (!validTargetState(initialState))
    return Status::invalid("initial_state must be RUNNING, PAUSED or STOPPED, got '" + initialState + "'");
  std::lock_guard lk(mu_);
  if (shutDown_) return Status::retriable("worker is shutting down");
  if (find(name)) return Status::conflict("Connector " + name + " already exists");
  auto v = config::validateConnector(registry_, name, cfg, true, wc_.connectorDefaults);
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

Result<ConnectorInfo> StandaloneHerder::put(const std::string& name, const config::ConfigMap& cfg, bool* created) {
  {
    std::lock_guard lk(mu_);
    *created = find(name) == nullptr;
  }
  if (*created) return create(name, cfg);
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  auto v = config::validateConnector(registry_, name, cfg, true, wc_.connectorDefaults);
  if (!v.ok()) return Status::invalid(v.message());
  stopTasks(*c);
  unquarantine(name);  // a new config is the operator's answer to the crash
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

Status StandaloneHerder::remove(const std::string& name) {
  Worker::Removed tasks;
  {
    std::lock_guard lk(mu_);
    auto it = connectors_.find(name);
    if (it == connectors_.end()) return Status::notFound("Connector " + name + " not found");
    if (auto s = configs_.removeConnector(name); !s) return s;
    unquarantine(name);
    connectors_.erase(it);
    tasks = worker_.removeConnector(name);
    metrics_.setConnectorCount(static_cast<double>(connectors_.size()));
  }
  tasks.stop();  // outside the lock: the others stay readable while its tasks stop
  SLUICE_LOG(kTag, log::Level::kInfo, "deleted connector " + name);
  return Status::ok();
}

Status StandaloneHerder::pause(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (c->targetState == "PAUSED") return Status::ok();
  if (c->targetState == "STOPPED") {
    c->targetState = "PAUSED";
    startTasks(*c);
  } else {
    c->targetState = "PAUSED";
    worker_.pauseTasks(name);
  }
  return persist(*c);
}

Status StandaloneHerder::resume(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (c->targetState == "RUNNING") return Status::ok();
  bool wasStopped = c->targetState == "STOPPED";
  c->targetState = "RUNNING";
  if (wasStopped) startTasks(*c);
  else worker_.resumeTasks(name);
  return persist(*c);
}

Status StandaloneHerder::stopConnector(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  c->targetState = "STOPPED";
  stopTasks(*c);
  return persist(*c);
}

Status StandaloneHerder::restart(const std::string& name, bool includeTasks, bool onlyFailed) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  // The connector itself only holds its validated plan: restarting it means
  // validating its config again, which is what brings back a connector that
  // failed (e.g. a plugin missing at startup that has since been installed).
  if (!c->failure.empty() || !c->plan) {
    unquarantine(name);
    auto v = config::validateConnector(registry_, name, c->config, true, wc_.connectorDefaults);
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
  worker_.restartTasks(name, onlyFailed);
  return Status::ok();
}

Status StandaloneHerder::restartTask(const std::string& name, int task) {
  std::lock_guard lk(mu_);
  if (!find(name)) return Status::notFound("Connector " + name + " not found");
  return worker_.restartTask(name, task);
}

Result<std::set<std::string>> StandaloneHerder::activeTopics(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return worker_.activeTopics(name);
}

Status StandaloneHerder::resetActiveTopics(const std::string& name) {
  std::lock_guard lk(mu_);
  if (!find(name)) return Status::notFound("Connector " + name + " not found");
  worker_.resetActiveTopics(name);
  return Status::ok();
}

Result<std::vector<StandaloneHerder::OffsetEntry>> StandaloneHerder::offsets(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (!c->plan) return Status::conflict("Connector " + name + " has failed; its offsets cannot be read: " + c->failure);
  return offsetsOf(*c);
}

Result<std::vector<StandaloneHerder::OffsetEntry>> StandaloneHerder::offsetsOf(const Connector& c) const {
  std::vector<OffsetEntry> out;
  // Sources keep their offsets in the store; sinks too, written with their
  // state at each checkpoint. A sink that never checkpointed here (e.g.
  // created before Sluice kept sink offsets) shows its group's offsets.
  for (const auto& [p, o] : offsets_.offsets(c.name)) out.push_back({p, o});
  if (c.plan->isSource() || !out.empty()) return out;
  std::vector<std::string> topics = c.plan->topics;
  if (topics.empty()) {
    auto active = worker_.activeTopics(c.name);  // topics.regex: what it was assigned
    topics.assign(active.begin(), active.end());
  }
  auto committed = kafka_.committedOffsets("connect-" + c.name, topics);
  if (!committed) return committed.status();
  for (const auto& co : *committed)
    out.push_back({sinkPartitionKey(co.topic, co.partition), "{\"kafka_offset\":" + std::to_string(co.offset) + "}"});
  return out;
}

bool StandaloneHerder::historyOn(const Connector& c) const {
  int64_t ms = c.plan && c.plan->checkpointIntervalMs >= 0 ? c.plan->checkpointIntervalMs : wc_.checkpointIntervalMs;
  return ms > 0;
}

Result<std::map<std::string, std::optional<std::string>>> StandaloneHerder::parseEntries(
    const Connector& c, const std::vector<OffsetEntry>& entries) const {
  namespace json = boost::json;
  std::map<std::string, std::optional<std::string>> out;
  // Partition counts, one metadata request per topic (not per entry).
  std::map<std::string, std::optional<int>> counts;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::string where = "offsets[" + std::to_string(i) + "]";
    boost::system::error_code ec;
    json::value part = json::parse(e.partition, ec);
    if (ec || !part.is_object() || part.as_object().empty())
      return Status::invalid(where + ".partition must be a non-empty JSON object");
    json::value off = json::parse(e.offset, ec);
    if (ec || !(off.is_object() || off.is_null()))
      return Status::invalid(where + ".offset must be a JSON object or null");
    if (c.plan->isSink()) {
      const auto& po = part.as_object();
      auto* t = po.if_contains("kafka_topic");
      auto* p = po.if_contains("kafka_partition");
      if (!t || !t->is_string() || t->as_string().empty() || !p || !p->is_int64() || p->as_int64() < 0 || po.size() != 2)
        return Status::invalid(where + ".partition of a sink connector must be {\"kafka_topic\": string, "
                               "\"kafka_partition\": non-negative integer}");
      if (off.is_object()) {
        auto* o = off.as_object().if_contains("kafka_offset");
        if (!o || !o->is_int64() || o->as_int64() < 0 || off.as_object().size() != 1)
          return Status::invalid(where + ".offset of a sink connector must be {\"kafka_offset\": non-negative integer} or null");
      }
      std::string topic(t->as_string());
      // As Connect: offsets of a topic-partition that does not exist are
      // refused (removing one, null, is fine: the topic may be gone).
      if (!off.is_null() && !counts.count(topic)) {
        auto n = kafka_.existingPartitionCount(topic);
        counts[topic] = n ? std::optional<int>(*n) : std::nullopt;
      }
      std::optional<int> count = off.is_null() ? std::optional<int>(INT32_MAX) : counts.at(topic);
      if (!count || p->as_int64() >= *count)
        return Status::invalid(where + ".partition: " + topic + "-" + std::to_string(p->as_int64()) + " does not exist" +
                               (count ? " (the topic has " + std::to_string(*count) + " partition(s))" : " (no such topic)"));
      std::string key = sinkPartitionKey(topic, static_cast<int32_t>(p->as_int64()));
      out[key] = off.is_null() ? std::nullopt : std::optional<std::string>(json::serialize(off));
    } else {
      auto key = jsonutil::canonical(e.partition);
      if (!key) return Status::invalid(where + ".partition is not valid JSON");
      out[*key] = off.is_null() ? std::nullopt : std::optional<std::string>(json::serialize(off));
    }
  }
  return out;
}

Status StandaloneHerder::writeOffsets(const Connector& c, std::map<std::string, std::optional<std::string>> offsets,
                            bool clearState, const char* origin) {
  state::Commit commit;
  commit.connector = c.name;
  commit.offsets = std::move(offsets);
  commit.origin = origin;
  commit.checkpoint = historyOn(c);
  commit.watermarkMs = INT64_MIN;
  if (clearState)
    offsets_.scanState(c.name, "", [&](std::string_view k, std::string_view) {
      commit.state[std::string(k)] = std::nullopt;
      return true;
    });
  std::string json = "[";
  for (const auto& [p, o] : commit.offsets) {
    if (json.size() > 1) json += ',';
    json += "{\"partition\":" + p + ",\"offset\":" + o.value_or("null") + "}";
  }
  commit.offsetsJson = json + "]";
  state::Retention keep;
  keep.count = static_cast<size_t>(c.plan->checkpointRetain > 0 ? c.plan->checkpointRetain : wc_.checkpointRetain);
  keep.maxAgeMs = c.plan->checkpointRetainMs >= 0 ? c.plan->checkpointRetainMs : wc_.checkpointRetainMs;
  auto r = offsets_.commit(commit, keep);
  if (!r) return r.status();
  if (c.plan->isSink()) {
    std::vector<kafka::Env::CommittedOffset> removed;
    for (const auto& [p, o] : commit.offsets) {
      if (o) continue;
      boost::system::error_code ec;
      auto v = boost::json::parse(p, ec);
      if (!ec) removed.push_back({std::string(v.at("kafka_topic").as_string()),
                                  static_cast<int32_t>(v.at("kafka_partition").as_int64()), 0});
    }
    if (auto s = kafka_.deleteGroupOffsets("connect-" + c.name, removed); !s)
      SLUICE_LOG(kTag, log::Level::kWarn, "connector " + c.name + ": " + s.message());
    mirrorGroupOffsets(c);
  }
  return Status::ok();
}

void StandaloneHerder::mirrorGroupOffsets(const Connector& c) {
  std::vector<kafka::Env::CommittedOffset> group;
  for (const auto& [p, o] : offsets_.offsets(c.name)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(p, ec);
    auto off = sinkOffsetValue(o);
    if (ec || !v.is_object() || !off) continue;
    group.push_back({std::string(v.at("kafka_topic").as_string()), static_cast<int32_t>(v.at("kafka_partition").as_int64()), *off});
  }
  // The store is what the tasks start from; the group follows for tools
  // that read it. A failure here is only a stale view for those tools.
  if (auto s = kafka_.commitGroupOffsets("connect-" + c.name, group); !s)
    SLUICE_LOG(kTag, log::Level::kWarn, "connector " + c.name + ": " + s.message());
}

namespace {
std::string notStoppedMessage(const std::string& name) {
  return "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the "
         "specified connector by issuing a 'PUT' request to the '/connectors/" + name + "/stop' endpoint";
}
}  // namespace

Status StandaloneHerder::alterOffsets(const std::string& name, const std::vector<OffsetEntry>& entries) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (!c->plan) return Status::conflict("Connector " + name + " has failed: " + c->failure);
  if (c->targetState != "STOPPED" || worker_.runsTasks(name)) return Status::invalid(notStoppedMessage(name));
  if (entries.empty()) return Status::invalid("The offsets to modify must not be empty");
  auto parsed = parseEntries(*c, entries);
  if (!parsed) return parsed.status();
  return writeOffsets(*c, std::move(*parsed), false, "alter");
}

Status StandaloneHerder::resetOffsets(const std::string& name) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (!c->plan) return Status::conflict("Connector " + name + " has failed: " + c->failure);
  if (c->targetState != "STOPPED" || worker_.runsTasks(name)) return Status::invalid(notStoppedMessage(name));
  auto current = offsetsOf(*c);
  if (!current) return current.status();
  std::map<std::string, std::optional<std::string>> removed;
  for (const auto& e : *current) removed[e.partition] = std::nullopt;
  return writeOffsets(*c, std::move(removed), true, "reset");
}

Result<std::vector<state::CheckpointInfo>> StandaloneHerder::checkpoints(const std::string& name) const {
  {
    std::lock_guard lk(mu_);
    if (!find(name)) return Status::notFound("Connector " + name + " not found");
  }
  return offsets_.checkpoints(name);
}

Result<DlqReplayReport> StandaloneHerder::replayDeadLetters(const std::string& name, const DlqReplayOptions& options) {
  std::shared_ptr<const config::ConnectorPlan> plan;
  {
    std::lock_guard lk(mu_);
    Connector* c = find(name);
    if (!c) return Status::notFound("Connector " + name + " not found");
    if (!c->plan) return Status::conflict("Connector " + name + " has failed: " + c->failure);
    if (!options.dryRun && !dlqReplays_.insert(name).second)
      return Status::conflict("A DLQ replay of connector " + name + " is already running");
    plan = c->plan;
  }
  // Outside the lock: a replay may take as long as its timeout.
  auto report = worker_.replayDeadLetters(std::move(plan), options);
  if (!options.dryRun) {
    std::lock_guard lk(mu_);
    dlqReplays_.erase(name);
  }
  if (report && !options.dryRun)
    SLUICE_LOG(kTag, log::Level::kInfo, "DLQ replay of connector " + name + ": " + std::to_string(report->replayed) +
                                            " replayed, " + std::to_string(report->succeeded) + " went through, " +
                                            std::to_string(report->failed) + " failed again, " +
                                            std::to_string(report->remaining) + " remaining");
  return report;
}

Result<StandaloneHerder::ReplayResult> StandaloneHerder::replay(const std::string& name, const ReplayTarget& t) {
  std::lock_guard lk(mu_);
  Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  if (!c->plan) return Status::conflict("Connector " + name + " has failed; it cannot be replayed: " + c->failure);
  int targets = t.checkpoint.has_value() + t.timestampMs.has_value() + t.offsets.has_value();
  if (targets != 1) return Status::invalid("give exactly one of \"checkpoint\", \"timestamp_ms\" or \"offsets\"");
  ReplayResult result;
  std::optional<std::map<std::string, std::optional<std::string>>> newOffsets;
  // Resolve and check the target completely before touching anything.
  if (t.timestampMs && c->plan->isSource()) {
    for (const auto& ck : offsets_.checkpoints(name))  // newest first
      if (ck.timeMs <= *t.timestampMs) {
        result.checkpoint = ck.id;
        break;
      }
    if (!result.checkpoint)
      return Status::invalid("connector " + name + " has no checkpoint at or before timestamp_ms " + std::to_string(*t.timestampMs));
  } else if (t.timestampMs) {
    // librdkafka's mock cluster keeps no time index: every lookup would say
    // "the end", and the replay would re-deliver nothing.
    if (kafka_.embedded())
      return Status::invalid("replay to a timestamp needs a real Kafka cluster: the embedded mock cluster (no "
                             "bootstrap.servers) cannot look offsets up by time; replay to a \"checkpoint\" or to "
                             "explicit \"offsets\" instead");
    std::vector<std::string> topics = c->plan->topics;
    if (topics.empty()) {
      auto active = worker_.activeTopics(name);
      topics.assign(active.begin(), active.end());
    }
    auto found = kafka_.offsetsForTimes(topics, *t.timestampMs);
    if (!found) return found.status();
    newOffsets.emplace();
    for (const auto& o : *found)
      (*newOffsets)[sinkPartitionKey(o.topic, o.partition)] = "{\"kafka_offset\":" + std::to_string(o.offset) + "}";
  } else if (t.checkpoint) {
    bool known = false;
    for (const auto& ck : offsets_.checkpoints(name)) known = known || ck.id == *t.checkpoint;
    if (!known) return Status::invalid("connector " + name + " has no checkpoint " + std::to_string(*t.checkpoint) +
                                       " (GET /connectors/" + name + "/checkpoints lists them)");
    result.checkpoint = t.checkpoint;
  } else {
    if (t.offsets->empty()) return Status::invalid("\"offsets\" must not be empty");
    auto parsed = parseEntries(*c, *t.offsets);
    if (!parsed) return parsed.status();
    newOffsets = std::move(*parsed);
  }

  stopTasks(*c);  // their last commits land first, so the rewind wins
  Status applied = Status::ok();
  if (result.checkpoint) {
    applied = offsets_.rewind(name, *result.checkpoint);
    result.state = "restored";
    if (applied && c->plan->isSink()) mirrorGroupOffsets(*c);
  } else {
    applied = writeOffsets(*c, std::move(*newOffsets), !t.keepState, "replay");
    result.state = t.keepState ? "kept" : "cleared";
  }
  startTasks(*c);
  if (!applied) return applied;
  SLUICE_LOG(kTag, log::Level::kInfo, "replayed connector " + name +
                                          (result.checkpoint ? " from checkpoint " + std::to_string(*result.checkpoint) : ""));
  auto now = offsetsOf(*c);
  if (now) result.offsets = std::move(*now);
  return result;
}

Result<StandaloneHerder::Savepoint> StandaloneHerder::savepoint() {
  namespace fs = std::filesystem;
  std::string base = wc_.savepointsDir.empty() ? wc_.stateDir + ".savepoints" : wc_.savepointsDir;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  static std::atomic<int> seq{0};
  Savepoint sp;
  sp.id = std::string("sp-") + stamp + "-" + std::to_string(++seq);
  std::error_code ec;
  sp.path = fs::absolute(fs::path(base) / sp.id, ec).lexically_normal().string();
  if (auto s = offsets_.savepoint(sp.path); !s) return s;
  SLUICE_LOG(kTag, log::Level::kInfo, "wrote savepoint " + sp.id + " to " + sp.path);
  return sp;
}

std::vector<std::string> StandaloneHerder::names() const {
  std::lock_guard lk(mu_);
  std::vector<std::string> out;
  for (const auto& [n, c] : connectors_) out.push_back(n);
  return out;
}

Result<ConnectorInfo> StandaloneHerder::info(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return infoOf(*c);
}

Result<config::ConfigMap> StandaloneHerder::configOf(const std::string& name) const {
  std::lock_guard lk(mu_);
  const Connector* c = find(name);
  if (!c) return Status::notFound("Connector " + name + " not found");
  return c->config;
}

Result<ConnectorStatus> StandaloneHerder::status(const std::string& name) const {
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
  s.tasks = worker_.taskStatuses(name);
  return s;
}

void StandaloneHerder::shutdown() {
  {
    std::lock_guard lk(mu_);
    if (shutDown_) return;
    shutDown_ = true;
    connectors_.clear();
  }
  worker_.shutdown();
}

}  // namespace sluice::runtime
