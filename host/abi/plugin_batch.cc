#include "host/abi/plugin_batch.h"

#include <new>

namespace sluice::runtime {

namespace {
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kFreshArrays = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kFreshArrays = true;
#else
constexpr bool kFreshArrays = false;
#endif
#else
constexpr bool kFreshArrays = false;
#endif

uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }
}  // namespace

Status decodeTextValues(std::vector<Record>& records, const Converter& conv,
                        const std::function<Status(Record&, const Status&)>& onError) {
  for (auto& r : records) {
    if (r.dropped || r.hasText) continue;
    auto bytes = r.value.bytes(conv);
    Status s = bytes ? conv.toText(*bytes, &r.text) : Status::ok();
    if (!bytes) r.text.reset();
    if (!s) {
      r.dropped = true;
      if (Status e = onError(r, s); !e) return e;
      continue;
    }
    r.hasText = true;
  }
  return Status::ok();
}

void PluginBatch::fill(std::vector<Record>& batch, const RecordContext& rctx) {
  previousBegin_ = addr(recs_);
  previousEnd_ = addr(recs_ + size_);
  size_t shift = (fills_++ % kRotation) * alignof(sluice_record);
  // One spare record of room covers every shift.
  size_t need = (batch.size() + 1) * sizeof(sluice_record);
  if (kFreshArrays || need > storageBytes_) {
    // The new array is allocated while the old one still lives, so the two
    // never share an address.
    std::unique_ptr<std::byte[]> fresh(new std::byte[need]);
    storage_ = std::move(fresh);
    storageBytes_ = need;
  }
  recs_ = reinterpret_cast<sluice_record*>(storage_.get() + shift);
  size_ = batch.size();
  ptrs_.resize(size_);
  headers_.clear();
  bytes_ = 0;
  size_t headerCount = 0;
  for (const auto& r : batch) headerCount += r.headers.size();
  headers_.reserve(headerCount);  // no reallocation below: the views point into it
  for (size_t i = 0; i < size_; ++i) {
    Record& r = batch[i];
    sluice_record& c = *new (recs_ + i) sluice_record{};
    c.struct_size = sizeof(sluice_record);
    c.partition = r.partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestampMs;
    c.topic = sluice_span{r.topic.data(), r.topic.size()};
    auto k = r.key.bytes(*rctx.key);
    auto v = r.hasText ? (r.text ? std::optional<std::string_view>(*r.text) : std::nullopt) : r.value.bytes(*rctx.value);
    c.key = k ? sluice_span{k->data(), k->size()} : sluice_span{nullptr, 0};
    c.value = v ? sluice_span{v->data(), v->size()} : sluice_span{nullptr, 0};
    bytes_ += static_cast<double>(c.key.len + c.value.len);
    size_t first = headers_.size();
    for (const auto& h : r.headers)
      headers_.push_back(sluice_header{{h.key.data(), h.key.size()},
                                       h.value ? sluice_span{h.value->data(), h.value->size()} : sluice_span{nullptr, 0}});
    c.headers = r.headers.empty() ? nullptr : headers_.data() + first;
    c.header_count = static_cast<uint32_t>(r.headers.size());
    ptrs_[i] = &c;
  }
}

std::optional<size_t> PluginBatch::indexOf(const sluice_record* rec) const {
  uintptr_t a = addr(rec), begin = addr(recs_);
  if (a < begin || a >= addr(recs_ + size_) || (a - begin) % sizeof(sluice_record) != 0) return std::nullopt;
  return (a - begin) / sizeof(sluice_record);
}

std::string PluginBatch::whyNotInBatch(const sluice_record* rec) const {
  if (!rec) return "a null record pointer";
  uintptr_t a = addr(rec);
  bool inStorage = a >= addr(storage_.get()) && a < addr(storage_.get()) + storageBytes_;
  bool inPrevious = a >= previousBegin_ && a < previousEnd_;
  return std::string("a pointer that is not one of this call's records") +
         (inStorage || inPrevious ? ", but where an earlier call's were" : "") +
         " (record pointers are valid only until the call that received them returns: keep a record's position or "
         "offset across calls, never its pointer)";
}

}  // namespace sluice::runtime
