#pragma once
// A source task: polls its plugin for batches, runs the transform chain,
// produces asynchronously with its own producer and commits a source offset
// only once every record before it in that source partition is acknowledged.

#include <librdkafka/rdkafka.h>

#include <map>
#include <set>
#include <string>

#include "host/pipeline/offset_tracker.h"
#include "host/task/task.h"

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
  /// The producer's handle of `topic`, after making sure it exists.
  Result<rd_kafka_topic_t*> ensureTopic(const std::string& topic);
  /// Commit what is committable. With checkpoints on, or operator state to
  /// commit, first a barrier: stop polling and wait for every produced record
  /// to be acknowledged, then offsets and state go in one batch.
  void commit(const char* origin);
  /// Append the offsets the tracker released to uncommitted_.
  void collectOffsets();
  static void onDelivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  /// A tracked record is settled (written, dropped or dead-lettered): tell
  /// the plugin if it asked (on_commit_record, `written` null unless the
  /// record reached its topic), then release its offset.
  void settle(OffsetTracker::Entry* e, const rd_kafka_message_t* written);

  rd_kafka_t* producer_ = nullptr;
  OffsetTracker tracker_;
  /// Topics known to exist, with the producer's handle of each: producing
  /// through a handle skips librdkafka's lookup of the topic by name (a
  /// lock and a scan per record). The last one used is remembered too.
  std::map<std::string, rd_kafka_topic_t*, std::less<>> topics_;
  std::string_view lastTopic_;
  rd_kafka_topic_t* lastTopicHandle_ = nullptr;
  std::string deliveryError_;
  std::string commitRecordError_;  // on_commit_record failed: the task fails
  std::map<std::string, std::string> uncommitted_;  // acked, not yet durable
  std::map<std::string, std::string> committed_;    // this task's durable offsets (history view)
  bool batchCut_ = false;  // a batch was left half produced: its state must not be committed
};

}  // namespace sluice::runtime
