// Deduplicate: drop a record whose key (or `field`) matches a record that
// passed within `window.ms` of event time. Operator state keeps one entry per
// remembered key plus an expiry index, both removed once the event-time
// clock has moved a window past them.
//
// State layout (all keys private to this transform instance):
//   clock                  largest event time seen (decimal)
//   k/<id>                 pack(event time of the last passed record, its index bucket end)
//   e/<bucket end>/<id>    expiry index: entries expiring in [end - bucket, end)
//   b/<bucket end>         bucket marker: that bucket has index entries
// Bucket ends are appendOrdered() hex, so "b/" scans oldest first, and
// expiring a bucket is one "e/<end>/" prefix scan.
#pragma once

#include "../common/base.h"
#include "../common/event_time.h"
#include "../common/record_key.h"
#include "../common/state_codec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::transforms {

class Deduplicate : public Transform {
 public:
  explicit Deduplicate(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

  /// Expired entries linger at most window.ms / kBucketsPerWindow of event time.
  static constexpr int64_t kBucketsPerWindow = 16;

  Status applyOne(Record& r) override;

 private:
  void dedup(Record& r);
  void load();
  void advanceClock(int64_t t);
  void remember(const std::string& id, int64_t seen, std::optional<int64_t> oldBucket);
  void expire();
  int64_t bucketEnd(int64_t expiry) const;

  RecordKey key_;
  EventTime time_;
  int64_t windowMs_ = 0;
  int64_t bucketMs_ = 1;
  // Mirrors of state, loaded on first use: this instance is the only writer.
  bool loaded_ = false;
  int64_t clock_ = INT64_MIN;
  statecodec::TimeMarkers buckets_{"b/"};
};

}  // namespace sluice::transforms
