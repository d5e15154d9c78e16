#pragma once
// A batch of records seen through the plugin ABI (the sluice_record views a
// sink's put receives), and text values decoded for plugins that take them.
// The views point into the records (and into the batch's header array), so
// the records must outlive the views and stay unchanged while a put runs.

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/record/record.h"
#include <sluice/plugin.h>

namespace sluice::runtime {

/// Sinks taking text values: decode each value with `conv` into the
/// record's text (what PluginBatch hands the plugin). A record whose value
/// does not convert goes to `onError` with the error and is dropped; an
/// error `onError` returns ends the call with it.
Status decodeTextValues(std::vector<Record>& records, const Converter& conv,
                        const std::function<Status(Record&, const Status&)>& onError);

/// The sluice_record views of one on_put call. A task keeps one PluginBatch
/// and refills it for every call, retries of the same records included.
///
/// The SDK lets a plugin keep nothing of these views past on_put. A plugin
/// that keeps a record pointer anyway and hands it back later (to
/// host_report_errant) must fail loudly, not hit a record that happens to
/// sit at the same address: so the records of two consecutive fills never
/// share an address. Each fill places the array 8 bytes further into the
/// buffer (a pointer kept from any of the last kRotation-1 calls is
/// misaligned or outside the current array), and sanitizer builds allocate
/// every array anew, so ASan also reports reads through a kept pointer.
class PluginBatch {
 public:
  /// Fills in this many different positions before an address comes back.
  static constexpr size_t kRotation = sizeof(sluice_record) / alignof(sluice_record);

  PluginBatch() = default;
  /// Views of `batch` (see fill).
  PluginBatch(std::vector<Record>& batch, const RecordContext& rctx) { fill(batch, rctx); }
  PluginBatch(const PluginBatch&) = delete;
  PluginBatch& operator=(const PluginBatch&) = delete;

  /// Serialize keys and values with the context's converters and build the
  /// views of `batch`; the views of the previous fill are gone.
  void fill(std::vector<Record>& batch, const RecordContext& rctx);

  std::span<const sluice_record> recs() const { return {recs_, size_}; }
  const std::vector<const sluice_record*>& ptrs() const { return ptrs_; }
  /// Key and value bytes handed over.
  double bytes() const { return bytes_; }

  /// The index of `rec` among the records of the current fill, if it is one.
  std::optional<size_t> indexOf(const sluice_record* rec) const;
  /// Why `rec` is not a record of the current fill, for a task's failure.
  std::string whyNotInBatch(const sluice_record* rec) const;

 private:
  std::unique_ptr<std::byte[]> storage_;  // new[] aligns for sluice_record
  size_t storageBytes_ = 0;
  size_t fills_ = 0;
  sluice_record* recs_ = nullptr;
  size_t size_ = 0;
  // Where the previous fill's array was (an address range, never
  // dereferenced), to tell a kept pointer from one the host never handed out.
  uintptr_t previousBegin_ = 0, previousEnd_ = 0;
  std::vector<const sluice_record*> ptrs_;
  std::vector<sluice_header> headers_;  // all records' headers, in order
  double bytes_ = 0;
};

}  // namespace sluice::runtime
