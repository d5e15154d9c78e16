#include "topic_name_matches.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo TopicNameMatches::info() {
  return PluginInfo{"TopicNameMatches", "1.0.0",
                    "A predicate which is true for records whose whole topic name matches a regular "
                    "expression."};
}

std::vector<Option> TopicNameMatches::options() {
  return {
      requiredOption("pattern", OptionType::String,
                     "A regular expression (Java syntax; ECMAScript subset) matched against the whole "
                     "topic name."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::TopicNameMatches)
