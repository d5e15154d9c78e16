// bench-latency-sink: a benchmark sink. For every record put, takes the time
// now minus the due time at the start of its value (written by bench-loadgen
// or `kafka_bench loadgen`, see load_pattern.h), skipping the first
// `warmup.ms` of event time; once `records` records were put it writes the
// exact percentiles as one JSON object to `output` (through a temporary file
// and a rename, so a reader never sees half of it). Built only against sdk/,
// into build/bench/plugins (not a built-in plugin).
#include <sluice/cpp/plugin.hpp>

#include <cstdio>

#include "../load_pattern.h"

namespace sluice_bench {

class BenchLatencySink final : public sluice::SinkTask {
 public:
  explicit BenchLatencySink(const sluice::Init& init)
      : SinkTask(init),
        output_(config().requireString("output")),
        records_(config().getInt("records", 0)),
        warmupUs_(config().getInt("warmup.ms", 1000) * 1000) {
    if (records_ <= 0) throw sluice::ConfigError("'records' must be > 0");
  }

  sluice::Status put(std::span<const sluice_record* const> records) override {
    int64_t now = sluice::bench::nowUs();
    for (const sluice_record* r : records) {
      ++seen_;
      int64_t ev = sluice::bench::parseEventUs(r->value.data, r->value.len);
      if (ev < 0) {
        ++unparsable_;
        continue;
      }
      if (measureFrom_ < 0) measureFrom_ = ev + warmupUs_;
      if (ev >= measureFrom_) rec_.add(now - ev, ev);
    }
    if (seen_ >= records_ && !written_) {
      written_ = true;
      std::string json = rec_.json();
      json.insert(json.size() - 1, ",\"records\":" + std::to_string(seen_) + ",\"unparsable\":" + std::to_string(unparsable_));
      std::string tmp = output_ + ".tmp";
      FILE* f = std::fopen(tmp.c_str(), "w");
      if (!f) return sluice::Status::fatal("cannot write " + tmp);
      std::fputs(json.c_str(), f);
      std::fputc('\n', f);
      bool ok = std::fclose(f) == 0 && std::rename(tmp.c_str(), output_.c_str()) == 0;
      if (!ok) return sluice::Status::fatal("cannot write " + output_);
      log(SLUICE_LOG_INFO, "latency of " + std::to_string(rec_.size()) + " records written to " + output_);
    }
    return sluice::Status::ok();
  }
  sluice::Status flush() override { return sluice::Status::ok(); }

  static sluice::PluginInfo info() {
    return {.name = "bench-latency-sink",
            .version = "1.0.0",
            .description = "Benchmark sink: exact end-to-end latency percentiles of bench-loadgen records."};
  }
  static std::vector<sluice::Option> options() {
    using T = sluice::OptionType;
    return {
        {.name = "output", .type = T::String, .doc = "File the JSON result is written to.", .required = true},
        {.name = "records", .type = T::Long, .doc = "Records to wait for before writing the result.", .required = true, .min = 1},
        {.name = "warmup.ms", .type = T::Long, .defaultValue = "1000", .doc = "Event time at the start not measured.", .min = 0},
    };
  }

 private:
  std::string output_;
  int64_t records_;
  int64_t warmupUs_;
  int64_t measureFrom_ = -1;
  int64_t seen_ = 0, unparsable_ = 0;
  bool written_ = false;
  sluice::bench::LatencyRecorder rec_;
};

}  // namespace sluice_bench

SLUICE_PLUGIN(sluice_bench::BenchLatencySink)
