#include "timestamp_router.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo TimestampRouter::info() {
  return PluginInfo{"TimestampRouter", "1.0.0",
                    "Route records to a topic named from the original topic and the record timestamp (UTC)."};
}

std::vector<Option> TimestampRouter::options() {
  return {
      optionalOption("topic.format", OptionType::String, "${topic}-${timestamp}",
                     "Format string which can contain ${topic} and ${timestamp} as placeholders for the "
                     "topic and timestamp, respectively."),
      optionalOption("timestamp.format", OptionType::String, "yyyyMMdd",
                     "Format string for the timestamp that is compatible with java.text.SimpleDateFormat; "
                     "timestamps are formatted in UTC."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::TimestampRouter)
