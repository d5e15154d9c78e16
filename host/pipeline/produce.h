#pragma once
// The one way a record goes to Kafka. Source tasks, dead letter queues and
// DLQ replays all produce through produceRecord, with one policy for a full
// producer queue: serve delivery reports and try again, the time counted as
// backpressure, until a deadline; a stopping task waits at most the worker's
// task.shutdown.graceful.timeout.ms more.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include "host/pipeline/blocked_time.h"
#include "host/record/record.h"

namespace sluice::runtime {

struct OutgoingRecord {
  rd_kafka_topic_t* rkt = nullptr;  // the topic's handle, or
  const char* topic = nullptr;      // its name
  int32_t partition = RD_KAFKA_PARTITION_UA;
  std::optional<std::string_view> key, value;  // nullopt: null
  int64_t timestampMs = 0;
  const std::vector<Header>* headers = nullptr;
  void* opaque = nullptr;  // comes back in the delivery report
};

/// What to do while the producer's queue is full.
struct QueueFullPolicy {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  const std::atomic<bool>* stopping = nullptr;  // once true, wait at most shutdownMs more
  int64_t shutdownMs = 5000;
  BlockedTime* blocked = nullptr;  // the wait, as backpressure
};

/// Queue one record (its bytes copied). RD_KAFKA_RESP_ERR__QUEUE_FULL: the
/// queue was still full when the policy gave up; other errors are
/// librdkafka's (the record is not queued).
rd_kafka_resp_err_t produceRecord(rd_kafka_t* producer, const OutgoingRecord& r, const QueueFullPolicy& policy);

/// Whether a produce error is the record's fault (too large, no such
/// partition) rather than the producer's.
bool isRecordFault(rd_kafka_resp_err_t err);

}  // namespace sluice::runtime
