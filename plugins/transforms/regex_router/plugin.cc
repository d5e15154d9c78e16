#include "regex_router.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo RegexRouter::info() {
  return PluginInfo{"RegexRouter", "1.0.0",
                    "Rename the topic with a regular expression and replacement when the whole topic "
                    "matches."};
}

std::vector<Option> RegexRouter::options() {
  return {
      requiredOption("regex", OptionType::String,
                     "Regular expression to use for matching the whole topic (Java syntax; ECMAScript "
                     "subset)."),
      requiredOption("replacement", OptionType::String,
                     "Replacement string; $n inserts capture group n, a backslash escapes the next "
                     "character."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::RegexRouter)
