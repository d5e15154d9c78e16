#pragma once
// Status and Result<T> for fallible host calls (rocksdb::Status style).
// Exceptions are used only at startup and config load, never on the record path.
//
// They are sluice::host::Status and sluice::host::Result: the plugin SDK has a
// sluice::Status of its own (sdk/include/sluice/cpp/plugin.hpp), and a program
// holding the host and code built against the SDK (the test programs, a
// plugin linked into a test) must not have two classes of one name. Host code
// says plain Status and Result through the using-declarations at the end.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sluice::host {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kInvalid, kNotFound, kConflict, kRetriable, kFatal, kIo };

  Status() = default;
  static Status ok() { return Status(); }
  static Status invalid(std::string m) { return Status(Code::kInvalid, std::move(m)); }
  static Status notFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status conflict(std::string m) { return Status(Code::kConflict, std::move(m)); }
  static Status retriable(std::string m) { return Status(Code::kRetriable, std::move(m)); }
  static Status fatal(std::string m) { return Status(Code::kFatal, std::move(m)); }
  static Status io(std::string m) { return Status(Code::kIo, std::move(m)); }

  bool isOk() const { return code_ == Code::kOk; }
  explicit operator bool() const { return isOk(); }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}     // NOLINT
  bool isOk() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return isOk(); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Status& status() const {
    static const Status okStatus;
    return isOk() ? okStatus : std::get<Status>(v_);
  }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sluice::host

namespace sluice {
using host::Result;
using host::Status;
}  // namespace sluice
