#pragma once
// A source task: polls its plugin for batches, runs the transform chain,
// produces asynchronously with its own producer and commits a source offset
// only once every record before it in that source partition is acknowledged.

#include <librdkafka/rdkafka.h>

#include <set>

#include "host/runtime/offset_tracker.h"
#include "host/runtime/task.h"

namespace sluice::runtime {

class SourceTask final : public Task {
 public:
  using Task::Task;
  ~SourceTask() override;

 protected:
  void run() override;

 private:
  Status setUp();
  void tearDown();
  /// Produce one record, waiting while the producer queue is full.
  Status produce(Record& r);
  Status ensureTopic(const std::string& topic);
  void commitOffsets();
  static void onDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  rd_kafka_t* producer_ = nullptr;
  OffsetTracker tracker_;
  std::set<std::string> knownTopics_;
  std::string deliveryError_;
};

}  // namespace sluice::runtime
