#include "value_to_key.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo ValueToKey::info() {
  return PluginInfo{"ValueToKey", "1.0.0",
                    "Replace the record key with a new key formed from a subset of fields in the record "
                    "value."};
}

std::vector<Option> ValueToKey::options() {
  return {
      requiredOption("fields", OptionType::List,
                     "Field names on the record value to extract as the record key."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::ValueToKey)
