// example-sink: writes one line per record, "topic partition offset value",
// to the file given by the option `file`, and makes it durable in flush().
//
// The smallest complete sink on the C++ wrapper <sluice/cpp/plugin.hpp>:
//   - a class derived from sluice::SinkTask with put() and flush(),
//   - two static functions, info() and options(), that describe it,
//   - SLUICE_PLUGIN(Class) to export it (once per library).
#include <sluice/cpp/plugin.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>  // fsync

class ExampleSink final : public sluice::SinkTask {
 public:
  // One instance per task. The host has already checked the config against
  // options() below (types, required, defaults), so reading it cannot fail
  // here; a ConfigError thrown from the constructor becomes a config error.
  explicit ExampleSink(const sluice::Init& init)
      : SinkTask(init), path_(config().requireString("file")) {}

  ~ExampleSink() override {
    if (out_) std::fclose(out_);
  }

  // Open external resources in start(), not in the constructor.
  sluice::Status start() override {
    out_ = std::fopen(path_.c_str(), "a");
    if (!out_) return sluice::Status::fatal("cannot open '" + path_ + "': " + std::strerror(errno));
    return sluice::Status::ok();
  }

  // The records (and every byte they point to) belong to the host and are
  // valid only until put() returns: copy what you keep.
  sluice::Status put(std::span<const sluice_record* const> records) override {
    line_.clear();
    for (const sluice_record* raw : records) {
      sluice::RecordView r(raw);
      line_ += r.topic();
      line_ += ' ' + std::to_string(r.partition()) + ' ' + std::to_string(r.offset()) + ' ';
      line_ += r.value().value_or("null");  // no value: a tombstone
      line_ += '\n';
    }
    // RETRIABLE is backpressure: the host pauses the partitions and offers
    // this same batch again later. (A partly written batch would then be
    // written twice: sinks are at-least-once.)
    if (std::fwrite(line_.data(), 1, line_.size(), out_) != line_.size())
      return sluice::Status::retriable("write to '" + path_ + "' failed: " + std::strerror(errno));
    return sluice::Status::ok();
  }

  // Everything put so far must be durable when this returns OK: the host
  // commits the Kafka offsets of those records right after.
  sluice::Status flush() override {
    if (std::fflush(out_) != 0 || ::fsync(fileno(out_)) != 0)
      return sluice::Status::retriable("flush of '" + path_ + "' failed: " + std::strerror(errno));
    return sluice::Status::ok();
  }

  static sluice::PluginInfo info() {
    return {.name = "example-sink",
            .version = "0.1.0",
            .description = "Writes 'topic partition offset value' lines to a file (SDK example)."};
  }

  // The option table: the host validates connector configs against it, and
  // `sluice describe example-sink` prints it.
  static std::vector<sluice::Option> options() {
    return {{.name = "file",
             .type = sluice::OptionType::String,
             .doc = "File to append the records to.",
             .required = true}};
  }

 private:
  std::string path_;
  FILE* out_ = nullptr;
  std::string line_;  // reused between batches
};

SLUICE_PLUGIN(ExampleSink)
