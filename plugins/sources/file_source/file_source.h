#pragma once
// file-source: tails a file line by line (Kafka Connect's FileStreamSource).
// The source offset is the byte position after the last line emitted, so a
// restart resumes exactly there. Rotation (the path now names another file)
// finishes the old file first, then starts the new one at 0; truncation
// (the file shrank below our position) starts over at 0.

#include <sluice/cpp/plugin.hpp>

#include <sys/types.h>

#include <string>

namespace sluice_plugins {

class FileSource final : public sluice::SourceTask {
 public:
  explicit FileSource(const sluice::Init& init);
  ~FileSource() override;
  sluice::Status start() override;
  sluice::Status poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  bool openFile(int64_t position);
  void closeFile();
  /// Read what is available into buf_; returns bytes read.
  ssize_t fill();
  /// Detect rotation or truncation of the path; may reopen.
  void checkRotation();

  std::string path_;
  std::string topic_;
  int64_t batchSize_;
  int fd_ = -1;
  ino_t inode_ = 0;
  int64_t position_ = 0;  // offset in the file of buf_[head_], the first byte not emitted
  std::string buf_;
  // Bytes of buf_ already emitted. Dropped only when more is read, so that
  // emitting a line does not move the rest of the buffer (erasing each line
  // from the front cost a memmove of up to 64 KiB per line).
  size_t head_ = 0;
  std::string partition_, offset_;
};

}  // namespace sluice_plugins
