#include "insert_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo InsertField::info() {
  PluginInfo i{"InsertField", "1.0.0",
               "Insert the record's topic, partition, offset or timestamp, or a static value, as fields of the key "
               "or value."};
  i.aliases = SLUICE_CONNECT_ALIAS("InsertField");
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> InsertField::options() {
  const std::string suffix =
      " A trailing '!' (required) or '?' (optional, the default) is accepted and ignored: it only matters for "
      "schemas.";
  return {
      optionalOption("topic.field", OptionType::String, std::nullopt, "Field name for the Kafka topic." + suffix),
      optionalOption("partition.field", OptionType::String, std::nullopt,
                     "Field name for the Kafka partition; not inserted while the partition is unassigned." + suffix),
      optionalOption("offset.field", OptionType::String, std::nullopt,
                     "Field name for the Kafka offset; only inserted when the record has one (sink side)." + suffix),
      optionalOption("timestamp.field", OptionType::String, std::nullopt,
                     "Field name for the record timestamp, as epoch milliseconds." + suffix),
      optionalOption("static.field", OptionType::String, std::nullopt, "Field name for a static string." + suffix),
      optionalOption("static.value", OptionType::String, std::nullopt,
                     "Static field value; required when static.field is set."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::InsertField)
