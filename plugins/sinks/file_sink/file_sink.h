#pragma once
// file-sink: appends one line per record value to a file (or stdout), and
// makes it durable (fsync) in flush(), before the host commits the records'
// offsets. Kafka Connect's FileStreamSink, with at-least-once. Each put is
// written with write(2) as whole lines, so a crash (kill -9) cannot leave
// half a line for the re-delivery to be appended to.

#include <sluice/cpp/plugin.hpp>

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
  int fd_ = -1;  // raw fd, no stdio buffer: a batch is one write(2), never torn by a crash
  std::string buf_;
};

}  // namespace sluice_plugins
