#pragma once
// The one way messages are taken from a consumer: sink tasks and DLQ replays
// poll through pollMessages.

#include <librdkafka/rdkafka.h>

#include <string>

#include "host/common/log.h"
#include "host/record/record.h"

namespace sluice::runtime {

/// Poll up to `max` messages, handing each to `take(KafkaMessage)`: the first
/// poll waits up to `timeoutMs`, the rest only take what is already fetched.
/// The end of a partition is skipped; other errors are logged under `tag` and
/// skipped, and a fatal one (librdkafka made the consumer unusable, e.g. a
/// fenced static member) sets `*fatal`. Returns the messages taken.
template <class Take>
size_t pollMessages(rd_kafka_t* consumer, size_t max, int timeoutMs, const log::Tag& tag, bool* fatal, Take&& take) {
  size_t n = 0;
  while (n < max) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, n == 0 ? timeoutMs : 0);
    if (!msg) break;
    if (msg->err) {
      if (msg->err == RD_KAFKA_RESP_ERR__FATAL && fatal) *fatal = true;
      if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        SLUICE_LOG(tag, log::Level::kWarn, std::string("consumer error: ") + rd_kafka_message_errstr(msg));
      rd_kafka_message_destroy(msg);
      continue;
    }
    take(KafkaMessage(msg));
    ++n;
  }
  return n;
}

}  // namespace sluice::runtime
