#include "host/task/dlq_replay.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <map>
#include <thread>

#include "host/abi/plugin_batch.h"
#include "host/pipeline/consume.h"
#include "host/pipeline/retry.h"

namespace sluice::runtime {
namespace {
using Clock = std::chrono::steady_clock;
constexpr std::string_view kContext = "__connect.errors.";
// How many replays a dead letter failed: set on what a replay writes back.
constexpr std::string_view kReplaysHeader = "__sluice.dlq.replays";
// The replay group's commit metadata: how many dead letters from the
// committed position on failed a replay (so GET .../dlq tells them apart
// from dead letters no replay has tried).
constexpr std::string_view kRetryingMeta = "sluice.dlq.retrying=";
constexpr size_t kMaxBatch = 500;

int64_t msLeft(Clock::time_point deadline) {
  return std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
}

/// A one-shot task of the connector that reads its DLQ instead of its input.
class Replayer final : public Task {
 public:
  // An id after the connector's tasks: its state keys and logs are its own.
  Replayer(std::shared_ptr<const config::ConnectorPlan> plan, TaskEnv env) : Task(plan, plan->taskCount, env) {}
  ~Replayer() override { close(); }

  Result<DlqReplayReport> execute(const DlqReplayOptions& o);

 protected:
  void run() override {}

 private:
  struct DeadLetter {
    Record record;
    bool transformed = false;  // failed after the transforms: do not apply them again
  };
  Status positions(DlqReplayReport& rep);
  /// remaining and retrying of `rep`, against the DLQ's end (`highs` per
  /// partition, or each partition's `end`).
  static void tally(DlqReplayReport& rep, const std::map<int32_t, int64_t>* highs);
  /// Write a dead letter that failed this replay back to the DLQ.
  Status again(const Record& r, OriginalRecord original, const ErrorContext& why);
  DeadLetter fromMessage(KafkaMessage msg);
  /// Feed one batch through; count what went through and what failed again.
  Status feed(std::vector<DeadLetter>& batch, DlqReplayReport& rep, Clock::time_point deadline);
  /// The reporter of this replay: a record that fails a stage again is
  /// counted in `failed` and written back to the DLQ.
  ErrantReporter backToDlq(int64_t& failed) {
    return [this, &failed](Record& r, OriginalRecord o, const ErrorContext& why) {
      ++failed;
      return again(r, std::move(o), why);
    };
  }
  Status putToSink(std::vector<Record>& records, int64_t& failed, Clock::time_point deadline);
  Status produce(std::vector<Record>& records, int64_t& failed, Clock::time_point deadline);
  Status commit(const std::vector<DlqReplayReport::Partition>& parts);
  void close();
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*);

  rd_kafka_t* consumer_ = nullptr;
  rd_kafka_t* producer_ = nullptr;  // sources: to the records' topics
};

Replayer::DeadLetter Replayer::fromMessage(KafkaMessage msg) {
  DeadLetter d{recordFromMessage(std::move(msg), &rctx_)};
  Record& r = d.record;
  if (plan_->isSource()) {  // a source record has no Kafka coordinates yet
    r.partition = RD_KAFKA_PARTITION_UA;
    r.offset = -1;
  }
  // The context headers go; they give the original coordinates and the
  // stage the record failed in.
  std::vector<Header> kept;
  for (auto& h : r.headers) {
    std::string_view n(h.key);
    if (n == kReplaysHeader) {
      r.dlqReplays = std::max(1, std::atoi(h.value.value_or("1").c_str()));
      continue;
    }
    if (!n.starts_with(kContext)) {
      kept.push_back(std::move(h));
      continue;
    }
    n.remove_prefix(kContext.size());
    std::string v = h.value.value_or("");
    try {
      if (n == "topic" && !v.empty()) r.topic = v;
      else if (n == "partition" && plan_->isSink()) r.partition = static_cast<int32_t>(std::stol(v));
      else if (n == "offset" && plan_->isSink()) r.offset = std::stoll(v);
      else if (n == "stage") d.transformed = v == "TASK_PUT" || v == "KAFKA_PRODUCE" || v == "VALUE_CONVERTER";
    } catch (const std::exception&) {
      // A context header that is not a number: keep the DLQ coordinates.
    }
  }
  r.headers = std::move(kept);
  return d;
}

Status Replayer::positions(DlqReplayReport& rep) {
  rep.topic = plan_->dlqTopic;
  rep.group = dlqReplayGroup(plan_->name);
  auto count = env_.kafka->partitionCount(rep.topic);
  if (!count) {
    if (count.status().code() == Status::Code::kNotFound) return Status::ok();  // no dead letter yet
    return count.status();
  }
  auto committed = env_.kafka->committedOffsets(rep.group, {rep.topic});
  if (!committed) return committed.status();
  for (int32_t p = 0; p < *count; ++p) {
    int64_t low = 0, high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(consumer_, rep.topic.c_str(), p, &low, &high, 10000))
      return Status::retriable("cannot read the end of " + rep.topic + "-" + std::to_string(p) + ": " + rd_kafka_err2str(err));
    int64_t pos = low, retrying = 0;
    for (const auto& c : *committed)
      if (c.partition == p) {
        pos = std::max(low, c.offset);
        if (c.metadata.starts_with(kRetryingMeta)) retrying = std::atoll(c.metadata.c_str() + kRetryingMeta.size());
      }
    pos = std::min(pos, high);
    rep.partitions.push_back({p, pos, high, std::clamp<int64_t>(retrying, 0, high - pos)});
  }
  tally(rep, nullptr);
  return Status::ok();
}

