#include "host/pipeline/dead_letter.h"

namespace sluice::runtime {

OriginalRecord snapshot(Record& r) {
  OriginalRecord o;
  o.topic = r.topic;
  o.partition = r.partition;
  o.offset = r.offset;
  o.timestampMs = r.timestampMs;
  o.key = ownedBytes(r.key.rawBytes());
  o.value = ownedBytes(r.value.rawBytes());
  o.headers = r.headers;
  return o;
}

OriginalRecord snapshotSerialized(Record& r, const RecordContext& ctx) {
  OriginalRecord o = snapshot(r);
  o.key = ownedBytes(r.key.bytes(*ctx.key));
  o.value = ownedBytes(r.value.bytes(*ctx.value));
  return o;
}

DeadLetterQueue::~DeadLetterQueue() {
  if (own_) {
    rd_kafka_flush(own_, 5000);
    rd_kafka_destroy(own_);
  }
}

Status DeadLetterQueue::open(rd_kafka_t* shared) {
  if (!enabled()) return Status::ok();
  if (auto s = env_.ensureTopic(plan_.dlqTopic, 1, plan_.dlqReplicationFactor); !s)
    return Status::fatal("dead letter queue topic " + plan_.dlqTopic + ": " + s.message());
  if (shared) {
    producer_ = shared;
    return Status::ok();
  }
  auto settings = env_.producerSettings();
  settings["client.id"] = "connector-dlq-producer-" + plan_.name + "-" + std::to_string(taskId_);
  auto producer = kafka::newClient(RD_KAFKA_PRODUCER, settings, [this](rd_kafka_conf_t* conf) {
    rd_kafka_conf_set_dr_msg_cb(conf, &DeadLetterQueue::onDelivery);
    rd_kafka_conf_set_opaque(conf, this);
  });
  if (!producer) return Status::fatal("dead letter queue: " + producer.status().message());
  own_ = producer_ = *producer;
  return Status::ok();
}

void DeadLetterQueue::onDelivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* self = static_cast<DeadLetterQueue*>(opaque);
  if (msg->err && self->deliveryError_.empty())
    self->deliveryError_ = std::string("dead letter queue write to ") + self->plan_.dlqTopic + " failed: " + rd_kafka_err2str(msg->err);
  if (!msg->err) ++self->delivered_[msg->partition];
}

Status DeadLetterQueue::send(const OriginalRecord& r, const ErrorContext& why, void* opaque) {
  if (!producer_) return Status::fatal("dead letter queue is not open");
  std::vector<Header> headers;
  headers.reserve(r.headers.size() + (plan_.dlqContextHeaders ? 10 : 0));
  headers.insert(headers.end(), r.headers.begin(), r.headers.end());
  if (plan_.dlqContextHeaders) {
    auto add = [&](const char* name, std::string v) { headers.push_back(Header{name, std::move(v)}); };
    // Kafka Connect's names (DeadLetterQueueReporter). Source records have
    // no Kafka coordinates yet: only their topic (for a DLQ replay) is named.
    if (!r.topic.empty()) add("__connect.errors.topic", r.topic);
    if (r.offset >= 0) {
      add("__connect.errors.partition", std::to_string(r.partition));
      add("__connect.errors.offset", std::to_string(r.offset));
    }
    add("__connect.errors.connector.name", plan_.name);
    add("__connect.errors.task.id", std::to_string(taskId_));
    add("__connect.errors.stage", why.stage);
    add("__connect.errors.class.name", why.className);
    add("__connect.errors.exception.class.name", "sluice.Error");
    add("__connect.errors.exception.message", why.message);
    add("__connect.errors.exception.stacktrace", why.stage + ": " + why.message);
  }
  std::optional<std::string_view> key, value;
  if (r.key) key = *r.key;
  if (r.value) value = *r.value;
  auto err = produceRecord(producer_,
                           {.topic = plan_.dlqTopic.c_str(), .key = key, .value = value, .timestampMs = r.timestampMs,
                            .headers = &headers, .opaque = opaque},
                           policy_);
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
    return Status::retriable("cannot write to the dead letter queue " + plan_.dlqTopic + ": the producer queue stayed full");
  if (err) return Status::fatal("cannot write to the dead letter queue " + plan_.dlqTopic + ": " + rd_kafka_err2str(err));
  ++sent_;
  return Status::ok();
}

Status DeadLetterQueue::flush(int timeoutMs) {
  if (!own_) return Status::ok();
  rd_kafka_flush(own_, timeoutMs);
  if (!deliveryError_.empty()) return Status::fatal(deliveryError_);
  if (rd_kafka_outq_len(own_) > 0) return Status::retriable("dead letter queue writes still unacknowledged");
  return Status::ok();
}

}  // namespace sluice::runtime
