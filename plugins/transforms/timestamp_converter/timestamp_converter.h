// TimestampConverter ($Key/$Value): convert a timestamp field, or the whole
// key or value, between unix time, formatted strings and Connect's
// Date/Time/Timestamp (epoch-millisecond integers in JSON).
#pragma once

#include "../common/base.h"
#include "../common/date_format.h"
#include "../common/field_path.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace sluice::transforms {

class TimestampConverter : public RecordTransform {
 public:
  explicit TimestampConverter(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  enum class Target { String, Unix, Date, Time, Timestamp };
  enum class Precision { Seconds, Milliseconds, Microseconds, Nanoseconds };

  int64_t toMillis(const Value& v) const;
  Value fromMillis(int64_t ms) const;

  std::optional<FieldPath> field_;  // nullopt: the whole key or value
  Target target_ = Target::Timestamp;
  Precision precision_ = Precision::Milliseconds;
  std::optional<DateFormat> format_;
};

}  // namespace sluice::transforms
