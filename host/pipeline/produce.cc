#include "host/pipeline/produce.h"

namespace sluice::runtime {

rd_kafka_resp_err_t produceRecord(rd_kafka_t* producer, const OutgoingRecord& r, const QueueFullPolicy& policy) {
  using Clock = QueueFullPolicy::Clock;
  rd_kafka_headers_t* hdrs = nullptr;
  if (r.headers && !r.headers->empty()) {
    hdrs = rd_kafka_headers_new(r.headers->size());
    for (const auto& h : *r.headers)
      rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
  }
  auto stopDeadline = Clock::time_point{};
  rd_kafka_resp_err_t err;
  while (true) {
    // Exactly one of the topic handle and the topic name is given (the
    // handle saves a lookup per record on the hot path of a source task).
    err = r.rkt ? rd_kafka_producev(producer, RD_KAFKA_V_RKT(r.rkt), RD_KAFKA_V_PARTITION(r.partition),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_KEY((r.key ? r.key->data() : nullptr), (r.key ? r.key->size() : 0)),
                                    RD_KAFKA_V_VALUE((r.value ? const_cast<char*>(r.value->data()) : nullptr),
                                                     (r.value ? r.value->size() : 0)),
                                    RD_KAFKA_V_TIMESTAMP(r.timestampMs), RD_KAFKA_V_HEADERS(hdrs),
                                    RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END)
                : rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(r.topic), RD_KAFKA_V_PARTITION(r.partition),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                    RD_KAFKA_V_KEY((r.key ? r.key->data() : nullptr), (r.key ? r.key->size() : 0)),
                                    RD_KAFKA_V_VALUE((r.value ? const_cast<char*>(r.value->data()) : nullptr),
                                                     (r.value ? r.value->size() : 0)),
                                    RD_KAFKA_V_TIMESTAMP(r.timestampMs), RD_KAFKA_V_HEADERS(hdrs),
                                    RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    auto now = Clock::now();
    if (policy.blocked) policy.blocked->block(now);
    if (policy.stopping && policy.stopping->load()) {
      if (stopDeadline == Clock::time_point{}) stopDeadline = now + std::chrono::milliseconds(policy.shutdownMs);
      if (now >= stopDeadline) break;
    }
    if (now >= policy.deadline) break;
    rd_kafka_poll(producer, 10);
    if (policy.blocked) policy.blocked->tick(Clock::now());
  }
  if (policy.blocked) policy.blocked->unblock(Clock::now());
  if (err && hdrs) rd_kafka_headers_destroy(hdrs);  // queued, librdkafka owns them
  return err;
}

bool isRecordFault(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
         err == RD_KAFKA_RESP_ERR__INVALID_ARG;
}

}  // namespace sluice::runtime
