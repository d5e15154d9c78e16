#include "hoist_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo HoistField::info() {
  PluginInfo i{"HoistField", "1.0.0", "Wrap the whole key or value in an object under the given field name."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> HoistField::options() {
  return {
      requiredOption("field", OptionType::String,
                     "Field name for the single field that will be created in the resulting object."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::HoistField)
