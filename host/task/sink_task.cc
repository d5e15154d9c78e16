#include "host/task/sink_task.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <regex>
#include <set>
#include <thread>

#include "host/abi/plugin_batch.h"
#include "host/metrics/kafka_probes.h"
#include "host/pipeline/consume.h"
#include "host/pipeline/retry.h"
#include "host/pipeline/sink_offsets.h"

namespace sluice::runtime {
namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBatch = 2000;
}  // namespace

SinkTask::~SinkTask() {
  stop();
  tearDown();
}

Status SinkTask::setUp() {
  if (auto s = setUpPipeline("sink"); !s) return s;
  if (auto s = plugin_->start(); !s) return s;
  if (dlq_)
    if (auto s = dlq_->open(nullptr); !s) return s;
  return openConsumer();
}

Status SinkTask::openConsumer() {
  auto settings = env_.kafka->consumerSettings("connect-" + plan_->name);
  settings["client.id"] = "connector-consumer-" + plan_->name + "-" + std::to_string(id());
  // Static membership (KIP-345): a task restarted after a crash rejoins as
  // the member it was and gets its partitions back at once, instead of the
  // group waiting out the dead member's session (45 s by default) and
  // handing partitions to it meanwhile. The id names the worker, so two
  // workers running a connector of the same name do not fence each other.
  // A consumer.group.instance.id of the worker config is the prefix instead.
  // Not on the embedded cluster, whose mock coordinator is for demos.
  if (!env_.kafka->embedded()) {
    auto given = settings.find("group.instance.id");
    std::string prefix = given != settings.end() ? given->second : "sluice-" + env_.workerId;
    settings["group.instance.id"] = prefix + "-" + plan_->name + "-" + std::to_string(id());
  }
  auto consumer = kafka::newClient(RD_KAFKA_CONSUMER, settings, [this](rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_rebalance_cb(conf, &SinkTask::onRebalance);
    rd_kafka_conf_set_opaque(conf, this);
  });
  if (!consumer) return consumer.status();
  consumer_ = *consumer;
  rd_kafka_poll_set_consumer(consumer_);
  if (m_.owner)
    lag_ = std::make_unique<metrics::LagProbe>(
        consumer_, [this](std::vector<metrics::PartitionLag> lags) { m_.consumerLag(std::move(lags)); }, 500,
        "lag-" + plan_->name);

  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  if (!plan_->topicsRegex.empty()) {
    std::string re = plan_->topicsRegex;
    if (re.front() != '^') re = "^" + re;
    rd_kafka_topic_partition_list_add(topics, re.c_str(), RD_KAFKA_PARTITION_UA);
  }
  for (const auto& t : plan_->topics) rd_kafka_topic_partition_list_add(topics, t.c_str(), RD_KAFKA_PARTITION_UA);
  auto e = rd_kafka_subscribe(consumer_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e) return Status::fatal(std::string("cannot subscribe: ") + rd_kafka_err2str(e));
  return Status::ok();
}

void SinkTask::tearDown() {
  // Messages must be destroyed before their consumer. The records kept here
  // stay (a batch being retried still defers the checkpoint on revocation),
  // with their bytes copied out.
  if (pending_)
    for (auto& r : pending_->records) r.releaseMessage();
  for (auto& r : prefetched_) r.releaseMessage();
  closeConsumer();
  tearDownPipeline();
}

void SinkTask::closeConsumer() {
  lag_.reset();  // joins the probe thread, which uses the consumer
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
    consumer_ = nullptr;
  }
  partitionsPaused_ = false;
}

