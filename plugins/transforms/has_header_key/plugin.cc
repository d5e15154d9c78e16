#include "has_header_key.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo HasHeaderKey::info() {
  return PluginInfo{"HasHeaderKey", "1.0.0",
                    "A predicate which is true for records with at least one header with the configured "
                    "name."};
}

std::vector<Option> HasHeaderKey::options() {
  return {
      requiredOption("name", OptionType::String, "The header name."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::HasHeaderKey)
