#pragma once
// How a sink's Kafka offsets are written in the store and shown over REST:
// Kafka Connect's KIP-875 shapes. The partition is canonical JSON (keys
// sorted), so it is also the store key.

#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace sluice::runtime {

inline std::string sinkPartitionKey(const std::string& topic, int32_t partition) {
  return "{\"kafka_partition\":" + std::to_string(partition) +
         ",\"kafka_topic\":" + boost::json::serialize(boost::json::value(topic)) + "}";
}

/// The offset in {"kafka_offset":N}, or nullopt if it is not that shape.
inline std::optional<int64_t> sinkOffsetValue(const std::string& json) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto* o = v.as_object().if_contains("kafka_offset");
  if (!o || !o->is_int64() || o->as_int64() < 0) return std::nullopt;
  return o->as_int64();
}

}  // namespace sluice::runtime
