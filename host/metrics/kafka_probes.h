#pragma once
// What the metrics read from librdkafka clients: a sink consumer's lag per
// partition and a source producer's queue capacity. Called by tasks on their
// own thread, once per commit interval (lag) or once at start (capacity).

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "host/metrics/metrics.h"

namespace sluice::metrics {

/// The lag of every partition assigned to `consumer`: its end offset (high
/// watermark) minus the task's position. `position(topic, partition)` is the
/// next offset the task will hand its sink, or -1 when it has handed none
/// since the assignment; then the consumer's own position, else the group's
/// committed offset, stands in. End offsets come from one ListOffsets round
/// trip per leader broker, bounded by `timeoutMs`: the consumer's cached high
/// watermark only moves with fetches, which stop while a slow sink's
/// partitions are paused or its fetch queue is full, exactly when lag grows.
/// If the round trip fails, the cached values are used. Partitions whose end
/// or position is unknown are left out.
std::vector<PartitionLag> consumerLag(rd_kafka_t* consumer,
                                      const std::function<int64_t(const char* topic, int32_t partition)>& position,
                                      int timeoutMs);

/// queue.buffering.max.messages of a producer (0 if unreadable).
double producerQueueCapacity(rd_kafka_t* producer);

}  // namespace sluice::metrics
