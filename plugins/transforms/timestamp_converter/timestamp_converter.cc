#include "timestamp_converter.h"

#include "../common/config_util.h"

#include <cmath>
#include <limits>

namespace sluice::transforms {

namespace {
/// TimeUnit conversions saturate at the int64 range.
int64_t saturatingMul(int64_t v, int64_t f) {
  int64_t out;
  if (__builtin_mul_overflow(v, f, &out))
    return (v < 0) ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  return out;
}
}  // namespace

TimestampConverter::TimestampConverter(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  if (auto f = optionalString(c, "field")) field_ = FieldPath::field(*f);

  const std::string target = c.requireString("target.type");
  if (target == "string") target_ = Target::String;
  else if (target == "unix") target_ = Target::Unix;
  else if (target == "Date") target_ = Target::Date;
  else if (target == "Time") target_ = Target::Time;
  else if (target == "Timestamp") target_ = Target::Timestamp;
  else throw ConfigError("option 'target.type' must be string, unix, Date, Time or Timestamp: " + target);

  const std::string precision = c.getString("unix.precision", "milliseconds");
  if (precision == "seconds") precision_ = Precision::Seconds;
  else if (precision == "milliseconds") precision_ = Precision::Milliseconds;
  else if (precision == "microseconds") precision_ = Precision::Microseconds;
  else if (precision == "nanoseconds") precision_ = Precision::Nanoseconds;
  else
    throw ConfigError("option 'unix.precision' must be seconds, milliseconds, microseconds or nanoseconds: " +
                      precision);

  std::string pattern = c.getString("format");
  if (pattern.find_first_not_of(" \t\r\n") == std::string::npos) pattern.clear();  // Utils.isBlank
  if (!pattern.empty()) format_.emplace(pattern, "format");
  else if (target_ == Target::String)
    throw ConfigError(
        "option 'format' is required (a SimpleDateFormat pattern) when 'target.type' is string");
}

int64_t TimestampConverter::toMillis(const Value& v) const {
  int64_t raw = 0;
  switch (v.type) {
    case SLUICE_TYPE_INT: raw = v.i; break;
    case SLUICE_TYPE_DOUBLE:  // accepted when integral, e.g. 1.7E12
      if (std::trunc(v.d) != v.d || std::fabs(v.d) >= 9.2e18)
        throw DataError("timestamp " + std::to_string(v.d) + " is not an integer");
      raw = static_cast<int64_t>(v.d);
      break;
    case SLUICE_TYPE_STRING: {
      if (!format_)
        throw DataError("cannot parse string timestamp '" + v.s + "': option 'format' is not set");
      auto ms = format_->parse(v.s);
      if (!ms)
        throw DataError("could not parse timestamp: value (" + v.s + ") does not match pattern (" +
                        format_->pattern() + ")");
      return *ms;
    }
    default:
      throw DataError(std::string("TimestampConverter does not support ") + typeName(v.type) +
                      " values as timestamps");
  }
  switch (precision_) {
    case Precision::Seconds: return saturatingMul(raw, 1000);
    case Precision::Microseconds: return raw / 1000;
    case Precision::Nanoseconds: return raw / 1000000;
    default: return raw;
  }
}

Value TimestampConverter::fromMillis(int64_t ms) const {
  switch (target_) {
    case Target::String: return Value::string(format_->format(ms));
    case Target::Unix:
      switch (precision_) {
        case Precision::Seconds: return Value::integer(ms / 1000);
        case Precision::Microseconds: return Value::integer(saturatingMul(ms, 1000));
        case Precision::Nanoseconds: return Value::integer(saturatingMul(ms, 1000000));
        default: return Value::integer(ms);
      }
    case Target::Date: return Value::integer(civil::floorDiv(ms, civil::kMsPerDay) * civil::kMsPerDay);
    case Target::Time: return Value::integer(civil::floorMod(ms, civil::kMsPerDay));
    case Target::Timestamp: return Value::integer(ms);
  }
  return Value::integer(ms);
}

void TimestampConverter::transform(Record& r) {
  const sluice_part p = part();
  if (!field_) {
    const Value v = r.get(p, Path{});
    if (isNull(v)) return;  // null stays null
    r.set(p, Path{}, fromMillis(toMillis(v)));
    return;
  }
  if (!objectOrNull(r, "converting timestamp formats")) return;
  const Value v = r.get(p, field_->path());
  if (isNull(v)) return;  // null stays null; an absent field is not added
  try {
    r.set(p, field_->path(), fromMillis(toMillis(v)));
  } catch (const DataError& e) {
    throw DataError("field '" + field_->text() + "': " + e.what());
  }
}

}  // namespace sluice::transforms
