#include "file_sink.h"

#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace sluice_plugins {

FileSink::FileSink(const sluice::Init& init) : SinkTask(init) { path_ = config().getString("file"); }

FileSink::~FileSink() {
  if (out_ && out_ != stdout) std::fclose(out_);
}

sluice::Status FileSink::start() {
  if (path_.empty()) {
    out_ = stdout;
    return sluice::Status::ok();
  }
  out_ = std::fopen(path_.c_str(), "a");
  if (!out_) return sluice::Status::fatal("cannot open '" + path_ + "' for appending: " + std::strerror(errno));
  return sluice::Status::ok();
}

sluice::Status FileSink::put(std::span<const sluice_record* const> records) {
  buf_.clear();
  for (const sluice_record* r : records) {
    if (r->value.data) buf_.append(r->value.data, r->value.len);
    else buf_ += "null";
    buf_ += '\n';
  }
  if (std::fwrite(buf_.data(), 1, buf_.size(), out_) != buf_.size())
    return sluice::Status::retriable("write to '" + path_ + "' failed: " + std::strerror(errno));
  return sluice::Status::ok();
}

sluice::Status FileSink::flush() {
  if (!out_) return sluice::Status::ok();
  if (std::fflush(out_) != 0) return sluice::Status::retriable("flush of '" + path_ + "' failed: " + std::strerror(errno));
  if (out_ != stdout && ::fsync(fileno(out_)) != 0)
    return sluice::Status::retriable("fsync of '" + path_ + "' failed: " + std::strerror(errno));
  return sluice::Status::ok();
}

sluice::Status FileSink::stop() {
  if (!out_) return sluice::Status::ok();
  auto s = flush();
  if (out_ != stdout) std::fclose(out_);
  out_ = nullptr;
  return s;
}

}  // namespace sluice_plugins
