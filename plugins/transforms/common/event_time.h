// Event time of a record for the stateful transforms: the record timestamp,
// or a numeric value field (`time.field`). Reading it never consults the
// wall clock, so replaying the same records gives the same times.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "base.h"
#include "config_util.h"
#include "field_path.h"
#include "numbers.h"

namespace sluice::transforms {

class EventTime {
 public:
  static constexpr const char* kOption = "time.field";

  explicit EventTime(const Config& c) {
    if (auto f = optionalString(c, kOption)) field_ = FieldPath::parse(*f, FieldSyntax::V2, kOption);
  }

  /// The option-table entry of `time.field`.
  static Option option() {
    return optionalOption(
        kOption, OptionType::String, std::nullopt,
        "Value field (dotted path; backticks quote names with dots) holding the event time in epoch ms, as a "
        "number or a decimal string. Unset: the record timestamp. A record without an event time fails "
        "(errors.tolerance decides what happens to it).");
  }

  /// The event time of `r` in ms; throws DataError when it has none.
  int64_t of(const Record& r) const {
    if (!field_) {
      const int64_t ts = r.timestampMs();
      if (ts < 0)
        throw DataError("record on topic '" + std::string(r.topic()) + "' has no timestamp; set '" + kOption +
                        "' to take the event time from a value field");
      return ts;
    }
    const Value v = r.get(SLUICE_PART_VALUE, field_->path());
    switch (v.type) {
      case SLUICE_TYPE_INT: return v.i;
      case SLUICE_TYPE_DOUBLE:
        if (std::isfinite(v.d)) return javaDoubleToLong(std::floor(v.d));
        break;
      case SLUICE_TYPE_STRING:
        if (auto i = parseJavaInteger(v.s)) return *i;
        break;
      default: break;
    }
    throw DataError("event time field '" + field_->text() + "' (" + kOption + ") is " +
                    (isNull(v) ? std::string("absent or null") : "not an epoch-ms number: " + std::string(typeName(v.type))));
  }

 private:
  std::optional<FieldPath> field_;
};

}  // namespace sluice::transforms
