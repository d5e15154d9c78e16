#include "deduplicate.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo Deduplicate::info() {
  return PluginInfo{"Deduplicate", "1.0.0",
                    "Drop records whose key (or a value field) already passed within a window of event time; "
                    "keeps bounded operator state."};
}

std::vector<Option> Deduplicate::options() {
  Option window = requiredOption(
      "window.ms", OptionType::Long,
      "Event-time window in ms: a record is dropped when a record with the same key passed less than this "
      "long before or after it. Dropped duplicates do not extend the window, so a key that keeps recurring "
      "passes once per window.");
  window.min = 1;
  return {
      optionalOption("field", OptionType::String, std::nullopt,
                     "Value field (dotted path; backticks quote names with dots) that identifies duplicates, "
                     "compared as JSON. Unset: the record key, compared as bytes. Records whose key or field "
                     "is null or absent always pass."),
      window,
      EventTime::option(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::Deduplicate)
