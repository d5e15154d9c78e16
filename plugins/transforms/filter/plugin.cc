#include "filter.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo Filter::info() {
  PluginInfo i{"Filter", "1.0.0",
               "Drop every record it is applied to; combine with a predicate to filter records conditionally."};
  i.aliases = SLUICE_CONNECT_ALIAS("Filter");
  return i;
}

std::vector<Option> Filter::options() { return {}; }

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::Filter)
