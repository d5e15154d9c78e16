#include "host/runtime/plugin_batch.h"

namespace sluice::runtime {

PluginBatch::PluginBatch(std::vector<Record>& batch, const RecordContext& rctx)
    : recs(batch.size()), ptrs(batch.size()), headers(batch.size()) {
  for (size_t i = 0; i < batch.size(); ++i) {
    Record& r = batch[i];
    sluice_record& c = recs[i];
    c.struct_size = sizeof(sluice_record);
    c.partition = r.partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestampMs;
    c.topic = sluice_span{r.topic.data(), r.topic.size()};
    const auto& k = r.key.bytes(*rctx.key);
    const auto& v = r.value.bytes(*rctx.value);
    c.key = k ? sluice_span{k->data(), k->size()} : sluice_span{nullptr, 0};
    c.value = v ? sluice_span{v->data(), v->size()} : sluice_span{nullptr, 0};
    bytes += static_cast<double>(c.key.len + c.value.len);
    for (const auto& h : r.headers)
      headers[i].push_back(sluice_header{{h.key.data(), h.key.size()},
                                         h.value ? sluice_span{h.value->data(), h.value->size()} : sluice_span{nullptr, 0}});
    c.headers = headers[i].data();
    c.header_count = static_cast<uint32_t>(headers[i].size());
    ptrs[i] = &c;
  }
}

}  // namespace sluice::runtime
