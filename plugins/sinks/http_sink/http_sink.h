#pragma once
// http-sink: POSTs records as JSON arrays to an HTTP endpoint with libcurl,
// in requests of at most batch.max.size records and batch.max.bytes bytes.
//
// The body is a JSON array: of the record values (request.body.format=values;
// a tombstone is null, a value that is not JSON is sent as a JSON string), or
// of envelopes {"topic","partition","offset","timestamp","key","value"}
// (records), which lets the receiver drop what a crash made it see twice.
//
// Answers:
//   2xx                    delivered
//   408, 429, 5xx          retriable: put returns RETRIABLE and the host
//                          offers the same batch again; Retry-After (seconds
//                          or an HTTP date) is honoured: until then put
//                          answers RETRIABLE without sending anything.
//                          Requests of the batch that were already delivered
//                          are not sent again when the same batch comes back.
//   no connection, timeout retriable, likewise
//   any other status       the records of that request are errant (dead
//                          letter queue or task failure, by
//                          errors.tolerance), the message naming the status
//                          and the start of the answer's body
//
// put returns after every request of the batch was answered 2xx, so flush
// has nothing left to do.

#include <sluice/cpp/plugin.hpp>

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <vector>

namespace sluice_plugins {

class HttpSink final : public sluice::SinkTask {
 public:
  explicit HttpSink(const sluice::Init& init);
  ~HttpSink() override;
  sluice::Status start() override;
  sluice::Status put(std::span<const sluice_record* const> records) override;
  sluice::Status flush() override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

  /// Retry-After as a delay in ms from `now` (seconds or an HTTP date);
  /// -1 when absent or unreadable.
  static int64_t parseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now);

 private:
  using Clock = std::chrono::steady_clock;
  // A rejected record, by its position in the batch: the batch can come
  // back (RETRIABLE) before it is reported, and record pointers are valid
  // only until put returns.
  struct Errant {
    size_t index;
    std::string why;
  };
  // Identifies a batch the host offers again after RETRIABLE.
  struct BatchId {
    size_t size = 0;
    std::string firstTopic, lastTopic;
    int32_t firstPartition = -1, lastPartition = -1;
    int64_t firstOffset = -1, lastOffset = -1;
    bool operator==(const BatchId&) const = default;
  };
  static BatchId idOf(std::span<const sluice_record* const> records);
  void appendRecord(std::string& body, const sluice_record* r);
  /// One request with `body`; fills status, the Retry-After delay and an
  /// error text for failures without a status.
  CURLcode send(const std::string& body, long& status, int64_t& retryAfterMs, std::string& answer);

  std::string url_;
  bool put_ = false;  // request.method=PUT
  bool envelopes_ = false;
  size_t maxRecords_ = 500;
  size_t maxBytes_ = 1 << 20;
  int64_t retryAfterMaxMs_ = 60000;
  long timeoutMs_ = 30000, connectTimeoutMs_ = 5000;
  std::vector<std::string> headers_;  // "Name: value", auth included
  std::string basicUser_, basicPassword_;

  CURL* curl_ = nullptr;
  curl_slist* headerList_ = nullptr;
  char curlError_[CURL_ERROR_SIZE] = {};
  std::string response_;

  Clock::time_point retryAt_{};  // from Retry-After
  BatchId pendingBatch_;         // the batch last answered RETRIABLE
  size_t pendingDone_ = 0;       // records of it already delivered
  bool down_ = false;
  std::vector<Errant> errant_;
  std::string body_;
};

}  // namespace sluice_plugins
