#include "filter.h"

namespace sluice::transforms {

PluginInfo Filter::info() {
  return PluginInfo{"Filter", "1.0.0",
                    "Drop every record it is applied to; combine with a predicate to filter records "
                    "conditionally."};
}

std::vector<Option> Filter::options() { return {}; }

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::Filter)
