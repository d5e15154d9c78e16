#include "extract_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo ExtractField::info() {
  PluginInfo i{"ExtractField", "1.0.0",
               "Replace the key or value with one of its fields; null if the field is absent."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> ExtractField::options() {
  return {
      requiredOption("field", OptionType::String, "Field name to extract."),
      optionalOption("field.syntax.version", OptionType::String, "V1",
                     "Syntax of field paths. V1: the name is a top-level field, taken literally. V2: "
                     "dotted notation reaches nested fields; wrap names containing dots in backticks "
                     "(`foo.bar`.baz) and escape a backtick with a backslash. Case-insensitive."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::ExtractField)
