#pragma once
// The host-owned record that flows through a task: bytes as they came from a
// source or from Kafka, plus a lazily parsed document per part. A value is
// parsed at most once per pass through the transform chain and serialized at
// most once, and only if a transform changed it.
//
// A record consumed from Kafka holds its librdkafka message, and its key and
// value are views into the message's payload until something changes them:
// nothing is copied on the way to a sink that takes the bytes as they came.

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/common/status.h"
#include "host/record/converter.h"
#include "host/record/json_index.h"

struct rd_kafka_message_s;  // rd_kafka_message_t, librdkafka/rdkafka.h

namespace sluice::runtime {

/// rd_kafka_message_destroy (plugin_batch.cc, which links librdkafka).
struct KafkaMessageDeleter {
  void operator()(rd_kafka_message_s* msg) const;
};
/// A consumed message, owned. It must be destroyed before its consumer is
/// closed: whoever keeps records of a consumer drops them first.
using KafkaMessage = std::unique_ptr<rd_kafka_message_s, KafkaMessageDeleter>;

/// A record's message: moves with the record; a copy of the record holds
/// none (its parts copy their bytes, see RecordPart's copy).
class HeldMessage {
 public:
  HeldMessage() = default;
  HeldMessage(KafkaMessage m) : m_(std::move(m)) {}  // NOLINT: implicit by design
  HeldMessage(const HeldMessage&) {}
  HeldMessage& operator=(const HeldMessage&) {
    m_.reset();
    return *this;
  }
  HeldMessage(HeldMessage&&) noexcept = default;
  HeldMessage& operator=(HeldMessage&&) noexcept = default;
  rd_kafka_message_s* get() const { return m_.get(); }
  void reset() { m_.reset(); }

 private:
  KafkaMessage m_;
};

struct Header {
  std::string key;
  std::optional<std::string> value;
};

/// Key or value: bytes, and the document once something asked for structure.
/// The bytes are owned, or borrowed (a view into memory the record keeps
/// alive: its Kafka message) until they are set or re-serialized.
class RecordPart {
 public:
  RecordPart() = default;
  explicit RecordPart(std::optional<std::string> bytes) : owned_(std::move(bytes)) {}
  /// A copy owns its bytes (what a borrowed part views may go before it).
  RecordPart(const RecordPart& o)
      : owned_(o.index_ && o.index_->changed() ? std::optional<std::string>(o.index_->serialize())
               : o.borrowed_                   ? std::optional<std::string>(std::in_place, o.view_)
                                               : o.owned_),
        arena_(o.arena_),
        doc_(o.doc_),
        dirty_(o.dirty_) {}
  RecordPart(RecordPart&&) noexcept = default;
  /// The old document goes before the arena it lives in (a defaulted
  /// assignment would release them in the other order).
  RecordPart& operator=(RecordPart&& o) noexcept {
    if (this == &o) return *this;
    doc_.reset();
    owned_ = std::move(o.owned_);
    view_ = o.view_;
    borrowed_ = o.borrowed_;
    arena_ = std::move(o.arena_);
    doc_ = std::move(o.doc_);
    dirty_ = o.dirty_;
    index_ = o.index_;
    noIndex_ = o.noIndex_;
    o.index_ = nullptr;
    return *this;
  }
  RecordPart& operator=(const RecordPart& o) {
    if (this != &o) *this = RecordPart(o);
    return *this;
  }
  /// Bytes that are not copied: `b` must outlive the part (or its next change).
  static RecordPart borrowed(std::string_view b) {
    RecordPart p;
    p.view_ = b;
    p.borrowed_ = true;
    return p;
  }

