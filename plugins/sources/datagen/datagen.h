#pragma once
// datagen: deterministic JSON records for demos, tests and benchmarks.
// Each task counts its own `seq` from 0 and stores it as its source offset,
// so a restarted task continues the sequence instead of starting over.

#include <sluice/cpp/plugin.hpp>

#include <chrono>
#include <string>

namespace sluice_plugins {

class Datagen final : public sluice::SourceTask {
 public:
  explicit Datagen(const sluice::Init& init);
  sluice::Status start() override;
  sluice::Status poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  std::string topic_;
  int64_t records_;       // per task; 0 = unbounded
  double ratePerSecond_;  // per task; 0 = as fast as possible
  int64_t payloadBytes_;
  int64_t keys_;
  int64_t next_ = 0;       // next seq to emit
  int64_t startSeq_ = 0;   // first seq of this run (for pacing)
  std::chrono::steady_clock::time_point started_;
  std::string partition_;  // {"task":N}
  std::string payload_;
  std::string value_, key_, offset_;  // reused buffers
};

}  // namespace sluice_plugins
