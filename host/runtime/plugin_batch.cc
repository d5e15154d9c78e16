#include "host/runtime/plugin_batch.h"

namespace sluice::runtime {

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

PluginBatch::PluginBatch(std::vector<Record>& batch, const RecordContext& rctx)
    : recs(batch.size()), ptrs(batch.size()) {
  size_t headerCount = 0;
  for (const auto& r : batch) headerCount += r.headers.size();
  headers.reserve(headerCount);  // no reallocation below: the views point into it
  for (size_t i = 0; i < batch.size(); ++i) {
    Record& r = batch[i];
    sluice_record& c = recs[i];
    c.struct_size = sizeof(sluice_record);
    c.partition = r.partition;
    c.offset = r.offset;
    c.timestamp_ms = r.timestampMs;
    c.topic = sluice_span{r.topic.data(), r.topic.size()};
    auto k = r.key.bytes(*rctx.key);
    auto v = r.value.bytes(*rctx.value);
    c.key = k ? sluice_span{k->data(), k->size()} : sluice_span{nullptr, 0};
    c.value = v ? sluice_span{v->data(), v->size()} : sluice_span{nullptr, 0};
    bytes += static_cast<double>(c.key.len + c.value.len);
    size_t first = headers.size();
    for (const auto& h : r.headers)
      headers.push_back(sluice_header{{h.key.data(), h.key.size()},
                                      h.value ? sluice_span{h.value->data(), h.value->size()} : sluice_span{nullptr, 0}});
    c.headers = r.headers.empty() ? nullptr : headers.data() + first;
    c.header_count = static_cast<uint32_t>(r.headers.size());
    ptrs[i] = &c;
  }
}

}  // namespace sluice::runtime
