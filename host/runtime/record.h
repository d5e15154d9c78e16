#pragma once
// The host-owned record that flows through a task: bytes as they came from a
// source or from Kafka, plus a lazily parsed document per part. A value is
// parsed at most once per pass through the transform chain and serialized at
// most once, and only if a transform changed it.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/common/status.h"
#include "host/runtime/converter.h"

namespace sluice::runtime {

struct Header {
  std::string key;
  std::optional<std::string> value;
};

/// Key or value: bytes, and the document once something asked for structure.
class RecordPart {
 public:
  RecordPart() = default;
  explicit RecordPart(std::optional<std::string> bytes) : bytes_(std::move(bytes)) {}
  RecordPart(const RecordPart&) = default;
  RecordPart(RecordPart&&) noexcept = default;
  /// The old document goes before the arena it lives in (the defaulted
  /// assignment would release them in the other order).
  RecordPart& operator=(RecordPart o) noexcept {
    doc_.reset();
    bytes_ = std::move(o.bytes_);
    arena_ = std::move(o.arena_);
    doc_ = std::move(o.doc_);
    dirty_ = o.dirty_;
    return *this;
  }

  /// The document, parsing on first use into `arena` (see RecordContext;
  /// nullptr: the heap). nullptr when the bytes do not convert (the error is
  /// in *err).
  boost::json::value* doc(const Converter& conv, Status* err,
                          const std::shared_ptr<boost::json::monotonic_resource>& arena = nullptr);
  /// Mark the document as changed: bytes are stale until the next bytes() call.
  void touch() { dirty_ = true; }
  /// Current bytes (re-serialized from the document once if it changed).
  const std::optional<std::string>& bytes(const Converter& conv);
  void setBytes(std::optional<std::string> b) {
    bytes_ = std::move(b);
    doc_.reset();
    arena_.reset();
    dirty_ = false;
  }
  bool parsed() const { return doc_.has_value(); }
  boost::json::value* parsedDoc() { return doc_ ? &*doc_ : nullptr; }
  /// For tests: raw bytes without materializing.
  const std::optional<std::string>& rawBytes() const { return bytes_; }

 private:
  std::optional<std::string> bytes_;
  /// Keeps the arena of doc_ alive. Declared before doc_, so destroyed after it.
  std::shared_ptr<boost::json::monotonic_resource> arena_;
  std::optional<boost::json::value> doc_;
  bool dirty_ = false;
};

/// Converters and a scratch arena shared by the records of one task.
struct RecordContext {
  const Converter* key = nullptr;
  const Converter* value = nullptr;
  /// Where the documents of the current batch are parsed and built: a
  /// monotonic arena, so a document's nodes and strings are bump-allocated,
  /// never freed one by one, and not even walked when the document goes
  /// (Boost.JSON skips destruction in a non-counted storage whose
  /// deallocate is a no-op). Each document holds the arena through its
  /// RecordPart, one count per document instead of one per node; the arena
  /// is released when the last of them goes (records can outlive their
  /// batch: a retried put). Null: the default heap.
  std::shared_ptr<boost::json::monotonic_resource> arena;
  /// The arenas' upstream: blocks are reused from batch to batch.
  boost::json::storage_ptr blocks;
  /// A fresh arena for the next batch (the previous one lives on in the
  /// documents still using it).
  void newArena();
  /// Strings handed to plugins that must outlive one call (get_json, raw).
  /// Cleared after each plugin hook returns.
  std::deque<std::string> scratch;
  /// The last record whose key or value did not convert (error messages).
  const struct Record* failed = nullptr;
};

struct Record {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestampMs = 0;
  RecordPart key;
  RecordPart value;
  std::vector<Header> headers;
  /// Canonical JSON (sources); interned by the task's emitter, so records
  /// share one string per source partition instead of a copy each.
  const std::string* sourcePartition = nullptr;
  std::string sourceOffset;     // JSON (sources)
  bool dropped = false;
  RecordContext* ctx = nullptr;
  void* tracking = nullptr;  // the source task's offset-tracker entry

  const Converter& converter(int part) const { return part == 0 ? *ctx->key : *ctx->value; }
  RecordPart& partRef(int part) { return part == 0 ? key : value; }
};

}  // namespace sluice::runtime

