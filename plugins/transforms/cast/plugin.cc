#include "cast.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo Cast::info() {
  PluginInfo i{"Cast", "1.0.0",
               "Cast fields, or the entire key or value, to a number, boolean or string type."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> Cast::options() {
  return {
      requiredOption("spec", OptionType::List,
                     "List of fields and the type to cast them to, as field1:type,field2:type, or a single "
                     "type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
                     "float64, boolean and string."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::Cast)
