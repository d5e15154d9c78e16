#include "host/task/source_task.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "host/metrics/kafka_probes.h"
#include "host/pipeline/retry.h"

namespace sluice::runtime {
namespace {
using Clock = std::chrono::steady_clock;
constexpr uint32_t kMaxBatch = 2000;
constexpr uint32_t kPollTimeoutMs = 100;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

SourceTask::~SourceTask() {
  stop();
  tearDown();
}

Status SourceTask::setUp() {
  state::CheckpointStore* store = env_.offsets;
  std::string name = plan_->name;
  if (auto s = setUpPipeline("source", [store, name](const std::string& partition) {
        return store->getOffset(name, partition);
      }); !s)
    return s;

  auto settings = env_.kafka->producerSettings();
  settings["client.id"] = "connector-producer-" + plan_->name + "-" + std::to_string(id());
  auto producer = kafka::newClient(RD_KAFKA_PRODUCER, settings, [this](rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, &SourceTask::onDelivery);
    rd_kafka_conf_set_opaque(conf, this);
  });
  if (!producer) return producer.status();
  producer_ = *producer;
  m_.queueCapacity = metrics::producerQueueCapacity(producer_);

  if (!plan_->defaultTopic.empty()) {
    if (auto t = ensureTopic(plan_->defaultTopic); !t) return t.status();
  }
  if (dlq_)
    if (auto s = dlq_->open(producer_); !s) return s;
  return plugin_->start();
}

void SourceTask::tearDown() {
  tearDownPipeline();
  for (auto& [name, handle] : topics_) rd_kafka_topic_destroy(handle);
  topics_.clear();
  lastTopic_ = {};
  lastTopicHandle_ = nullptr;
  if (producer_) {
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
}

Result<rd_kafka_topic_t*> SourceTask::ensureTopic(const std::string& topic) {
  if (lastTopicHandle_ && topic == lastTopic_) return lastTopicHandle_;
  if (auto it = topics_.find(topic); it != topics_.end()) {
    lastTopic_ = it->first;
    lastTopicHandle_ = it->second;
    return it->second;
  }
  bool create = env_.kafka->embedded() || plan_->topicCreationPartitions != -1 ||
                plan_->topicCreationReplicationFactor != -1;
  if (create) {
    if (auto s = env_.kafka->ensureTopic(topic, plan_->topicCreationPartitions,
                                         plan_->topicCreationReplicationFactor); !s)
      return s;
  } else {
    // As in Kafka Connect, without topic.creation.* the topic is the broker's
    // business: it exists or the broker auto-creates it. A metadata request
    // from a producer-type client asks for that auto-creation; if the topic
    // never appears, say so now instead of letting records time out later.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      auto n = env_.kafka->partitionCount(topic);
      if (n) break;
      if (Clock::now() >= deadline || stopping())
        return Status::fatal("topic '" + topic + "' does not exist and may not be created: the broker does not "
                             "auto-create it and the connector sets neither "
                             "topic.creation.default.partitions nor topic.creation.default.replication.factor");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  rd_kafka_topic_t* handle = rd_kafka_topic_new(producer_, topic.c_str(), nullptr);
  if (!handle)
    return Status::fatal("cannot use topic '" + topic + "': " + rd_kafka_err2str(rd_kafka_last_error()));
  auto it = topics_.emplace(topic, handle).first;
  lastTopic_ = it->first;
  lastTopicHandle_ = handle;
  return handle;
}

void SourceTask::onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<SourceTask*>(opaque);
  auto* entry = static_cast<OffsetTracker::Entry*>(msg->_private);
  if (msg->err) {
    // Never acknowledged: the offset can't pass this record, so nothing after
    // it is committed and a restart re-delivers it.
    if (self->deliveryError_.empty())
      self->deliveryError_ = std::string("delivery to ") + rd_kafka_topic_name(msg->rkt) +
                             " failed: " + rd_kafka_err2str(msg->err);
    return;
  }
  const char* topic = rd_kafka_topic_name(msg->rkt);
  bool deadLetter = self->dlq_ && self->dlq_->enabled() && self->dlq_->topic() == topic;
  if (!deadLetter) self->topicUsed(topic);  // KIP-558: once Kafka has a record
  if (self->m_.recordsOut && !deadLetter) {
    self->m_.recordsOut->Increment();
    self->m_.bytesOut->Increment(static_cast<double>(msg->len + msg->key_len));
  }
  if (int64_t us = rd_kafka_message_latency(msg); us >= 0) self->m_.ackSeconds.observe(static_cast<double>(us) / 1e6);
  if (entry) self->settle(entry, deadLetter ? nullptr : msg);
}

void SourceTask::settle(OffsetTracker::Entry* e, const rd_kafka_message_t* written) {
  // Delivery reports are served on this thread (rd_kafka_poll/flush) between
  // plugin calls, so the hook never runs inside another one.
  if (plugin_ && plugin_->wantsCommitRecord() && commitRecordError_.empty()) {
    sluice_record rec{};
    rec.struct_size = sizeof(rec);
    rec.partition = -1;
    rec.offset = -1;
    if (written) {
      const char* topic = rd_kafka_topic_name(written->rkt);
      rec.topic = {topic, std::strlen(topic)};
      rec.partition = written->partition;
      rec.offset = written->offset;
      rd_kafka_timestamp_type_t type;
      int64_t ts = rd_kafka_message_timestamp(written, &type);
      rec.timestamp_ms = ts > 0 ? ts : 0;
    }
    rec.source_partition = {e->owner->name.data(), e->owner->name.size()};
    rec.source_offset = {e->offset.data(), e->offset.size()};
    if (Status s = plugin_->commitRecord(rec); !s) commitRecordError_ = "source plugin commitRecord failed: " + s.message();
  }
  tracker_.ack(e);
}

Status SourceTask::produce(Record& r) {
  auto topic = ensureTopic(r.topic);
  if (!topic) return topic.status();
  auto key = r.key.bytes(*rctx_.key);
  auto value = r.value.bytes(*rctx_.value);
  BlockedTime blocked(m_.blockedSeconds);
  rd_kafka_resp_err_t err = produceRecord(producer_,
                                          {.rkt = *topic, .partition = r.partition, .key = key, .value = value,
                                           .timestampMs = r.timestampMs, .headers = &r.headers, .opaque = r.tracking},
                                          queueFullPolicy(&blocked));
  if (!err) return Status::ok();
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return Status::retriable("producer queue still full at shutdown");
  std::string msg = std::string("cannot produce to ") + r.topic + ": " + rd_kafka_err2str(err);
  return isRecordFault(err) ? Status::invalid(msg) : Status::fatal(msg);
}

void SourceTask::collectOffsets() {
  for (auto& [p, o] : tracker_.takeCommittable()) uncommitted_[p] = std::move(o);
  if (m_.pending) m_.pending->Set(static_cast<double>(tracker_.pending()));
}

void SourceTask::commit(const char* origin) {
  auto start = Clock::now();
  bool dirtyState = opState_ && opState_->dirty();
  if (dirtyState && (batchCut_ || state() == State::kFailed)) {
    // Some records whose state is buffered were never produced (or never
    // acknowledged): committing that state, or offsets without it, would
    // break what the last checkpoint promises. A restart re-polls from there.
    SLUICE_LOG(tag_, log::Level::kWarn, "not committing: the task stopped mid-batch; it resumes from the last checkpoint");
    return;
  }
  int timeout = static_cast<int>(env_.worker ? env_.worker->taskShutdownTimeoutMs : 5000);
  // The barrier is for state: offsets alone are consistent at any moment
  // (only acknowledged records pass), so a task without buffered state
  // checkpoints what was acknowledged so far and never stands still.
  bool barrier = dirtyState;
  bool final = std::string_view(origin) == "shutdown";
  if (barrier || final) rd_kafka_flush(producer_, timeout);
  if (barrier && (rd_kafka_outq_len(producer_) > 0 || tracker_.pending() > 0)) {
    if (m_.checkpointFailures) m_.checkpointFailures->Increment();
    SLUICE_LOG(tag_, log::Level::kWarn, "checkpoint skipped: records still unacknowledged after " +
                                            std::to_string(timeout) + " ms; will try again");
    if (dirtyState) return;  // else no state is at stake: commit what was acknowledged
  }
  collectOffsets();
  if (uncommitted_.empty() && !(opState_ && opState_->dirty())) return;  // nothing new since the last one
  std::map<std::string, std::optional<std::string>> offsets(uncommitted_.begin(), uncommitted_.end());
  std::map<std::string, std::string> view = committed_;
  for (const auto& [p, o] : uncommitted_) view[p] = o;
  std::string json = "[";
  for (const auto& [p, o] : view) {
    if (json.size() > 1) json += ',';
    json += "{\"partition\":" + p + ",\"offset\":" + o + "}";
  }
  json += "]";
  // A failure is logged (rate-limited) and shown in the task's status by
  // commitCheckpoint; the next interval tries again.
  if (Status s = commitCheckpoint(std::move(offsets), json, origin, start); !s) return;
  committed_ = std::move(view);
  uncommitted_.clear();
}

void SourceTask::run() {
  if (Status s = setUp(); !s) {
    fail(s.message());
    tearDown();
    return;
  }
  SLUICE_LOG(tag_, log::Level::kInfo, "source task started");
  std::vector<Record> batch;
  batch.reserve(kMaxBatch);
  EmitTarget target;
  target.out = &batch;
  target.defaultTopic = &plan_->defaultTopic;
  target.rctx = &rctx_;
  target.textValues = textValueConverter(plugin_->textValues(), valueConv_.get());
  auto lastCommit = Clock::now();
  RetryOperator retry(*plan_, tag_, "poll", "", m_.retries);
  // Under a rate limit, small polls keep the flow smooth.
  uint32_t maxBatch = plan_->rateLimit > 0
                          ? static_cast<uint32_t>(std::clamp<double>(plan_->rateLimit / 10, 1, kMaxBatch))
                          : kMaxBatch;
  while (!stopping()) {
    rd_kafka_poll(producer_, 0);
    m_.ackSeconds.flush();  // metrics, once per batch
    m_.queueLength(rd_kafka_outq_len(producer_));
    if (!deliveryError_.empty() || !commitRecordError_.empty()) {
      fail(!deliveryError_.empty() ? deliveryError_ : commitRecordError_);
      break;
    }
    if (std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lastCommit).count() >= commitIntervalMs()) {
      commit("periodic");
      lastCommit = Clock::now();
    }
    if (paused()) {
      collectOffsets();
      waitWhilePaused(100);
      continue;
    }
    batch.clear();
    target.refused = 0;
    auto pollStart = Clock::now();
    Status s = plugin_->poll(target, maxBatch, kPollTimeoutMs);
    m_.call(secondsSince(pollStart), batch.size());
    if (!s) {
      if (m_.errorsPoll) m_.errorsPoll->Increment();
      if (s.code() == Status::Code::kRetriable) {
        auto next = retry.failed(s, Clock::now());
        if (next.giveUp) {
          fail("source plugin " + next.why);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(next.delayMs));
        continue;
      }
      fail("source plugin poll failed: " + s.message());
      break;
    }
    retry.succeeded();
    if (target.refused) {
      fail("source plugin emitted an invalid record: " + target.lastRefusal);
      break;
    }
    if (batch.empty()) continue;
    countIn(batch);
    observeEventTimes(batch);
    // Track offsets in poll order before transforms run: a record a transform
    // drops still moves its source offset forward once everything before it
    // is acknowledged.
    for (auto& r : batch)
      if (r.sourcePartition) r.tracking = tracker_.add(*r.sourcePartition, std::move(r.sourceOffset));
    Status ts = Status::ok();
    if (!plan_->toleranceAll) {
      ts = transformAll(batch);
    } else {
      // errors.tolerance=all: a record a stage refuses goes, as the plugin
      // emitted it, to the dead letter queue; its source offset passes only
      // once Kafka acknowledged that write.
      ts = transformTolerating(batch, [&](Record& r, OriginalRecord o, const ErrorContext& why) {
        bool toDlq = dlq_ && dlq_->enabled();
        Status dead = deadLetter(o, why, toDlq ? r.tracking : nullptr);
        if (toDlq) r.tracking = nullptr;  // acknowledged with the dead letter
        return dead;
      });
    }
    if (!ts) {
      // A dead letter that found no room in the producer queue before the
      // shutdown timeout: the batch is cut, as when its records find none.
      if (ts.code() == Status::Code::kRetriable && stopping()) batchCut_ = true;
      else fail(ts.message());
      break;
    }
    size_t live = 0;
    for (const auto& r : batch) live += r.dropped ? 0 : 1;
    rateLimit(live);
    // The whole batch is produced even when a stop arrives meanwhile: its
    // state is already in the buffer, and a checkpoint needs both.
    bool failed = false;
    for (auto& r : batch) {
      if (r.dropped) {
        if (r.tracking) settle(static_cast<OffsetTracker::Entry*>(r.tracking), nullptr);
        continue;
      }
      Status ps = produce(r);
      if (!ps && ps.code() == Status::Code::kInvalid && plan_->toleranceAll) {
        // The broker side refused this record (too large, unknown partition):
        // the record's fault, so it goes to the dead letter queue.
        if (m_.errorsProduce) m_.errorsProduce->Increment();
        OriginalRecord o = snapshotSerialized(r, rctx_);
        bool toDlq = dlq_ && dlq_->enabled();
        ps = deadLetter(o, {"KAFKA_PRODUCE", "producer", ps.message()}, toDlq ? r.tracking : nullptr);
        if (ps && !toDlq && r.tracking) settle(static_cast<OffsetTracker::Entry*>(r.tracking), nullptr);
      }
      if (!ps) {
        batchCut_ = true;
        if (ps.code() != Status::Code::kRetriable) fail(ps.message() + describeRecord(r));
        failed = true;
        break;
      }
    }
    if (failed) break;
  }
  // Shut down: wait for acknowledgements (bounded), commit what they allow.
  if (producer_) commit("shutdown");
  m_.ackSeconds.flush();  // metrics: acknowledgements served by the final flush
  SLUICE_LOG(tag_, log::Level::kInfo, "source task stopped; " + std::to_string(tracker_.pending()) + " records unacknowledged");
  tearDown();
}

}  // namespace sluice::runtime
