// null-sink: counts records and discards them (for benchmarks).
#include <sluice/cpp/plugin.hpp>

namespace sluice_plugins {

class NullSink final : public sluice::SinkTask {
 public:
  explicit NullSink(const sluice::Init& init) : SinkTask(init) {}
  sluice::Status put(std::span<const sluice_record* const> records) override {
    count_ += records.size();
    return sluice::Status::ok();
  }
  sluice::Status flush() override { return sluice::Status::ok(); }
  sluice::Status stop() override {
    log(SLUICE_LOG_INFO, "discarded " + std::to_string(count_) + " records");
    return sluice::Status::ok();
  }
  static sluice::PluginInfo info() {
    return {.name = "null-sink", .version = "1.0.0", .description = "Counts and discards every record (for benchmarks).", .aliases = "NullSink"};
  }
  static std::vector<sluice::Option> options() { return {}; }

 private:
  uint64_t count_ = 0;
};

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::NullSink)
