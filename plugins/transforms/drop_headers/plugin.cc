#include "drop_headers.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo DropHeaders::info() {
  return PluginInfo{"DropHeaders", "1.0.0", "Remove one or more headers, by name, from each record."};
}

std::vector<Option> DropHeaders::options() {
  return {
      requiredOption("headers", OptionType::List, "The names of the headers to be removed."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::DropHeaders)
