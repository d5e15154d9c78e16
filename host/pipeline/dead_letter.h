#pragma once
// The dead letter queue of a task (errors.deadletterqueue.*): records that
// failed a stage go, as they were before it, to a Kafka topic with Kafka
// Connect's __connect.errors.* context headers. Sources use their own
// producer (so a DLQ write is acknowledged like any record and the source
// offset only passes the failed record once it is); sinks get one of their
// own, flushed before every checkpoint.

#include <librdkafka/rdkafka.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/common/status.h"
#include "host/config/connector_config.h"
#include "host/kafka/env.h"
#include "host/pipeline/produce.h"
#include "host/record/record.h"

namespace sluice::runtime {

/// Where and why a record failed.
struct ErrorContext {
  std::string stage;      // TRANSFORMATION, TASK_PUT, KAFKA_PRODUCE, ...
  std::string className;  // the plugin or transform involved
  std::string message;
};

/// A record as it entered the failing stage.
struct OriginalRecord {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestampMs = 0;
  std::optional<std::string> key, value;
  std::vector<Header> headers;
};

/// The raw bytes and headers of a record (before any transform touched it).
OriginalRecord snapshot(Record& r);
/// The record as it is now (after transforms), serialized by `ctx`'s converters.
OriginalRecord snapshotSerialized(Record& r, const RecordContext& ctx);

class DeadLetterQueue {
 public:
  DeadLetterQueue(const config::ConnectorPlan& plan, int taskId, kafka::Env& env) : plan_(plan), taskId_(taskId), env_(env) {}
  ~DeadLetterQueue();
  DeadLetterQueue(const DeadLetterQueue&) = delete;
  DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;

  bool enabled() const { return !plan_.dlqTopic.empty(); }
  const std::string& topic() const { return plan_.dlqTopic; }
  /// Create the topic if needed; produce with `shared` or a producer of its own.
  Status open(rd_kafka_t* shared);
  /// How long a send waits for room in a full producer queue (the task's policy).
  void setQueueFullPolicy(const QueueFullPolicy& p) { policy_ = p; }
  /// Queue one dead letter; `opaque` comes back in the delivery report of a
  /// shared producer.
  Status send(const OriginalRecord& r, const ErrorContext& why, void* opaque = nullptr);
  /// Own producer: wait until every dead letter is acknowledged.
  Status flush(int timeoutMs);
  size_t sent() const { return sent_; }
  /// Own producer: dead letters Kafka acknowledged since the last call, per
  /// DLQ partition.
  std::map<int32_t, int64_t> takeDelivered() { return std::exchange(delivered_, {}); }

 private:
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque);
  const config::ConnectorPlan& plan_;
  int taskId_;
  kafka::Env& env_;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_t* own_ = nullptr;
  QueueFullPolicy policy_;
  std::string deliveryError_;
  size_t sent_ = 0;
  std::map<int32_t, int64_t> delivered_;  // acknowledged dead letters per DLQ partition
};

}  // namespace sluice::runtime
