#include "host/record/record.h"

#include <boost/json/monotonic_resource.hpp>
#include <librdkafka/rdkafka.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

namespace sluice::runtime {
namespace json = boost::json;
namespace {
constexpr size_t kArenaFirstBlock = 64 * 1024;
constexpr size_t kCacheBytes = 16 * 1024 * 1024;

/// Where the arenas of one task get their blocks: blocks an arena gave back
/// are kept (up to kCacheBytes) for the next one. Without it every batch
/// returned its megabyte of blocks to the allocator, which gave it back to
/// the kernel, and the next batch paid a page fault per 4 KiB (a fifth of
/// the transform chain's time in the micro benchmark). Arenas can end on any
/// thread (the last record holding a document goes), hence the lock; it is
/// taken once per block, not per allocation.
class BlockCache final : public json::memory_resource {
 public:
  ~BlockCache() override {
    for (const Block& b : free_) ::operator delete(b.p, std::align_val_t(b.align));
  }

 private:
  struct Block {
    void* p;
    size_t n;
    size_t align;
  };
  void* do_allocate(size_t n, size_t align) override {
    {
      std::lock_guard lock(mu_);
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].n == n && free_[i].align == align) {
          void* p = free_[i].p;
          cached_ -= n;
          free_[i] = free_.back();
          free_.pop_back();
          return p;
        }
      }
    }
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, size_t n, size_t align) override {
    {
      std::lock_guard lock(mu_);
      if (cached_ + n <= kCacheBytes) {
        free_.push_back({p, n, align});
        cached_ += n;
        return;
      }
    }
    ::operator delete(p, std::align_val_t(align));
  }
  bool do_is_equal(const json::memory_resource& other) const noexcept override { return this == &other; }

  std::mutex mu_;
  std::vector<Block> free_;
  size_t cached_ = 0;
};
}  // namespace

void RecordContext::newArena() {
  // Counted both: an arena keeps its block source alive, and documents keep
  // their arena alive, whatever outlives what.
  if (!blocks.is_shared()) blocks = json::make_shared_resource<BlockCache>();
  // The first block holds a few hundred small documents; the arena grows
  // geometrically past it.
  arena = std::make_shared<json::monotonic_resource>(kArenaFirstBlock, blocks);
}

JsonIndex* RecordPart::buildIndex(const Converter& conv, const std::shared_ptr<json::monotonic_resource>& arena) {
  if (doc_ || noIndex_ || !arena || !conv.indexable()) return nullptr;
  noIndex_ = true;  // unless built below
  std::optional<std::string_view> b = rawBytes();
  if (!b) return nullptr;
  std::string_view text = *b;
  if (!borrowed_) {
    // Short bytes live inside the std::string itself and move with the
    // record; the index needs them where they stay.
    const char* self = reinterpret_cast<const char*>(&*owned_);
    if (text.data() >= self && text.data() < self + sizeof(std::string)) {
      auto* copy = static_cast<char*>(arena->allocate(text.size() ? text.size() : 1, 1));
      std::memcpy(copy, text.data(), text.size());
      text = std::string_view(copy, text.size());
    }
  }
  index_ = JsonIndex::build(text, *arena);
  if (!index_) return nullptr;
  noIndex_ = false;
  arena_ = arena;
  return index_;
}

void RecordPart::flushIndex() {
  if (!index_) return;
  if (index_->changed()) {
    owned_ = index_->serialize();
    borrowed_ = false;
    view_ = {};
  }
  index_ = nullptr;
  noIndex_ = false;
}

json::value* RecordPart::doc(const Converter& conv, Status* err,
                             const std::shared_ptr<json::monotonic_resource>& arena) {
  if (!doc_) {
    flushIndex();
    // Not counted, and typed, so that Boost.JSON knows deallocation is a
    // no-op; arena_ keeps the resource alive instead.
    json::storage_ptr sp = arena ? json::storage_ptr(arena.get()) : json::storage_ptr();
    // Built in `sp` from the start: moving a value into another resource
    // would copy it.
    json::value v(sp);
    Status s = conv.toDocument(rawBytes(), &v, sp);
    if (!s.isOk()) {
      *err = std::move(s);
      return nullptr;
    }
    arena_ = arena;
    doc_ = std::move(v);
  }
  return &*doc_;
}

std::optional<std::string_view> RecordPart::bytes(const Converter& conv) {
  if (dirty_ && doc_) {
    owned_ = conv.fromDocument(*doc_);
    borrowed_ = false;
    view_ = {};
    dirty_ = false;
  } else if (index_ && index_->changed()) {
    flushIndex();
  }
  return rawBytes();
}

void KafkaMessageDeleter::operator()(rd_kafka_message_s* msg) const { rd_kafka_message_destroy(msg); }

Record recordFromMessage(KafkaMessage message, RecordContext* ctx) {
  const rd_kafka_message_t* msg = message.get();
  Record r;
  r.ctx = ctx;
  r.topic = rd_kafka_topic_name(msg->rkt);
  r.partition = msg->partition;
  r.offset = msg->offset;
  r.timestampMs = rd_kafka_message_timestamp(msg, nullptr);
  if (msg->key) r.key = RecordPart::borrowed({static_cast<const char*>(msg->key), msg->key_len});
  if (msg->payload) r.value = RecordPart::borrowed({static_cast<const char*>(msg->payload), msg->len});
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs) {
    const char* name;
    const void* val;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      Header h{name, std::nullopt};
      if (val) h.value = std::string(static_cast<const char*>(val), size);
      r.headers.push_back(std::move(h));
    }
  }
  r.message = std::move(message);
  return r;
}

}  // namespace sluice::runtime
