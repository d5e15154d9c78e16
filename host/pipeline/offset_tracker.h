#pragma once
// Source offset tracking for at-least-once delivery: a source offset becomes
// committable only when every record before it in the same source partition
// was acknowledged by Kafka. Used from the task thread only (delivery reports
// are served by rd_kafka_poll on that thread), so it needs no locking.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace sluice::runtime {

class OffsetTracker {
 public:
  struct Entry;

  /// Track a record about to be produced; the returned pointer is the
  /// produce opaque and stays valid until the record is acknowledged and
  /// everything before it too.
  Entry* add(const std::string& partition, std::string offset);
  /// Kafka acknowledged the record.
  void ack(Entry* e);
  /// Offsets that became committable since the last call (partition -> offset).
  std::map<std::string, std::string> takeCommittable();
  /// Records produced but not yet acknowledged (or behind an unacked one).
  size_t pending() const { return pending_; }

  struct Partition;
  struct Entry {
    Partition* owner;
    std::string offset;
    bool acked = false;
  };
  struct Partition {
    std::string name;
    std::deque<Entry> inflight;
    std::optional<std::string> committable;
    bool dirty = false;
  };

 private:
  std::unordered_map<std::string, std::unique_ptr<Partition>> parts_;
  Partition* last_ = nullptr;  // the partition of the last add
  size_t pending_ = 0;
};

struct Record;
/// Where a record came from, for a task's error: " (record T-P@O)" for a
/// consumed one, " (record for T from source partition P at source offset
/// O)" for a source's (the offset from its tracker entry once it has one).
std::string describeRecord(const Record& r);

}  // namespace sluice::runtime