  /// The document, parsing on first use into `arena` (see RecordContext;
  /// nullptr: the heap). nullptr when the bytes do not convert (the error is
  /// in *err).
  boost::json::value* doc(const Converter& conv, Status* err,
                          const std::shared_ptr<boost::json::monotonic_resource>& arena = nullptr);
  /// The index of the top-level members (json_index.h), built on first use
  /// in `arena`; nullptr when there is a document already, when the
  /// converter is not JSON or the bytes are not in the form the index takes.
  /// Changes through it count as changes of the part: bytes() and doc()
  /// write them out first.
  JsonIndex* index(const Converter& conv, const std::shared_ptr<boost::json::monotonic_resource>& arena) {
    return index_ ? index_ : buildIndex(conv, arena);
  }
  /// Mark the document as changed: bytes are stale until the next bytes() call.
  void touch() { dirty_ = true; }
  /// Current bytes (re-serialized from the document once if it changed).
  /// The view is valid until the part changes or the record goes.
  std::optional<std::string_view> bytes(const Converter& conv);
  void setBytes(std::optional<std::string> b) {
    owned_ = std::move(b);
    borrowed_ = false;
    view_ = {};
    doc_.reset();
    arena_.reset();
    dirty_ = false;
    index_ = nullptr;
    noIndex_ = false;
  }
  /// Whether the bytes were parsed: into a document, or indexed.
  bool parsed() const { return doc_.has_value() || index_ != nullptr; }
  boost::json::value* parsedDoc() { return doc_ ? &*doc_ : nullptr; }
  /// Raw bytes without materializing (stale if the document changed).
  std::optional<std::string_view> rawBytes() const {
    if (borrowed_) return view_;
    if (owned_) return std::string_view(*owned_);
    return std::nullopt;
  }
  /// Copy borrowed bytes into the part (before what they view goes).
  void own() {
    if (!borrowed_) return;
    if (index_ && index_->changed()) owned_ = index_->serialize();
    else owned_.emplace(view_);
    index_ = nullptr;  // it views what goes
    noIndex_ = false;
    borrowed_ = false;
    view_ = {};
  }
  /// For tests: whether the bytes are a view into memory the part does not own.
  bool isBorrowed() const { return borrowed_; }

 private:
  std::optional<std::string> owned_;  // when !borrowed_ (nullopt: null)
  std::string_view view_;             // when borrowed_
  bool borrowed_ = false;
  JsonIndex* buildIndex(const Converter& conv, const std::shared_ptr<boost::json::monotonic_resource>& arena);
  /// Writes the index's changes into the bytes and lets the index go.
  void flushIndex();

  /// Keeps the arena of doc_ and index_ alive. Declared before doc_, so destroyed after it.
  std::shared_ptr<boost::json::monotonic_resource> arena_;
  std::optional<boost::json::value> doc_;
  bool dirty_ = false;
  /// At most one of doc_ and index_ is there. The index views the current
  /// bytes, and lives in arena_.
  JsonIndex* index_ = nullptr;
  bool noIndex_ = false;  // the bytes were looked at and declined
};

/// Copy of a part's bytes, for what outlives the record (dead letters).
inline std::optional<std::string> ownedBytes(std::optional<std::string_view> b) {
  return b ? std::optional<std::string>(std::in_place, *b) : std::nullopt;
}

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
  /// Sinks: the plugin reported this record errant (KIP-610) in a put of
  /// its batch; a retry of the batch does not report it again.
  bool errantReported = false;
  /// DLQ replay: how many replays this dead letter has failed already
  /// (its __sluice.dlq.replays header, which is taken off the record).
  int32_t dlqReplays = 0;
  RecordContext* ctx = nullptr;
  void* tracking = nullptr;  // the source task's offset-tracker entry
  HeldMessage message;       // sinks: the consumed message (key and value may view into it)
  /// Sinks taking text values (SLUICE_FLAG_TEXT_VALUES): the value decoded
  /// by the value converter, what the plugin gets instead of the bytes
  /// (which stay as they are, for the dead letter queue).
  bool hasText = false;
  std::optional<std::string> text;

  const Converter& converter(int part) const { return part == 0 ? *ctx->key : *ctx->value; }
  RecordPart& partRef(int part) { return part == 0 ? key : value; }
  /// Copy what views the message into the record and let the message go:
  /// for a record kept past its consumer.
  void releaseMessage() {
    key.own();
    value.own();
    message.reset();
  }
};

/// A consumed Kafka message as a host record that owns it: coordinates,
/// timestamp, key and value as views into the message, headers copied out.
Record recordFromMessage(KafkaMessage msg, RecordContext* ctx);

}  // namespace sluice::runtime