Status SinkTask::replaceFatalConsumer() {
  char why[512] = "";
  rd_kafka_fatal_error(consumer_, why, sizeof why);
  // librdkafka raises a fatal error on a consumer that is no longer usable:
  // a static member fenced by a newer member with its group.instance.id,
  // which librdkafka itself causes when the session times out while the
  // broker is away (it rejoins as a new member). Connect's task would fail;
  // here the task checkpoints what was put, closes the consumer (revoking
  // its partitions, whose unput backlog is fetched again) and joins the group
  // with a new one, which starts from the checkpoint.
  SLUICE_LOG(tag_, log::Level::kWarn, std::string("the consumer hit a fatal error (") + why +
                                          "); replacing it with a new consumer, which resumes from the last checkpoint");
  // Fenced again and again: another member has this task's instance id
  // (two workers with the same worker id or consumer.group.instance.id).
  auto now = Clock::now();
  if (now - lastReplacement_ > kReplacementWindow) replacementsInWindow_ = 0;
  lastReplacement_ = now;
  if (++replacementsInWindow_ > kMaxReplacements)
    return Status::fatal(std::string("the consumer was fenced ") + std::to_string(kMaxReplacements) +
                         " times within a minute: another member of group connect-" + plan_->name +
                         " uses this task's group.instance.id (" + why + ")");
  if (Status s = flushAndCommit(true, "consumer replaced"); !s && state() != State::kFailed)
    SLUICE_LOG(tag_, log::Level::kDebug, "flush/commit before replacing the consumer: " + s.message());
  if (state() == State::kFailed) return Status::fatal("the task failed while replacing its consumer");
  // Operator state changed by records past the checkpoint would see them
  // again from the new consumer: the task restarts from its checkpoint
  // instead (state and offsets together).
  if (opState_ && opState_->dirty())
    return Status::fatal(std::string("the consumer hit a fatal error (") + why +
                         ") while operator state past the last checkpoint could not be checkpointed; "
                         "restart the task to resume from its checkpoint");
  for (auto& r : prefetched_) r.releaseMessage();
  prefetched_.clear();
  if (pending_)
    for (auto& r : pending_->records) r.releaseMessage();
  closeConsumer();
  // A fenced consumer's close does not always revoke: forget its partitions
  // here, as a revocation would. The backlog is fetched again.
  pending_.reset();
  putPositions_.clear();
  committedPositions_.clear();
  if (m_.consumerReplacements) m_.consumerReplacements->Increment();
  return openConsumer();
}

void SinkTask::onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
  auto* self = static_cast<SinkTask*>(opaque);
  bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    SLUICE_LOG(self->tag_, log::Level::kInfo, "assigned " + std::to_string(parts->cnt) + " partition(s)");
    if (self->m_.partitionsAssigned) self->m_.partitionsAssigned->Increment(parts->cnt);
    // The store's offsets, written with the operator state at the last
    // checkpoint, are where this connector stands; the group's offsets
    // follow them and may lag after a crash between the two writes.
    if (self->env_.offsets)
      for (int i = 0; i < parts->cnt; ++i) {
        auto& p = parts->elems[i];
        auto stored = self->env_.offsets->getOffset(self->plan_->name, sinkPartitionKey(p.topic, p.partition));
        if (auto off = stored ? sinkOffsetValue(*stored) : std::nullopt) p.offset = *off;
      }
    if (cooperative) {
      if (auto* e = rd_kafka_incremental_assign(rk, parts)) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk, parts);
      std::set<std::pair<std::string, int32_t>> all;
      for (int i = 0; i < parts->cnt; ++i) all.emplace(parts->elems[i].topic, parts->elems[i].partition);
      self->m_.retainConsumerLag(all);
    }
    if (self->partitionsPaused_) rd_kafka_pause_partitions(rk, parts);
    return;
  }
  // Revoked: flush what was put for these partitions and commit it, drop any
  // backlog of theirs (the new owner starts from the committed offset). When
  // the assignment was lost (the session expired, e.g. while the broker was
  // down) there is no group to commit to. A commit that fails here is not a
  // task failure: whatever it would have covered is delivered again.
  if (rd_kafka_assignment_lost(rk)) {
    SLUICE_LOG(self->tag_, log::Level::kWarn, "partition assignment lost (session expired); uncommitted records will be re-delivered");
  } else if (Status s = self->flushAndCommit(true, "rebalance"); !s) {
    SLUICE_LOG(self->tag_, log::Level::kWarn, "flush/commit on partition revocation failed (records will be re-delivered): " + s.message());
  }
  bool lost = rd_kafka_assignment_lost(rk);
  for (int i = 0; i < parts->cnt; ++i) {
    TopicPartition tp{parts->elems[i].topic, parts->elems[i].partition};
    // A lost assignment (the broker away) keeps the last lag, ageing; a
    // partition handed elsewhere is no longer this task's to report.
    if (!lost) self->m_.dropConsumerLag(tp.first, tp.second);
    self->putPositions_.erase(tp);
    self->committedPositions_.erase(tp);
    auto ofTp = [&](const Record& r) { return r.topic == tp.first && r.partition == tp.second; };
    std::erase_if(self->prefetched_, ofTp);
    if (self->pending_) {
      std::erase_if(self->pending_->records, ofTp);
      self->pending_->positions.erase(tp);
    }
  }
  SLUICE_LOG(self->tag_, log::Level::kInfo, "revoked " + std::to_string(parts->cnt) + " partition(s)");
  if (self->m_.partitionsRevoked) self->m_.partitionsRevoked->Increment(parts->cnt);
  if (cooperative) {
    if (auto* e = rd_kafka_incremental_unassign(rk, parts)) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk, nullptr);
  }
}

