#pragma once
// file-sink: appends one line per record value to a file (or stdout), and
// makes it durable (fflush + fsync) in flush(), before the host commits the
// records' offsets. Kafka Connect's FileStreamSink, with at-least-once.

#include <sluice/cpp/plugin.hpp>

#include <cstdio>
#include <string>

namespace sluice_plugins {

class FileSink final : public sluice::SinkTask {
 public:
  explicit FileSink(const sluice::Init& init);
  ~FileSink() override;
  sluice::Status start() override;
  sluice::Status put(std::span<const sluice_record* const> records) override;
  sluice::Status flush() override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  std::string path_;
  FILE* out_ = nullptr;
  std::string buf_;
};

}  // namespace sluice_plugins
