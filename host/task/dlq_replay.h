#pragma once
// DLQ replay: feed the records of a connector's dead letter queue through
// its pipeline again once the cause is fixed (POST /connectors/{name}/dlq/replay).
//
// The replay runs as a one-shot extra task of the connector, in the calling
// thread: the same converters, transforms and plugin (sinks) or producer
// (sources), fed from the DLQ topic instead of the usual input. Each dead
// letter goes back as it was: its __connect.errors.* context headers are
// removed and, for sinks, its original topic, partition and offset are taken
// from them. What fails again goes to the DLQ again, with fresh context, after
// the end the replay started from, so the next replay sees it. Progress is the
// committed offsets of the consumer group connect-<name>-dlq-replay on the DLQ
// topic, committed only after the sink flushed (or Kafka acknowledged) and the
// re-failed dead letters were acknowledged: at least once, like the task.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "host/task/task.h"

namespace sluice::runtime {

struct DlqReplayOptions {
  int64_t timeoutMs = 60000;  // stop (and report what remains) after this
  int64_t maxRecords = -1;    // at most this many dead letters, -1: all
  bool dryRun = false;        // only report what is pending
};

struct DlqReplayReport {
  std::string topic;       // the DLQ topic
  std::string group;       // the consumer group holding the replay position
  int64_t replayed = 0;    // dead letters fed through the pipeline
  int64_t succeeded = 0;   // of them, delivered (or dropped by a filter)
  int64_t failed = 0;      // of them, failed again (back in the DLQ)
  int64_t remaining = 0;   // dead letters no replay has tried yet
  int64_t retrying = 0;    // dead letters that failed a replay, waiting for the next one
  struct Partition {
    int32_t partition = 0;
    int64_t position = 0;  // next dead letter to replay
    int64_t end = 0;       // the end this replay went to
    int64_t retrying = 0;  // of those from `position` on, how many failed a replay
  };
  std::vector<Partition> partitions;
};

/// The replay group of a connector.
std::string dlqReplayGroup(const std::string& connector);

/// Replay (or with dryRun, count) the dead letters of `plan`'s connector up to
/// the end of the DLQ topic as it is when the call starts. Needs
/// errors.deadletterqueue.topic.name. A fatal plugin error stops the replay;
/// what was committed before it stays replayed.
Result<DlqReplayReport> replayDeadLetters(std::shared_ptr<const config::ConnectorPlan> plan, TaskEnv env,
                                          const DlqReplayOptions& options);

}  // namespace sluice::runtime