size_t SinkTask::fetch(std::vector<Record>& out, int timeoutMs) {
  // Under a rate limit, small batches keep the flow smooth.
  size_t max = plan_->rateLimit > 0 ? std::clamp<size_t>(static_cast<size_t>(plan_->rateLimit / 10), 1, kMaxBatch) : kMaxBatch;
  // At least one poll, even with `out` full: it serves the group (and the
  // wait keeps a paused task from spinning); paused partitions deliver
  // nothing more.
  size_t room = out.size() < max ? max - out.size() : 1;
  return pollMessages(consumer_, room, timeoutMs, tag_, &consumerFatal_,
                      [&](KafkaMessage msg) { out.push_back(recordFromMessage(std::move(msg), &rctx_)); });
}

Status SinkTask::prepare(std::vector<Record>& batch, Pending* out) {
  // A batch is runs of records of one partition: look the position up once
  // per run, not per record (each lookup copies the topic into a key; the
  // benchmark's profile showed it among the sink task's top costs).
  int64_t* position = nullptr;
  const Record* prev = nullptr;
  for (const auto& r : batch) {
    if (!prev || r.partition != prev->partition || r.topic != prev->topic) {
      position = &out->positions[{r.topic, r.partition}];
      topicUsed(r.topic);  // KIP-558: a record of it was consumed
    }
    *position = r.offset + 1;
    prev = &r;
  }
  if (!plan_->toleranceAll) {
    if (Status s = transformAll(batch); !s) return Status::fatal(s.message());
    if (Status s = decodeTolerating(batch, [&](Record& r, OriginalRecord, const ErrorContext& why) {
          if (m_.errorsConvert) m_.errorsConvert->Increment();
          return Status::fatal("errors.tolerance=none: the value of " + r.topic + "-" + std::to_string(r.partition) +
                               "@" + std::to_string(r.offset) + " does not convert with value.converter=" +
                               why.className + ": " + why.message);
        });
        !s)
      return s;
    out->records = std::move(batch);
    return Status::ok();
  }
  // errors.tolerance=all: a record a stage refuses goes, as it was consumed,
  // to the dead letter queue (or is skipped).
  if (Status s = transformTolerating(batch, [&](Record&, OriginalRecord o, const ErrorContext& why) {
        return deadLetter(o, why);
      });
      !s)
    return s;
  if (Status d = decodeTolerating(batch, [&](Record&, OriginalRecord o, const ErrorContext& why) {
        if (m_.errorsConvert) m_.errorsConvert->Increment();
        return deadLetter(o, why);
      });
      !d)
    return d;
  out->records = std::move(batch);
  return Status::ok();
}

Status SinkTask::put(Pending& p) {
  std::erase_if(p.records, [](const Record& r) { return r.dropped; });
  auto& batch = p.records;
  if (!batch.empty()) {
    // KIP-610: records the plugin reports as errant while this put runs.
    auto putStart = Clock::now();
    Status s = putReportingErrant(batch, [&](Record& r, OriginalRecord o, const ErrorContext& why) -> Status {
      if (!plan_->toleranceAll)
        return Status::fatal("the sink reported an errant record: " + why.message + " (" + r.topic + "-" +
                             std::to_string(r.partition) + "@" + std::to_string(r.offset) +
                             "); errors.tolerance=none fails the task on it");
      Status dead = deadLetter(o, why);
      return dead ? dead : Status::fatal("the dead letter queue refused the record: " + dead.message());
    });
    m_.call(std::chrono::duration<double>(Clock::now() - putStart).count(), batch.size());
    if (!s) return s;
    const PluginBatch& pb = lastPut();
    m_.endToEnd(pb.recs().data(), pb.recs().size());
    if (m_.recordsOut) {
      m_.recordsOut->Increment(static_cast<double>(batch.size()));
      m_.bytesOut->Increment(pb.bytes());
    }
  }
  for (const auto& [tp, pos] : p.positions) putPositions_[tp] = pos;
  return Status::ok();
}