void Replayer::tally(DlqReplayReport& rep, const std::map<int32_t, int64_t>* highs) {
  rep.remaining = rep.retrying = 0;
  for (const auto& p : rep.partitions) {
    int64_t high = p.end;
    if (highs)
      if (auto it = highs->find(p.partition); it != highs->end()) high = it->second;
    rep.retrying += p.retrying;
    rep.remaining += std::max<int64_t>(0, high - p.position - p.retrying);
  }
}

Status Replayer::again(const Record& r, OriginalRecord original, const ErrorContext& why) {
  original.headers.push_back(Header{std::string(kReplaysHeader), std::to_string(r.dlqReplays + 1)});
  return deadLetter(original, why);
}

Status Replayer::putToSink(std::vector<Record>& records, int64_t& failed, Clock::time_point deadline) {
  if (Status d = decodeTolerating(records, backToDlq(failed)); !d) return d;
  std::erase_if(records, [](const Record& r) { return r.dropped; });
  if (records.empty()) return Status::ok();
  // What the sink reports errant goes back to the DLQ; the put is retried
  // like the task does (errors.retry.timeout), never past the deadline.
  Status refused = Status::ok();  // the DLQ's answer when it failed
  auto reportAgain = [&](Record& r, OriginalRecord o, const ErrorContext& why) -> Status {
    ++failed;
    if (Status d = again(r, std::move(o), why); !d) refused = d;
    return refused ? refused : Status::fatal("the dead letter queue refused the record: " + refused.message());
  };
  RetryOperator retry(*plan_, tag_, "put", "", m_.retries);
  Status s = putReportingErrant(records, reportAgain);
  while (s.code() == Status::Code::kRetriable) {
    auto next = retry.failed(s, Clock::now());
    if (next.giveUp || next.delayMs >= msLeft(deadline)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(next.delayMs));
    s = putReportingErrant(records, reportAgain);
  }
  if (!refused) return refused;
  if (s.code() == Status::Code::kRetriable)  // still refused: back to the DLQ for the next replay
    return giveUpBatch(records, "put still failing at the end of the DLQ replay: " + s.message(), backToDlq(failed));
  if (!s) return Status::fatal("sink plugin failed: " + s.message());
  return Status::ok();
}

void Replayer::onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
  if (msg->_private) *static_cast<rd_kafka_resp_err_t*>(msg->_private) = msg->err;
}

