#include "file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>

namespace sluice_plugins {
FileSource::FileSource(const sluice::Init& init) : SourceTask(init) {
  path_ = config().requireString("file");
  topic_ = config().requireString("topic");
  batchSize_ = config().getInt("batch.size", 2000);
  if (batchSize_ < 1) throw sluice::ConfigError("'batch.size' must be >= 1");
  if (config().getString("format", "text") == "json") setTextValues(false);  // lines go as they are
  partition_ = "{\"filename\":" + sluice::jsonString(path_) + "}";
}

FileSource::~FileSource() { closeFile(); }

sluice::Status FileSource::start() {
  int64_t pos = 0;
  if (auto off = committedOffset(partition_)) {
    auto p = off->find(':');
    if (p != std::string::npos) pos = std::stoll(off->substr(p + 1));
  }
  if (!openFile(pos)) log(SLUICE_LOG_WARN, "file " + path_ + " does not exist yet; waiting for it");
  return sluice::Status::ok();
}

sluice::Status FileSource::stop() {
  closeFile();
  return sluice::Status::ok();
}

bool FileSource::openFile(int64_t position) {
  closeFile();
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return false;
  struct stat st{};
  ::fstat(fd_, &st);
  inode_ = st.st_ino;
  if (position > st.st_size) position = 0;  // truncated while we were away
  ::lseek(fd_, position, SEEK_SET);
  position_ = position;
  buf_.clear();
  head_ = 0;
  return true;
}

void FileSource::closeFile() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

ssize_t FileSource::fill() {
  if (head_ > 0) {  // what is left is at most a partial line
    buf_.erase(0, head_);
    head_ = 0;
  }
  char chunk[65536];
  ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n > 0) buf_.append(chunk, static_cast<size_t>(n));
  return n;
}

void FileSource::checkRotation() {
  struct stat byPath{}, byFd{};
  if (::stat(path_.c_str(), &byPath) != 0) return;  // gone: keep reading the old one
  ::fstat(fd_, &byFd);
  if (byPath.st_ino != inode_) {
    // Rotated: the old file was fully read (we only get here at EOF).
    log(SLUICE_LOG_INFO, "file " + path_ + " was rotated; reading the new file from the start");
    openFile(0);
  } else if (byFd.st_size < position_ + static_cast<int64_t>(buf_.size() - head_)) {
    log(SLUICE_LOG_INFO, "file " + path_ + " was truncated; reading from the start");
    openFile(0);
  }
}

sluice::Status FileSource::poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) {
  if (fd_ < 0 && !openFile(0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(timeoutMs));
    return sluice::Status::ok();
  }
  uint32_t limit = std::min<uint32_t>(maxRecords, static_cast<uint32_t>(batchSize_));
  uint32_t emitted = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (emitted < limit) {
    // A line ends at LF, CR LF or a lone CR, as in Kafka Connect's
    // FileStreamSource; a CR at the end of what was read waits for the
    // next byte to tell which.
    size_t nl = buf_.find_first_of("\r\n", head_);
    if (nl != std::string::npos && buf_[nl] == '\r' && nl + 1 == buf_.size()) nl = std::string::npos;
    if (nl == std::string::npos) {
      ssize_t n = fill();
      if (n > 0) continue;
      if (n < 0) return sluice::Status::retriable("read of " + path_ + " failed");
      // EOF: a partial line stays buffered until its newline arrives.
      if (emitted > 0) break;
      checkRotation();
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    size_t lineLen = nl - head_;
    size_t end = nl + (buf_[nl] == '\r' && buf_[nl + 1] == '\n' ? 2 : 1);  // past the line's end
    int64_t next = position_ + static_cast<int64_t>(end - head_);
    offset_ = "{\"position\":" + std::to_string(next) + "}";
    sluice::SourceRecord r;
    r.topic = topic_;
    r.value = std::string_view(buf_.data() + head_, lineLen);
    r.sourcePartition = partition_;
    r.sourceOffset = offset_;
    if (auto s = out.emit(r); !s.isOk()) return s;
    head_ = end;
    position_ = next;
    ++emitted;
  }
  return sluice::Status::ok();
}

}  // namespace sluice_plugins