Status SinkTask::flushAndCommit(bool sync, const char* origin) {
  if (!plugin_ || putPositions_.empty()) return Status::ok();
  auto start = Clock::now();
  if (pending_ && opState_ && opState_->dirty())
    // The batch being retried already went through the transforms, so the
    // buffered state covers records whose offsets are not put yet.
    return Status::retriable("checkpoint deferred while the sink retries a batch");
  if (batchCut_ && opState_ && opState_->dirty())
    // State for records that were not put: the task resumes from the last
    // checkpoint instead.
    return Status::retriable("not checkpointing: a batch was given up at shutdown after its transforms");
  Status s = plugin_->flush();
  if (s.code() == Status::Code::kFatal) {
    // FATAL fails the task (plugin.h); the loop stops on the state.
    if (state() != State::kFailed) fail("sink plugin failed in flush: " + s.message());
    return s;
  }
  // Dead letters the offsets pass must be in Kafka before the offsets are.
  if (s && dlq_) s = dlq_->flush(static_cast<int>(env_.worker ? env_.worker->taskShutdownTimeoutMs : 5000));
  if (!s) {
    if (m_.offsetCommitFailures) m_.offsetCommitFailures->Increment();
    if (m_.checkpointFailures) m_.checkpointFailures->Increment();
    return s;
  }
  bool changed = (opState_ && opState_->dirty()) || putPositions_ != committedPositions_;
  if (changed) {
    std::map<std::string, std::optional<std::string>> offsets;
    std::string json = "[";
    for (const auto& [tp, pos] : putPositions_) {
      std::string key = sinkPartitionKey(tp.first, tp.second);
      std::string value = "{\"kafka_offset\":" + std::to_string(pos) + "}";
      if (json.size() > 1) json += ',';
      json += "{\"partition\":" + key + ",\"offset\":" + value + "}";
      offsets[key] = std::move(value);
    }
    json += "]";
    if (Status cs = commitCheckpoint(std::move(offsets), json, origin, start); !cs) return cs;
    committedPositions_ = putPositions_;
  }
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(static_cast<int>(putPositions_.size()));
  for (const auto& [tp, pos] : putPositions_)
    rd_kafka_topic_partition_list_add(offsets, tp.first.c_str(), tp.second)->offset = pos;
  Status result = Status::ok();
  if (changed && offsets->cnt > 0) {
    auto err = rd_kafka_commit(consumer_, offsets, sync ? 0 : 1);
    // The store already holds these offsets; the group catches up next time.
    if (err) result = Status::retriable(std::string("group offset commit failed: ") + rd_kafka_err2str(err));
  }
  rd_kafka_topic_partition_list_destroy(offsets);
  return result;
}

void SinkTask::setPaused(bool pause) {
  if (pause == partitionsPaused_) return;
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(consumer_, &parts) == RD_KAFKA_RESP_ERR_NO_ERROR && parts) {
    if (pause) rd_kafka_pause_partitions(consumer_, parts);
    else rd_kafka_resume_partitions(consumer_, parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }
  partitionsPaused_ = pause;
}

void SinkTask::checkDrained() {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(consumer_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts) return;
  bool caughtUp = parts->cnt > 0 && !pending_ && prefetched_.empty();
  for (int i = 0; i < parts->cnt && caughtUp; ++i) {
    int64_t low = 0, high = 0;
    auto& p = parts->elems[i];
    if (rd_kafka_query_watermark_offsets(consumer_, p.topic, p.partition, &low, &high, 1000)) {
      caughtUp = false;
      break;
    }
    auto it = putPositions_.find({p.topic, p.partition});
    int64_t pos = it == putPositions_.end() ? low : it->second;
    if (pos < high) caughtUp = false;
  }
  rd_kafka_topic_partition_list_destroy(parts);
  if (caughtUp) drained_ = true;
}