Status Replayer::produce(std::vector<Record>& records, int64_t& failed, Clock::time_point deadline) {
  std::vector<rd_kafka_resp_err_t> results(records.size(), RD_KAFKA_RESP_ERR__IN_PROGRESS);
  for (size_t i = 0; i < records.size(); ++i) {
    Record& r = records[i];
    if (r.dropped) {
      results[i] = RD_KAFKA_RESP_ERR_NO_ERROR;
      continue;
    }
    auto k = r.key.bytes(*rctx_.key);
    auto v = r.value.bytes(*rctx_.value);
    if (auto err = produceRecord(producer_,
                                 {.topic = r.topic.c_str(), .partition = r.partition, .key = k, .value = v,
                                  .timestampMs = r.timestampMs, .headers = &r.headers, .opaque = &results[i]},
                                 {.deadline = deadline}))
      results[i] = err;
  }
  // Wait for every acknowledgement: the replay position passes a record only
  // once Kafka has it (or it is back in the DLQ).
  rd_kafka_flush(producer_, static_cast<int>(std::max<int64_t>(msLeft(deadline), 30000)));
  if (rd_kafka_outq_len(producer_) > 0) return Status::retriable("records of the DLQ replay still unacknowledged");
  for (size_t i = 0; i < records.size(); ++i) {
    if (!results[i]) continue;
    ++failed;
    if (Status d = again(records[i], snapshotSerialized(records[i], rctx_),
                         {"KAFKA_PRODUCE", "producer", rd_kafka_err2str(results[i])});
        !d)
      return d;
  }
  return Status::ok();
}

Status Replayer::feed(std::vector<DeadLetter>& batch, DlqReplayReport& rep, Clock::time_point deadline) {
  // Dead letters that failed before the transforms go through them again;
  // those that failed after them (put, produce) only through the last stage.
  std::vector<Record> fresh, transformed;
  for (auto& d : batch) (d.transformed ? transformed : fresh).push_back(std::move(d.record));
  int64_t failed = 0;
  if (!fresh.empty())
    if (Status s = transformTolerating(fresh, backToDlq(failed)); !s) return s;
  for (auto& r : transformed) fresh.push_back(std::move(r));
  Status s = plan_->isSink() ? putToSink(fresh, failed, deadline) : produce(fresh, failed, deadline);
  if (!s) return s;
  if (plan_->isSink())
    if (Status f = plugin_->flush(); !f) return Status::retriable("sink flush failed: " + f.message());
  if (Status f = dlq_->flush(static_cast<int>(std::max<int64_t>(msLeft(deadline), 30000))); !f) return f;
  rep.replayed += static_cast<int64_t>(batch.size());
  rep.failed += failed;
  rep.succeeded += static_cast<int64_t>(batch.size()) - failed;
  return Status::ok();
}

Status Replayer::commit(const std::vector<DlqReplayReport::Partition>& parts) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
  std::vector<std::string> metadata;
  metadata.reserve(parts.size());
  for (const auto& p : parts) {
    auto* e = rd_kafka_topic_partition_list_add(list, plan_->dlqTopic.c_str(), p.partition);
    e->offset = p.position;
    metadata.push_back(std::string(kRetryingMeta) + std::to_string(p.retrying));
    e->metadata = metadata.back().data();  // ours: taken back before the list is destroyed
    e->metadata_size = metadata.back().size();
  }
  auto err = rd_kafka_commit(consumer_, list, 0);
  for (int i = 0; i < list->cnt; ++i) {
    list->elems[i].metadata = nullptr;  // the list would free it
    list->elems[i].metadata_size = 0;
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return Status::retriable(std::string("cannot commit the DLQ replay position: ") + rd_kafka_err2str(err));
  return Status::ok();
}

