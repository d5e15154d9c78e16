#include "datagen.h"

#include <thread>

namespace sluice_plugins {
namespace {
int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

Datagen::Datagen(const sluice::Init& init) : SourceTask(init) {
  topic_ = config().requireString("topic");
  records_ = config().getInt("records", 0);
  ratePerSecond_ = config().getDouble("records.per.second", 0);
  payloadBytes_ = config().getInt("payload.bytes", 16);
  keys_ = config().getInt("keys", 10);
  if (records_ < 0) throw sluice::ConfigError("'records' must be >= 0");
  if (ratePerSecond_ < 0) throw sluice::ConfigError("'records.per.second' must be >= 0");
  if (payloadBytes_ < 0) throw sluice::ConfigError("'payload.bytes' must be >= 0");
  if (keys_ < 0) throw sluice::ConfigError("'keys' must be >= 0");
  partition_ = "{\"task\":" + std::to_string(taskId()) + "}";
  payload_.assign(static_cast<size_t>(payloadBytes_), 'x');
}

sluice::Status Datagen::start() {
  if (auto off = committedOffset(partition_)) {
    // Offsets look like {"seq":N}; N is the last seq Kafka acknowledged.
    auto pos = off->find(':');
    if (pos != std::string::npos) next_ = std::stoll(off->substr(pos + 1)) + 1;
    log(SLUICE_LOG_INFO, "resuming at seq " + std::to_string(next_));
  }
  startSeq_ = next_;
  started_ = std::chrono::steady_clock::now();
  return sluice::Status::ok();
}

sluice::Status Datagen::poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) {
  int64_t budget = maxRecords;
  if (records_ > 0) budget = std::min<int64_t>(budget, records_ - next_);
  if (ratePerSecond_ > 0) {
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    int64_t allowed = static_cast<int64_t>(elapsed * ratePerSecond_) - (next_ - startSeq_);
    if (allowed <= 0) {
      double waitMs = 1000.0 * (1 - allowed) / ratePerSecond_;
      std::this_thread::sleep_for(std::chrono::milliseconds(
          static_cast<int64_t>(std::min<double>(waitMs, timeoutMs))));
      return sluice::Status::ok();
    }
    budget = std::min(budget, allowed);
  }
  if (budget <= 0) {  // all records emitted: idle
    std::this_thread::sleep_for(std::chrono::milliseconds(timeoutMs));
    return sluice::Status::ok();
  }
  int64_t ts = nowMs();
  for (int64_t i = 0; i < budget; ++i, ++next_) {
    key_ = "key-" + std::to_string(keys_ > 0 ? next_ % keys_ : 0);
    value_.clear();
    value_ += "{\"seq\":";
    value_ += std::to_string(next_);
    value_ += ",\"key\":\"";
    value_ += key_;
    value_ += "\",\"ts\":";
    value_ += std::to_string(ts);
    value_ += ",\"payload\":\"";
    value_ += payload_;
    value_ += "\"}";
    offset_ = "{\"seq\":" + std::to_string(next_) + "}";
    sluice::SourceRecord r;
    r.topic = topic_;
    if (keys_ > 0) r.key = key_;
    r.value = value_;
    r.timestampMs = ts;
    r.sourcePartition = partition_;
    r.sourceOffset = offset_;
    if (auto s = out.emit(r); !s.isOk()) return s;
  }
  return sluice::Status::ok();
}

}  // namespace sluice_plugins