void SinkTask::run() {
  if (Status s = setUp(); !s) {
    fail(s.message());
    tearDown();
    return;
  }
  SLUICE_LOG(tag_, log::Level::kInfo, "sink task started, group connect-" + plan_->name);
  auto lastCommit = Clock::now();
  BlockedTime blocked(m_.blockedSeconds);  // partitions paused for a retry
  std::vector<Record> batch;
  // Retries of the current batch, and the circuit breaker around put.
  RetryOperator retry(*plan_, tag_, "put", "partitions paused", m_.retries, m_.breakerState, true);
  auto handle = [&](Status s, Pending* p) -> bool {  // false: the task failed
    if (s.isOk()) {
      retry.succeeded();
      blocked.unblock(Clock::now());
      pending_.reset();
      return true;
    }
    if (s.code() != Status::Code::kRetriable) {
      fail("sink plugin failed: " + s.message());
      return false;
    }
    auto now = Clock::now();
    blocked.block(now);
    auto next = retry.failed(s, now);
    if (!pending_ || p != &*pending_) pending_ = std::move(*p);
    if (next.giveUp) {
      if (!plan_->toleranceAll) {
        fail("sink plugin failed: " + next.why);
        return false;
      }
      // Give the batch up: every record to the dead letter queue (or skipped).
      if (Status d = giveUpBatch(pending_->records, next.why, [&](Record&, OriginalRecord o, const ErrorContext& why) {
            if (m_.errorsPut) m_.errorsPut->Increment();
            return deadLetter(o, why);
          });
          !d) {
        fail(d.message());
        return false;
      }
      for (const auto& [tp, pos] : pending_->positions) putPositions_[tp] = pos;
      pending_.reset();
    }
    return true;
  };
  while (!stopping() && state() != State::kFailed) {  // a flush in a rebalance can fail the task
    blocked.tick(Clock::now());
    if (consumerFatal_) {
      consumerFatal_ = false;
      if (Status s = replaceFatalConsumer(); !s) {
        if (state() != State::kFailed) fail("cannot replace the consumer after a fatal error: " + s.message());
        break;
      }
      retry.reset();  // a batch being retried was dropped with the partitions
      blocked.unblock(Clock::now());
      continue;
    }
    if (std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - lastCommit).count() >= commitIntervalMs()) {
      if (Status s = flushAndCommit(false, "periodic"); !s) {
        if (state() == State::kFailed) break;
        // A store failure is logged (rate-limited) by commitCheckpoint.
        if (auto t = checkpointTrouble(); !t || t->error != s.message())
          SLUICE_LOG(tag_, log::Level::kWarn, "flush/commit failed, will retry: " + s.message());
      }
      lastCommit = Clock::now();
      if (lag_) lag_->request(putPositions_);  // metrics: consumer lag, once per commit interval
    }
    bool userPaused = paused();
    setPaused(userPaused || pending_.has_value());
    if (userPaused) {
      // Keep polling so the group membership stays alive; messages fetched
      // before the pause took effect are kept, not lost.
      fetch(prefetched_, 100);
      continue;
    }
    if (pending_) {
      if (!retry.mayCall(Clock::now())) {
        fetch(prefetched_, 100);  // no put while the breaker is open; keep the group alive
        continue;
      }
      fetch(prefetched_, static_cast<int>(retry.backoffMs()));  // waits out the backoff while polling
      if (!handle(put(*pending_), &*pending_)) break;
      continue;
    }
    batch.clear();
    if (!prefetched_.empty()) {
      batch.swap(prefetched_);
    } else if (fetch(batch, 100) == 0) {
      if (draining_) checkDrained();
      continue;
    }
    countIn(batch);
    observeEventTimes(batch);
    Pending p;
    if (Status s = prepare(batch, &p); !s) {
      // A dead letter that found no room before the shutdown timeout: the
      // batch is not put and its offsets not committed; it comes again.
      if (!(s.code() == Status::Code::kRetriable && stopping())) fail(s.message());
      batchCut_ = true;
      break;
    }
    rateLimit(p.records.size());
    if (!handle(put(p), &p)) break;
    // The records (and their messages) go now; the vector's room is kept for
    // the next batch (empty when the batch waits in pending_ for a retry).
    p.records.clear();
    batch.swap(p.records);
  }
  if (consumer_ && state() != State::kFailed) {
    if (Status s = flushAndCommit(true, "shutdown"); !s)
      SLUICE_LOG(tag_, log::Level::kError, "final flush/commit failed: " + s.message());
  }
  // Close the consumer while the plugin is still open: leaving the group
  // revokes the partitions, which flushes and commits once more. A batch
  // left here (the task failed) was not put: its messages go first.
  batch.clear();
  tearDown();
  SLUICE_LOG(tag_, log::Level::kInfo, "sink task stopped");
}

}  // namespace sluice::runtime
