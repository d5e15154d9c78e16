#include "mask_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo MaskField::info() {
  PluginInfo i{"MaskField", "1.0.0",
               "Mask fields of the key or value with the empty value of their type or a replacement."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> MaskField::options() {
  return {
      requiredOption("fields", OptionType::List, "Names of fields to mask."),
      optionalOption("replacement", OptionType::String, std::nullopt,
                     "Custom replacement applied to all 'fields' values (numeric or string fields only); "
                     "numeric fields get it converted to a number. Without it, fields get 0, false, \"\", "
                     "{} or []."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::MaskField)
