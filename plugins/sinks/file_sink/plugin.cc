#include "file_sink.h"

namespace sluice_plugins {

sluice::PluginInfo FileSink::info() {
  return {.name = "file-sink",
          .version = "1.0.0",
          .description = "Appends each record value as one line to a file, fsynced before offsets are committed.",
          .aliases = "FileStreamSink"};
}

std::vector<sluice::Option> FileSink::options() {
  return {{.name = "file", .type = sluice::OptionType::String, .defaultValue = "",
           .doc = "File to append to; empty writes to standard output."}};
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::FileSink)
