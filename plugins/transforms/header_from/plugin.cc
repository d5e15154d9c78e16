#include "header_from.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo HeaderFrom::info() {
  PluginInfo i{"HeaderFrom", "1.0.0", "Copy or move fields of the key or value into record headers."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> HeaderFrom::options() {
  return {
      requiredOption("fields", OptionType::List,
                     "Field names in the record whose values are to be copied or moved to headers."),
      requiredOption("headers", OptionType::List,
                     "Header names, in the same order as the field names listed in the fields option."),
      requiredOption("operation", OptionType::String,
                     "Either move if the fields are to be moved to the headers (removed from the "
                     "key/value), or copy if the fields are to be copied to the headers (retained in the "
                     "key/value).",
                     {"move", "copy"}),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::HeaderFrom)