Result<DlqReplayReport> Replayer::execute(const DlqReplayOptions& o) {
  auto deadline = Clock::now() + std::chrono::milliseconds(o.timeoutMs);
  DlqReplayReport rep;
  auto settings = env_.kafka->consumerSettings(dlqReplayGroup(plan_->name));
  settings["client.id"] = "connector-dlq-replay-" + plan_->name;
  auto consumer = kafka::newClient(RD_KAFKA_CONSUMER, settings);
  if (!consumer) return consumer.status();
  consumer_ = *consumer;
  if (Status s = positions(rep); !s) return s;
  if (o.dryRun || (rep.remaining == 0 && rep.retrying == 0)) return rep;

  if (Status s = setUpPipeline(plan_->isSource() ? "source" : "sink"); !s) return s;
  if (plan_->isSink()) {
    if (Status s = plugin_->start(); !s) return Status::fatal("sink plugin failed to start: " + s.message());
  } else {
    auto ps = env_.kafka->producerSettings();
    ps["client.id"] = "connector-dlq-replay-producer-" + plan_->name;
    auto producer = kafka::newClient(RD_KAFKA_PRODUCER, ps, [](rd_kafka_conf_t* conf) {
      rd_kafka_conf_set_dr_msg_cb(conf, &Replayer::onDelivery);
    });
    if (!producer) return producer.status();
    producer_ = *producer;
  }
  if (Status s = dlq_->open(nullptr); !s) return s;
  dlq_->setQueueFullPolicy({.deadline = deadline});

  rd_kafka_topic_partition_list_t* assign = rd_kafka_topic_partition_list_new(static_cast<int>(rep.partitions.size()));
  for (const auto& p : rep.partitions)
    if (p.position < p.end) rd_kafka_topic_partition_list_add(assign, rep.topic.c_str(), p.partition)->offset = p.position;
  auto err = rd_kafka_assign(consumer_, assign);
  rd_kafka_topic_partition_list_destroy(assign);
  if (err) return Status::retriable(std::string("cannot read the DLQ topic: ") + rd_kafka_err2str(err));

  int64_t budget = o.maxRecords < 0 ? INT64_MAX : o.maxRecords;
  auto pending = [&] {
    for (const auto& p : rep.partitions)
      if (p.position < p.end) return true;
    return false;
  };
  while (budget > 0 && pending() && msLeft(deadline) > 0) {
    std::vector<DeadLetter> batch;
    auto next = rep.partitions;  // positions once this batch is through
    auto want = static_cast<size_t>(std::min<int64_t>(kMaxBatch, budget));
    pollMessages(consumer_, want, 100, tag_, nullptr, [&](KafkaMessage owned) {
      // The batch's records keep the message (they go before the consumer).
      const rd_kafka_message_t* msg = owned.get();
      auto it = std::find_if(next.begin(), next.end(), [&](const auto& p) { return p.partition == msg->partition; });
      // Past the end snapshot: dead letters written since (by this replay too).
      if (it != next.end() && msg->offset >= it->position && msg->offset < it->end) {
        it->position = msg->offset + 1;
        batch.push_back(fromMessage(std::move(owned)));
        if (batch.back().record.dlqReplays > 0 && it->retrying > 0) --it->retrying;  // tried again now
      }
    });
    if (batch.empty()) continue;
    if (Status s = feed(batch, rep, deadline); !s) return s;
    // What failed again is back in the DLQ (feed waited for Kafka's
    // acknowledgements), after the position: retrying, not new.
    for (const auto& [partition, n] : dlq_->takeDelivered())
      for (auto& p : next)
        if (p.partition == partition) p.retrying += n;
    if (Status s = commit(next); !s) return s;
    budget -= static_cast<int64_t>(batch.size());
    rep.partitions = std::move(next);
  }
  // remaining and retrying as GET .../dlq will show them now: against the
  // DLQ's current end (what failed again went past the end replayed to).
  std::map<int32_t, int64_t> highs;
  for (const auto& p : rep.partitions) {
    int64_t low = 0, high = 0;
    if (!rd_kafka_query_watermark_offsets(consumer_, rep.topic.c_str(), p.partition, &low, &high, 10000))
      highs[p.partition] = high;
  }
  tally(rep, &highs);
  return rep;
}

void Replayer::close() {
  if (producer_) {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
    consumer_ = nullptr;
  }
  tearDownPipeline();
  dlq_.reset();
}

}  // namespace

std::string dlqReplayGroup(const std::string& connector) { return "connect-" + connector + "-dlq-replay"; }

Result<DlqReplayReport> replayDeadLetters(std::shared_ptr<const config::ConnectorPlan> plan, TaskEnv env,
                                          const DlqReplayOptions& options) {
  if (plan->dlqTopic.empty())
    return Status::conflict("Connector " + plan->name +
                            " has no dead letter queue (errors.deadletterqueue.topic.name is not set)");
  if (!env.kafka) return Status::fatal("no Kafka client");
  env.metrics = nullptr;  // not one of the connector's tasks in the metrics
  env.limiter = nullptr;
  env.topics = nullptr;
  Replayer replayer(std::move(plan), env);
  return replayer.execute(options);
}

}  // namespace sluice::runtime
