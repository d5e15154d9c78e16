// TimestampRouter: set the topic from a format combining the original topic
// and the record timestamp, e.g. "${topic}-${timestamp}" -> "orders-20240131".
#pragma once

#include "../common/base.h"
#include "../common/date_format.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::transforms {

class TimestampRouter : public RecordTransform {
 public:
  explicit TimestampRouter(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  enum class Piece { Literal, Topic, Timestamp };
  struct Segment {
    Piece piece;
    std::string text;
  };
  std::vector<Segment> segments_;
  DateFormat format_;
  // The formatted timestamp only changes every granularity ms: cache it.
  int64_t cachedBucket_ = INT64_MIN;
  std::string cachedTimestamp_;
  std::string topic_;  // reused output buffer
};

}  // namespace sluice::transforms
