#include "file_sink.h"

namespace sluice_plugins {

sluice::PluginInfo FileSink::info() {
  return {.name = "file-sink",
          .version = "1.1.0",
          .description = "Appends each record value as one line to a file, fsynced before offsets are committed.",
          .aliases = "FileStreamSink",
          // Lines are text: with value.converter=json a JSON string `"alpha"`
          // is written as `alpha`, as Kafka Connect's FileStreamSink does.
          .flags = SLUICE_FLAG_TEXT_VALUES};
}

std::vector<sluice::Option> FileSink::options() {
  return {{.name = "file", .type = sluice::OptionType::String, .defaultValue = "",
           .doc = "File to append to; empty writes to standard output."},
          {.name = "format", .type = sluice::OptionType::String, .defaultValue = "text",
           .doc = "text: each value is decoded by the value.converter, as Kafka Connect's FileStreamSink does "
                  "(with json, the JSON string \"alpha\" is written as alpha, another JSON value as its JSON "
                  "text, and a value that is not JSON fails conversion under errors.tolerance); json: each value "
                  "is written as the topic holds it.",
           .allowed = {"text", "json"}}};
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::FileSink)
