#include "timestamp_router.h"

#include <string_view>

namespace sluice::transforms {

TimestampRouter::TimestampRouter(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  format_ = DateFormat(c.getString("timestamp.format", "yyyyMMdd"), "timestamp.format");
  // Split topic.format on the ${topic} and ${timestamp} placeholders once.
  const std::string topicFormat = c.getString("topic.format", "${topic}-${timestamp}");
  std::string_view f = topicFormat;
  std::string literal;
  while (!f.empty()) {
    if (f.starts_with("${topic}")) {
      if (!literal.empty()) segments_.push_back({Piece::Literal, std::move(literal)});
      literal.clear();
      segments_.push_back({Piece::Topic, {}});
      f.remove_prefix(8);
    } else if (f.starts_with("${timestamp}")) {
      if (!literal.empty()) segments_.push_back({Piece::Literal, std::move(literal)});
      literal.clear();
      segments_.push_back({Piece::Timestamp, {}});
      f.remove_prefix(12);
    } else {
      literal.push_back(f.front());
      f.remove_prefix(1);
    }
  }
  if (!literal.empty()) segments_.push_back({Piece::Literal, std::move(literal)});
}

void TimestampRouter::transform(Record& r) {
  const int64_t ts = r.timestampMs();
  if (ts < 0) throw DataError("timestamp missing on record (topic '" + std::string(r.topic()) + "')");
  const int64_t g = format_.granularityMs();
  const int64_t bucket = g > 0 ? civil::floorDiv(ts, g) : 0;
  if (bucket != cachedBucket_) {
    cachedTimestamp_.clear();
    format_.format(ts, cachedTimestamp_);
    cachedBucket_ = bucket;
  }
  const std::string_view topic = r.topic();
  topic_.clear();
  for (const Segment& s : segments_) {
    switch (s.piece) {
      case Piece::Literal: topic_ += s.text; break;
      case Piece::Topic: topic_ += topic; break;
      case Piece::Timestamp: topic_ += cachedTimestamp_; break;
    }
  }
  r.setTopic(topic_);
}

}  // namespace sluice::transforms
