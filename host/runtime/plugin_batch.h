#pragma once
// Records in and out of the host: a consumed Kafka message as a record, and
// a batch of records seen through the plugin ABI (the sluice_record views a
// sink's put receives). The views point into the records (and into
// `headers` here), so the records must outlive the batch and stay unchanged.

#include <librdkafka/rdkafka.h>

#include <vector>

#include "host/runtime/record.h"
#include <sluice/plugin.h>

namespace sluice::runtime {

/// A consumed Kafka message as a host record that owns it: coordinates,
/// timestamp, key and value as views into the message, headers copied out.
Record recordFromMessage(KafkaMessage msg, RecordContext* ctx);

struct PluginBatch {
  std::vector<sluice_record> recs;
  std::vector<const sluice_record*> ptrs;
  std::vector<sluice_header> headers;  // all records' headers, in order
  double bytes = 0;  // key and value bytes handed over

  /// Serialize keys and values with the context's converters and build the views.
  PluginBatch(std::vector<Record>& batch, const RecordContext& rctx);
  PluginBatch(const PluginBatch&) = delete;
  PluginBatch& operator=(const PluginBatch&) = delete;

  /// The index of `rec` in the batch, or -1 when it is not one of its views.
  long indexOf(const sluice_record* rec) const {
    return rec >= recs.data() && rec < recs.data() + recs.size() ? static_cast<long>(rec - recs.data()) : -1;
  }
};

}  // namespace sluice::runtime
