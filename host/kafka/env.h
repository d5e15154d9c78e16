#pragma once
// Kafka connectivity shared by a worker: the bootstrap servers (or the
// embedded librdkafka mock cluster), the worker's producer./consumer.
// overrides, and topic administration.

#include <librdkafka/rdkafka.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/common/status.h"

struct rd_kafka_mock_cluster_s;

namespace sluice::kafka {

/// Build an rd_kafka_conf_t from key/value pairs; errors name the key.
Result<rd_kafka_conf_t*> makeConf(const std::map<std::string, std::string>& settings);
/// A producer or consumer from settings; `configure` sets callbacks and the
/// opaque on the conf first.
Result<rd_kafka_t*> newClient(rd_kafka_type_t type, const std::map<std::string, std::string>& settings,
                              const std::function<void(rd_kafka_conf_t*)>& configure = {});

class Env {
 public:
  /// bootstrap empty = start the embedded mock cluster (non-durable).
  static Result<std::unique_ptr<Env>> create(const std::string& bootstrap,
                                             std::map<std::string, std::string> producerOverrides,
                                             std::map<std::string, std::string> consumerOverrides,
                                             std::map<std::string, std::string> adminOverrides);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  bool embedded() const { return mock_ != nullptr; }
  /// The embedded mock cluster (null with a real one): tests take its
  /// brokers down and up.
  rd_kafka_mock_cluster_s* mockCluster() const { return mock_; }
  const std::string& bootstrap() const { return bootstrap_; }
  /// Producer settings: Sluice defaults, then the worker's producer.* overrides.
  std::map<std::string, std::string> producerSettings() const;
  std::map<std::string, std::string> consumerSettings(const std::string& groupId) const;

  /// Create the topic when it does not exist. partitions/rf <= 0: broker default.
  Status ensureTopic(const std::string& topic, int partitions, int replicationFactor);
  /// Partition count of a topic, or an error when it does not exist.
  Result<int> partitionCount(const std::string& topic);
  /// The same, from the cluster's list of topics: asking never creates the
  /// topic (a request for one topic does where the broker auto-creates).
  Result<int> existingPartitionCount(const std::string& topic);
  struct CommittedOffset {
    std::string topic;
    int32_t partition;
    int64_t offset;  // next offset the group will read
    std::string metadata;  // committed with the offset
  };
  /// Offsets committed by consumer group `group` on every partition of
  /// `topics` (partitions without a commit are left out). Does not join the group.
  Result<std::vector<CommittedOffset>> committedOffsets(const std::string& group, const std::vector<std::string>& topics);
  /// Commit offsets for group `group` from outside it. Only works while the
  /// group has no active member (its connector's tasks are stopped).
  Status commitGroupOffsets(const std::string& group, const std::vector<CommittedOffset>& offsets);
  /// Delete the group's committed offsets of these partitions (offsets ignored).
  Status deleteGroupOffsets(const std::string& group, const std::vector<CommittedOffset>& partitions);
  /// For every partition of `topics`, the first offset whose timestamp is at
  /// or after `timestampMs` (the end offset when there is none).
  Result<std::vector<CommittedOffset>> offsetsForTimes(const std::vector<std::string>& topics, int64_t timestampMs);
  /// The cluster id, or "" when it cannot be read.
  std::string clusterId();

 private:
  Env() = default;
  /// Every partition of the topics that exist.
  rd_kafka_topic_partition_list_t* partitionsOf(const std::vector<std::string>& topics);
  /// Run one admin request: `start` sends it to the queue, `check` reads the
  /// result event; answers retriable when none comes within 30 s.
  Status adminCall(const std::string& what, const std::function<void(rd_kafka_queue_t*)>& start,
                   const std::function<Status(rd_kafka_event_t*)>& check);
  /// A consumer of `group` that never subscribes.
  Result<rd_kafka_t*> groupClient(const std::string& group);
  std::string bootstrap_;
  std::map<std::string, std::string> producer_, consumer_, admin_;
  rd_kafka_t* mockOwner_ = nullptr;
  rd_kafka_mock_cluster_s* mock_ = nullptr;
  rd_kafka_t* admin_rk_ = nullptr;
};

}  // namespace sluice::kafka
