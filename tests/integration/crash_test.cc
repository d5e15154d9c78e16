// The real sluice process against the real broker: kill -9 in mid-stream,
// and a broker restart in mid-stream. At-least-once means every seq arrives;
// duplicates are counted and must stay within what was in flight.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>

#include "tests/support/test_support.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

std::string bootstrap() { return kafkaBootstrap(); }

class ProcessPipeline : public ::testing::Test {
 protected:
  void write(const std::string& topic, int64_t records, int64_t rate, int64_t flushMs) {
    topic_ = topic;
    port_ = freePort();
    json::object worker{{"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                        {"bootstrap.servers", bootstrap()},
                        {"state.dir", "state"},
                        {"offset.flush.interval.ms", flushMs},
                        {"producer.linger.ms", "10"},
                        // A killed consumer stays in its group until its session
                        // expires; keep that short so restarts rejoin quickly.
                        {"consumer.session.timeout.ms", "6000"},
                        {"consumer.heartbeat.interval.ms", "1000"}};
    json::object source{{"name", "gen"},
                        {"config", json::object{{"connector.class", "datagen"}, {"topic", topic},
                                                {"records", std::to_string(records)},
                                                {"records.per.second", std::to_string(rate)}, {"keys", "30"},
                                                {"topic.creation.default.partitions", "3"},
                                                {"topic.creation.default.replication.factor", "1"}}}};
    json::object sink{{"name", "sink"},
                      {"config", json::object{{"connector.class", "file-sink"}, {"topics", topic}, {"file", "out.txt"}}}};
    writeFile(dir_.file("worker.json"), json::serialize(worker));
    writeFile(dir_.file("source.json"), json::serialize(source));
    writeFile(dir_.file("sink.json"), json::serialize(sink));
  }
  std::unique_ptr<Process> start() {
    auto p = std::make_unique<Process>(std::vector<std::string>{sluiceBinary(), "run", "worker.json", "source.json", "sink.json"},
                                       dir_.path(), dir_.file("sluice.log"));
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/").status == 200; }, 30s));
    return p;
  }
  /// Seqs of complete lines. A line that does not parse is the tail being
  /// written right now, or a fragment a kill -9 cut (file-sink ends such a
  /// fragment on restart); `torn` counts those.
  std::vector<int64_t> seqs(size_t* torn = nullptr) {
    std::vector<int64_t> out;
    if (torn) *torn = 0;
    for (const auto& l : readLines(dir_.file("out.txt"))) {
      boost::system::error_code ec;
      auto v = json::parse(l, ec);
      if (ec || !v.is_object() || !v.as_object().contains("seq")) {
        if (torn) ++*torn;
        continue;
      }
      out.push_back(v.at("seq").as_int64());
    }
    return out;
  }
  size_t uniqueCount() {
    auto s = seqs();
    return std::set<int64_t>(s.begin(), s.end()).size();
  }
  /// Run scripts/kafka.sh against the suite's broker (the port of bootstrap()).
  int kafkaScript(const std::string& args, const std::string& env = "") {
    std::string port = bootstrap().substr(bootstrap().rfind(':') + 1);
    Process p({"/bin/sh", "-c", env + " KAFKA_PORT=" + port + " KAFKA_AUTO_CREATE=false bash scripts/kafka.sh " + args},
              sourceDir(), dir_.file("script.log"));
    return p.stop(0, 180s);
  }

  TempDir dir_;
  std::string topic_;
  int port_ = 0;
};

TEST_F(ProcessPipeline, KillNineInMidStreamLosesNothing) {
  const int64_t n = 200000, rate = 25000, flushMs = 500;
  auto now = std::chrono::system_clock::now().time_since_epoch().count();
  write("crash-" + std::to_string(now), n, rate, flushMs);
  std::mt19937 rng(static_cast<unsigned>(now));
  auto p = start();
  const int kills = 4;
  size_t bound = 0;
  using Clock = std::chrono::steady_clock;
  for (int k = 0; k < kills; ++k) {
    // Kill at a random point of the stream: when the output passes a random
    // count. Sample the output as it grows, to know what the sink wrote since
    // its last possible commit.
    std::vector<std::pair<Clock::time_point, size_t>> samples;
    size_t target = readLines(dir_.file("out.txt")).size() + std::uniform_int_distribution<size_t>(3000, 30000)(rng);
    ASSERT_TRUE(waitFor([&] {
      size_t lines = readLines(dir_.file("out.txt")).size();
      samples.emplace_back(Clock::now(), lines);
      return lines >= target;
    }, 120s)) << "stream stalled before kill " << k << "\n" << readFile(dir_.file("sluice.log")).substr(0, 4000);
    EXPECT_EQ(p->stop(SIGKILL, 10s), 128 + SIGKILL);
    // In flight at the last commit: on the sink side, what it wrote in the
    // last commit interval (plus margin); on the source side, one interval of
    // generated records plus the batches being produced.
    auto windowStart = Clock::now() - std::chrono::milliseconds(flushMs + 1000);
    size_t before = 0;
    for (const auto& [t, lines] : samples)
      if (t <= windowStart) before = lines;
    size_t sinkWindow = samples.back().second - before;
    size_t sourceWindow = static_cast<size_t>(rate * (flushMs + 1000) / 1000 + 2 * 2000);
    bound += sinkWindow + sourceWindow;
    p = start();
  }
  ASSERT_TRUE(waitFor([&] { return uniqueCount() >= static_cast<size_t>(n); }, 240s))
      << uniqueCount() << " of " << n;
  EXPECT_EQ(p->stop(SIGINT, 60s), 0);
  size_t torn = 0;
  auto s = seqs(&torn);
  std::set<int64_t> unique(s.begin(), s.end());
  EXPECT_LE(torn, static_cast<size_t>(kills)) << "at most one cut write per crash";
  EXPECT_EQ(unique.size(), static_cast<size_t>(n));
  EXPECT_EQ(*unique.begin(), 0);
  EXPECT_EQ(*unique.rbegin(), n - 1);
  size_t dups = s.size() - unique.size();
  std::cout << "kill -9 x" << kills << ": " << s.size() << " records, " << unique.size() << " unique, " << dups
            << " duplicates (in flight at the kills: at most " << bound << "), " << torn << " cut lines\n";
  RecordProperty("duplicates", static_cast<int>(dups));
  EXPECT_LE(dups, bound);
}

TEST_F(ProcessPipeline, BrokerRestartInMidStreamRecoversOnItsOwn) {
  const int64_t n = 30000;
  auto now = std::chrono::system_clock::now().time_since_epoch().count();
  write("brokerbounce-" + std::to_string(now), n, 2000, 500);
  auto p = start();
  ASSERT_TRUE(waitFor([&] { return readLines(dir_.file("out.txt")).size() >= 4000; }, 60s));
  ASSERT_EQ(kafkaScript("down", "KEEP_DATA=1"), 0) << readFile(dir_.file("script.log"));
  ASSERT_EQ(kafkaScript("status"), 3) << "the suite's broker must really be down";
  size_t during = readLines(dir_.file("out.txt")).size();
  ASSERT_EQ(kafkaScript("up"), 0) << readFile(dir_.file("script.log"));
  std::cout << "broker was down with " << during << " records out\n";
  ASSERT_TRUE(waitFor([&] { return uniqueCount() >= static_cast<size_t>(n); }, 240s)) << uniqueCount() << " of " << n;
  auto status = json::parse(http(port_, "GET", "/connectors?expand=status").body);
  for (const char* c : {"gen", "sink"})
    EXPECT_EQ(status.at(c).at("status").at("tasks").at(0).at("state"), "RUNNING") << json::serialize(status);
  EXPECT_EQ(p->stop(SIGINT, 60s), 0);
  auto s = seqs();
  std::cout << "broker restart: " << s.size() << " lines, " << uniqueCount() << " unique\n";
}

}  // namespace
}  // namespace sluice::test
