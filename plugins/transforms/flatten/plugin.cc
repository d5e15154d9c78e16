#include "flatten.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo Flatten::info() {
  PluginInfo i{"Flatten", "1.0.0",
               "Flatten nested objects of the key or value into top-level fields joined by a delimiter."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> Flatten::options() {
  return {
      optionalOption("delimiter", OptionType::String, ".",
                     "Delimiter to insert between field names from the input record when generating field "
                     "names for the output record."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::Flatten)
