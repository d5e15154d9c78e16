#include "has_header_key.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo HasHeaderKey::info() {
  PluginInfo i{"HasHeaderKey", "1.0.0",
               "A predicate which is true for records with at least one header with the configured name."};
  i.aliases = SLUICE_CONNECT_PREDICATE_ALIAS("HasHeaderKey");
  return i;
}

std::vector<Option> HasHeaderKey::options() {
  return {
      requiredOption("name", OptionType::String, "The header name."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::HasHeaderKey)
