// bench-loadgen: a benchmark source. Emits `records` records at an average of
// `rate` records/s following `pattern` (steady, poisson, burst; see
// load_pattern.h), each value starting with the time it was due to be sent, in
// microseconds since the epoch. Together with bench-latency-sink it measures
// Sluice's end-to-end latency, source poll to sink put, with the same
// schedule as `kafka_bench loadgen` uses for the raw librdkafka baseline.
// Built only against sdk/, into build/bench/plugins (not a built-in plugin).
#include <sluice/cpp/plugin.hpp>

#include <thread>

#include "../load_pattern.h"

namespace sluice_bench {

class BenchLoadgen final : public sluice::SourceTask {
 public:
  explicit BenchLoadgen(const sluice::Init& init)
      : SourceTask(init),
        topic_(config().requireString("topic")),
        records_(config().getInt("records", 0)),
        rate_(config().getDouble("rate", 0)),
        size_(static_cast<size_t>(config().getInt("record.bytes", 160))),
        keys_(static_cast<uint64_t>(config().getInt("keys", 1000))),
        sched_(pattern(config().getString("pattern", "steady")), rate_) {
    if (records_ <= 0) throw sluice::ConfigError("'records' must be > 0");
    if (rate_ <= 0) throw sluice::ConfigError("'rate' must be > 0");
    if (keys_ == 0) throw sluice::ConfigError("'keys' must be > 0");
    partition_ = "{\"task\":" + std::to_string(taskId()) + "}";
  }

  sluice::Status start() override {
    start_ = sluice::bench::nowUs() + 20'000;
    due_ = static_cast<double>(start_) + sched_.next();
    return sluice::Status::ok();
  }

  sluice::Status poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) override {
    int64_t now = sluice::bench::nowUs();
    if (seq_ >= records_) {  // done: idle
      std::this_thread::sleep_for(std::chrono::milliseconds(timeoutMs));
      return sluice::Status::ok();
    }
    if (due_ > static_cast<double>(now)) {
      int64_t wait = std::min<int64_t>(static_cast<int64_t>(due_) - now, int64_t{timeoutMs} * 1000);
      std::this_thread::sleep_for(std::chrono::microseconds(wait));
      now = sluice::bench::nowUs();
    }
    for (uint32_t n = 0; n < maxRecords && seq_ < records_ && due_ <= static_cast<double>(now); ++n) {
      sluice::bench::formatValue(value_, static_cast<int64_t>(due_), static_cast<uint64_t>(seq_), size_);
      key_ = "k" + std::to_string(sched_.key(static_cast<uint64_t>(seq_), keys_));
      offset_ = "{\"seq\":" + std::to_string(seq_) + "}";
      sluice::SourceRecord r;
      r.topic = topic_;
      r.key = key_;
      r.value = value_;
      r.timestampMs = static_cast<int64_t>(due_) / 1000;
      r.sourcePartition = partition_;
      r.sourceOffset = offset_;
      if (auto s = out.emit(r); !s.isOk()) return s;
      ++seq_;
      due_ = static_cast<double>(start_) + sched_.next();
    }
    return sluice::Status::ok();
  }

  static sluice::PluginInfo info() {
    return {.name = "bench-loadgen",
            .version = "1.0.0",
            .description = "Benchmark source: timestamped records at an offered rate (steady, poisson or burst)."};
  }
  static std::vector<sluice::Option> options() {
    using T = sluice::OptionType;
    return {
        {.name = "topic", .type = T::String, .doc = "Topic to write to.", .required = true},
        {.name = "records", .type = T::Long, .doc = "Records to emit, then idle.", .required = true, .min = 1},
        {.name = "rate", .type = T::Double, .doc = "Average records/s offered.", .required = true, .min = 0},
        {.name = "pattern", .type = T::String, .defaultValue = "steady", .doc = "Arrivals: steady, poisson (random keys) or burst (on/off).",
         .allowed = {"steady", "poisson", "burst"}},
        {.name = "record.bytes", .type = T::Int, .defaultValue = "160", .doc = "Value size in bytes.", .min = 32},
        {.name = "keys", .type = T::Int, .defaultValue = "1000", .doc = "Distinct keys.", .min = 1},
    };
  }

 private:
  static sluice::bench::Pattern pattern(const std::string& s) {
    sluice::bench::Pattern p{};
    if (!sluice::bench::parsePattern(s, p)) throw sluice::ConfigError("'pattern' must be steady, poisson or burst");
    return p;
  }

  std::string topic_;
  int64_t records_;
  double rate_;
  size_t size_;
  uint64_t keys_;
  sluice::bench::Schedule sched_;
  std::string partition_, offset_, value_, key_;
  int64_t start_ = 0;
  double due_ = 0;
  int64_t seq_ = 0;
};

}  // namespace sluice_bench

SLUICE_PLUGIN(sluice_bench::BenchLoadgen)
