#include "datagen.h"

namespace sluice_plugins {

sluice::PluginInfo Datagen::info() {
  return {.name = "datagen",
          .version = "1.0.0",
          .description = "Generates deterministic JSON records {seq, key, ts, payload}; resumes its sequence after a restart.",
          .aliases = "DatagenSource"};
}

std::vector<sluice::Option> Datagen::options() {
  using T = sluice::OptionType;
  return {
      {.name = "topic", .type = T::String, .doc = "Topic to write to.", .required = true},
      {.name = "records", .type = T::Long, .defaultValue = "0", .doc = "Records each task generates before going idle; 0 = unbounded.", .min = 0},
      {.name = "records.per.second", .type = T::Double, .defaultValue = "0", .doc = "Rate limit per task; 0 = as fast as possible.", .min = 0},
      {.name = "payload.bytes", .type = T::Int, .defaultValue = "16", .doc = "Length of the `payload` string in each value.", .min = 0, .max = 10485760},
      {.name = "keys", .type = T::Int, .defaultValue = "10", .doc = "Distinct keys `key-0`..`key-(N-1)`, cycled by seq; 0 = records have no key.", .min = 0},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::Datagen)
