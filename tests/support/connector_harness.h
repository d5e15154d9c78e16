#pragma once
// Helpers for the connector integration tests (tests/plugins/<kind>/<plugin>/):
// records into the real broker with exact keys, values and tombstones, records
// back out of it (dead letter queues), and the real sluice binary run on a
// worker config and connector configs written to a temporary directory.

#include <boost/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

namespace sluice::test {

struct KafkaRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;  // nullopt: a tombstone
  std::vector<std::pair<std::string, std::string>> headers;
  int32_t partition = -1;
};

/// `base` made unique for this run (topics, key prefixes, connector names).
std::string uniqueName(const std::string& base);

/// Create `topic` on the integration broker (no-op when it exists).
void createTopic(const std::string& topic, int partitions);

/// Produce `records` to `topic` in order and wait until the broker has
/// acknowledged every one (fails the test otherwise).
void produce(const std::string& topic, const std::vector<KafkaRecord>& records);

/// Read every record of `topic` from the beginning until `count` records
/// arrived or `timeout` passed.
std::vector<KafkaRecord> consumeAll(const std::string& topic, size_t count, std::chrono::milliseconds timeout);

/// The real `sluice run` in a temporary directory, against the integration
/// broker, REST on a free loopback port.
class SluiceRun {
 public:
  /// `worker` is merged over the defaults (listeners, bootstrap.servers,
  /// state.dir, short session timeout and flush interval).
  explicit SluiceRun(boost::json::object worker = {});
  ~SluiceRun();
  /// Write connector NAME's config file ({"name":..,"config":..}).
  void addConnector(const std::string& name, const boost::json::object& config);
  /// Start the process and wait until REST answers.
  void start();
  /// Signal and wait; returns the exit status (128+signal when killed).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  bool running();

  int port() const { return port_; }
  const TempDir& dir() const { return dir_; }
  std::string log() const;
  /// GET /connectors/NAME/status, parsed ({} when not answering).
  boost::json::value status(const std::string& connector) const;
  /// The state of task 0 ("" when unknown).
  std::string taskState(const std::string& connector) const;
  /// Sum of a metric's samples whose labels contain connector="NAME".
  double metric(const std::string& name, const std::string& connector) const;
  /// Wait until task 0 of the connector is RUNNING.
  bool waitRunning(const std::string& connector, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  TempDir dir_;
  int port_ = 0;
  std::vector<std::string> files_;
  std::unique_ptr<Process> process_;
};

}  // namespace sluice::test
