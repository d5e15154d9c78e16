#include "replace_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo ReplaceField::info() {
  PluginInfo i{"ReplaceField", "1.0.0", "Filter (include/exclude) or rename fields of the key or value."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> ReplaceField::options() {
  return {
      optionalOption("exclude", OptionType::List, "",
                     "Fields to exclude. This takes precedence over the fields to include."),
      optionalOption("include", OptionType::List, "",
                     "Fields to include. If specified, only these fields are kept."),
      optionalOption("renames", OptionType::List, "",
                     "Field rename mappings as a list of colon-delimited pairs, e.g. foo:bar,abc:xyz."),
      optionalOption("blacklist", OptionType::List, std::nullopt, "Deprecated. Use exclude instead."),
      optionalOption("whitelist", OptionType::List, std::nullopt, "Deprecated. Use include instead."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::ReplaceField)
