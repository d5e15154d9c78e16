// WindowAggregate: count, sum, min and max of a numeric value field per key
// over tumbling event-time windows. A window's result is emitted (one record
// per key and window) once this transform's own watermark -- the largest
// event time it has seen minus `allowed.lateness.ms` -- reaches the window's
// last millisecond. Records for a window that has already fired are late:
// counted and not aggregated.
//
// State layout (all keys private to this transform instance):
//   clock               largest event time seen (decimal); the watermark derives from it
//   late                number of late records so far (decimal)
//   w/<end>/<group id>  pack(kind, count, sum, min, max, topic, output key, key JSON)
//   f/<end>             marker: some window ending at <end> is open
// <end> is the exclusive window end as appendOrdered() hex, so "f/" scans in
// firing order and firing a window is one "w/<end>/" prefix scan.
#pragma once

#include "../common/base.h"
#include "../common/event_time.h"
#include "../common/field_path.h"
#include "../common/record_key.h"
#include "../common/state_codec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::transforms {

class WindowAggregate : public Transform {
 public:
  explicit WindowAggregate(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

  Status apply(Batch& batch) override;

 private:
  void add(Batch& batch, Record& r);
  void load();
  void fire(Batch& batch);
  int64_t watermark() const;

  RecordKey group_;
  EventTime time_;
  std::optional<FieldPath> field_;
  int64_t sizeMs_ = 0;
  int64_t latenessMs_ = 0;
  std::string outputTopic_;  // empty: "<topic of the window's first record>.windows"
  bool emitInput_ = false;
  bool count_ = false, sum_ = false, min_ = false, max_ = false;
  // Mirrors of state, loaded on first use: this instance is the only writer.
  bool loaded_ = false;
  int64_t clock_ = INT64_MIN;
  statecodec::TimeMarkers open_{"f/"};  // ends of open windows
};

}  // namespace sluice::transforms
