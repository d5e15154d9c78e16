#include "file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice_plugins {

FileSink::FileSink(const sluice::Init& init) : SinkTask(init) {
  path_ = config().getString("file");
  if (config().getString("format", "text") == "json") setTextValues(false);  // values as the topic has them
}

FileSink::~FileSink() {
  if (fd_ > STDOUT_FILENO) ::close(fd_);
}

sluice::Status FileSink::start() {
  if (path_.empty()) {
    fd_ = STDOUT_FILENO;
    return sluice::Status::ok();
  }
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return sluice::Status::fatal("cannot open '" + path_ + "' for appending: " + std::strerror(errno));
  // A kill -9 can interrupt a large write(2) between pages, leaving a partial
  // last line. Those records were not committed and come again; end the
  // fragment so they start on a line of their own instead of merging into it.
  off_t size = ::lseek(fd_, 0, SEEK_END);
  char last = '\n';
  if (size > 0 && ::pread(fd_, &last, 1, size - 1) == 1 && last != '\n') {
    if (::write(fd_, "\n", 1) != 1) return sluice::Status::fatal("cannot repair the end of '" + path_ + "'");
    log(SLUICE_LOG_WARN, "'" + path_ + "' ended in a partial line (a crash interrupted a write); "
                         "ended it, the records it held will be written again");
  }
  return sluice::Status::ok();
}

sluice::Status FileSink::put(std::span<const sluice_record* const> records) {
  buf_.clear();
  for (const sluice_record* r : records) {
    if (r->value.data) buf_.append(r->value.data, r->value.len);
    else buf_ += "null";
    buf_ += '\n';
  }
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // Nothing of this batch may count as written: a partial write would
      // duplicate lines on retry, so report it as fatal rather than retry.
      if (done == 0) return sluice::Status::retriable("write to '" + path_ + "' failed: " + std::strerror(errno));
      return sluice::Status::fatal("partial write to '" + path_ + "': " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return sluice::Status::ok();
}

sluice::Status FileSink::flush() {
  if (fd_ <= STDOUT_FILENO) return sluice::Status::ok();
  if (::fsync(fd_) != 0) return sluice::Status::retriable("fsync of '" + path_ + "' failed: " + std::strerror(errno));
  return sluice::Status::ok();
}

sluice::Status FileSink::stop() {
  if (fd_ < 0) return sluice::Status::ok();
  auto s = flush();
  if (fd_ > STDOUT_FILENO) ::close(fd_);
  fd_ = -1;
  return s;
}

}  // namespace sluice_plugins
