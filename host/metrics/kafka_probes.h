#pragma once
// What the metrics read from librdkafka clients: a sink consumer's lag per
// partition and a source producer's queue capacity. The lag needs a round
// trip to the brokers, so a sink task asks its LagProbe for it, once per
// commit interval, and the probe measures on a thread of its own; the
// capacity is read once at start.

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
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

/// Measures a consumer's lag (consumerLag) on a thread of its own and hands
/// the result to `publish`, so that the task thread never waits on the
/// ListOffsets round trip: on a quiet machine it took the sink loop 5-9 ms
/// each commit interval, while records that came due meanwhile waited.
class LagProbe {
 public:
  /// The task's positions: the next offset it will hand its sink, per
  /// (topic, partition) it has handed records of since the assignment.
  using Positions = std::map<std::pair<std::string, int32_t>, int64_t>;
  LagProbe(rd_kafka_t* consumer, std::function<void(std::vector<PartitionLag>)> publish, int timeoutMs,
           std::string threadName);
  /// Stops the thread; a measurement in flight ends within timeoutMs. Call
  /// before the consumer is closed.
  ~LagProbe();
  LagProbe(const LagProbe&) = delete;
  LagProbe& operator=(const LagProbe&) = delete;
  /// Ask for a measurement against `positions`; returns at once. A request
  /// made while the probe measures replaces any request still waiting: only
  /// the newest positions matter.
  void request(Positions positions);

 private:
  void run();

  rd_kafka_t* consumer_;
  std::function<void(std::vector<PartitionLag>)> publish_;
  int timeoutMs_;
  std::string threadName_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Positions> waiting_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the members above exist
};

/// queue.buffering.max.messages of a producer (0 if unreadable).
double producerQueueCapacity(rd_kafka_t* producer);

}  // namespace sluice::metrics
