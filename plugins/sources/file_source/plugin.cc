#include "file_source.h"

namespace sluice_plugins {

sluice::PluginInfo FileSource::info() {
  return {.name = "file-source",
          .version = "1.1.0",
          .description = "Tails a file line by line into a topic (a line ends at LF, CR LF or CR); resumes at the byte position after a restart, follows rotation and truncation.",
          .aliases = "FileStreamSource",
          // Lines are text: with value.converter=json `alpha` goes to the
          // topic as the JSON string `"alpha"`, as Kafka Connect's
          // FileStreamSource writes it.
          .flags = SLUICE_FLAG_TEXT_VALUES,
          .maxTasks = 1};
}

std::vector<sluice::Option> FileSource::options() {
  using T = sluice::OptionType;
  return {
      {.name = "file", .type = T::String, .doc = "Path of the file to tail.", .required = true},
      {.name = "topic", .type = T::String, .doc = "Topic to write each line to.", .required = true},
      {.name = "batch.size", .type = T::Int, .defaultValue = "2000", .doc = "Maximum lines per poll.", .min = 1},
      {.name = "format", .type = T::String, .defaultValue = "text",
       .doc = "text: each line is a string, as Kafka Connect's FileStreamSource writes it (with "
              "value.converter=json the line alpha goes to the topic as the JSON string \"alpha\"); json: each "
              "line is a JSON document and goes to the topic as it is (with value.converter=json, transforms see "
              "its fields); lines are not checked: one that is not JSON fails only where something parses it, "
              "e.g. a transform.",
       .allowed = {"text", "json"}},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::FileSource)
