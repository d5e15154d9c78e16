#include "timestamp_converter.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo TimestampConverter::info() {
  PluginInfo i{"TimestampConverter", "1.0.0",
               "Convert a timestamp field or the whole key or value between unix time, strings and "
               "Date/Time/Timestamp."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> TimestampConverter::options() {
  return {
      optionalOption("field", OptionType::String, "",
                     "The field containing the timestamp, or empty if the entire value is a timestamp."),
      requiredOption("target.type", OptionType::String,
                     "The desired timestamp representation: string, unix, Date, Time, or Timestamp. Date, "
                     "Time and Timestamp are epoch milliseconds (Date: midnight UTC of the day; Time: "
                     "milliseconds since midnight UTC).",
                     {"string", "unix", "Date", "Time", "Timestamp"}),
      optionalOption("format", OptionType::String, "",
                     "A SimpleDateFormat-compatible pattern (UTC). Used to generate the output when "
                     "target.type is string, and to parse string inputs."),
      optionalOption("unix.precision", OptionType::String, "milliseconds",
                     "The unix time precision: seconds, milliseconds, microseconds, or nanoseconds. Used "
                     "for integer inputs and for output when target.type is unix. Sub-millisecond "
                     "components are lost.",
                     {"seconds", "milliseconds", "microseconds", "nanoseconds"}),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::TimestampConverter)
