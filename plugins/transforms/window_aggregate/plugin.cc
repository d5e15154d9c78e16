#include "window_aggregate.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo WindowAggregate::info() {
  return PluginInfo{"WindowAggregate", "1.0.0",
                    "Count, sum, min and max of a numeric field per key over tumbling event-time windows; emits "
                    "one result record per key and window when the window closes."};
}

std::vector<Option> WindowAggregate::options() {
  Option size = requiredOption("window.size.ms", OptionType::Long,
                               "Length of the tumbling windows in ms; windows are aligned to the epoch: "
                               "[n * size, (n + 1) * size).");
  size.min = 1;
  Option lateness = optionalOption(
      "allowed.lateness.ms", OptionType::Long, "0",
      "The watermark trails the largest event time seen by this much. A window fires once the watermark reaches "
      "its last millisecond; a record for a window that already fired is late: counted (in state and a DEBUG "
      "log line) and not aggregated.");
  lateness.min = 0;
  return {
      optionalOption("field", OptionType::String, std::nullopt,
                     "Numeric value field to aggregate (dotted path; backticks quote names with dots). Records "
                     "where it is null or absent are not aggregated; a non-numeric value fails the record. "
                     "Required unless 'aggregations' is only count (then every record is counted)."),
      optionalOption("aggregations", OptionType::List, "count,sum,min,max",
                     "Which results each output record carries: any of count, sum, min, max."),
      size,
      optionalOption("group.field", OptionType::String, std::nullopt,
                     "Value field to group by (dotted path), compared as JSON (the string \"7\" and the number 7 "
                     "are different groups). Unset: the record key, compared as bytes. Records whose group is "
                     "null or absent are not aggregated."),
      EventTime::option(),
      lateness,
      optionalOption("output.topic", OptionType::String, std::nullopt,
                     "Topic of the result records. Unset: the topic of the window's first record plus "
                     "'.windows'. A result has the group as key (a string group field unquoted), the value "
                     "{\"key\":..,\"window_start\":ms,\"window_end\":ms,\"count\":..,\"sum\":..,\"min\":..,"
                     "\"max\":..} (the configured aggregations) and the timestamp window_end - 1."),
      optionalOption("emit.input", OptionType::Boolean, "false",
                     "Whether input records pass through unchanged (late and unaggregated ones included) next "
                     "to the results; false drops every input record."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::WindowAggregate)
