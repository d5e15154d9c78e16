#include "insert_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo InsertField::info() {
  PluginInfo i{"InsertField", "1.0.0",
               "Insert the record's topic, partition, offset or timestamp, or a static value, as fields of "
               "the key or value."};
  i.flags = SLUICE_FLAG_KEY_VALUE_VARIANTS;
  return i;
}

std::vector<Option> InsertField::options() {
  const std::string suffix =
      " A trailing '!' (required) or '?' (optional, the default) is accepted and ignored: it only "
      "matters for schemas.";
  auto field = [&](const char* name, const std::string& doc) {
    return optionalOption(name, OptionType::String, std::nullopt, doc + suffix);
  };
  return {
      field("topic.field", "Field name for the Kafka topic."),
      field("partition.field", "Field name for the Kafka partition; not inserted while it is unassigned."),
      field("offset.field", "Field name for the Kafka offset; only inserted when the record has one."),
      field("timestamp.field", "Field name for the record timestamp, as epoch milliseconds."),
      field("static.field", "Field name for a static string."),
      optionalOption("static.value", OptionType::String, std::nullopt,
                     "Static field value; required when static.field is set."),
      replaceNullWithDefaultOption(),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::InsertField)
