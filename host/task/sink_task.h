#pragma once
// A sink task: consumes in group connect-<name>, converts and transforms
// batches, hands them to the sink plugin, and commits to Kafka only offsets
// the plugin has flushed. A sink that answers RETRIABLE gets its partitions
// paused (the consumer keeps polling, so it never leaves the group) and the
// same batch offered again with backoff.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include "host/abi/plugin_batch.h"
#include "host/metrics/kafka_probes.h"
#include "host/task/task.h"

namespace sluice::runtime {

class SinkTask final : public Task {
 public:
  using Task::Task;
  ~SinkTask() override;
  bool drained() const override { return drained_.load(); }
  void beginDrain() override { draining_ = true; }

 protected:
  void run() override;

 private:
  using TopicPartition = std::pair<std::string, int32_t>;
  Status setUp();
  void tearDown();
  /// Create the consumer and subscribe; closeConsumer leaves the group.
  Status openConsumer();
  void closeConsumer();
  /// After librdkafka's fatal error (e.g. a fenced static member): checkpoint,
  /// close the consumer and join again with a new one.
  Status replaceFatalConsumer();
  /// Poll up to a batch of messages into records.
  size_t fetch(std::vector<Record>& out, int timeoutMs);
  struct Pending {
    std::vector<Record> records;                 // converted and transformed
    std::map<TopicPartition, int64_t> positions;  // consumed up to (before filtering)
  };
  /// Convert and transform a fetched batch; positions are taken first, so a
  /// record a transform drops still counts as consumed.
  Status prepare(std::vector<Record>& fetched, Pending* out);
  Status put(Pending& p);
  /// Checkpoint: flush the plugin, write the offsets it flushed and the
  /// operator state in one batch to the store, then commit them to the group.
  Status flushAndCommit(bool sync, const char* origin);
  void setPaused(bool pause);
  void checkDrained();
  static void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* parts, void* opaque);

  rd_kafka_t* consumer_ = nullptr;
  std::unique_ptr<metrics::LagProbe> lag_;  // metrics: consumer lag, measured off this thread
  std::map<TopicPartition, int64_t> putPositions_;  // next offset after what was put
  std::map<TopicPartition, int64_t> committedPositions_;  // as of the last checkpoint
  std::optional<Pending> pending_;  // batch the sink asked to retry
  std::vector<Record> prefetched_;  // fetched while partitions were being paused
  bool partitionsPaused_ = false;
  bool batchCut_ = false;       // a batch given up at shutdown after its transforms
  bool consumerFatal_ = false;  // fetch saw RD_KAFKA_RESP_ERR__FATAL
  static constexpr int kMaxReplacements = 5;  // within kReplacementWindow, then the task fails
  static constexpr std::chrono::seconds kReplacementWindow{60};
  int replacementsInWindow_ = 0;
  std::chrono::steady_clock::time_point lastReplacement_{};
  std::atomic<bool> draining_{false};
  std::atomic<bool> drained_{false};
};

}  // namespace sluice::runtime
