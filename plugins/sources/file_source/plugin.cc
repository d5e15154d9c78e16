#include "file_source.h"

namespace sluice_plugins {

sluice::PluginInfo FileSource::info() {
  return {.name = "file-source",
          .version = "1.0.0",
          .description = "Tails a file line by line into a topic; resumes at the byte position after a restart, follows rotation and truncation.",
          .aliases = "FileStreamSource",
          .maxTasks = 1};
}

std::vector<sluice::Option> FileSource::options() {
  using T = sluice::OptionType;
  return {
      {.name = "file", .type = T::String, .doc = "Path of the file to tail.", .required = true},
      {.name = "topic", .type = T::String, .doc = "Topic to write each line to.", .required = true},
      {.name = "batch.size", .type = T::Int, .defaultValue = "2000", .doc = "Maximum lines per poll.", .min = 1},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::FileSource)
