// The real sluice process against the real broker: kill -9 in mid-stream,
// and a broker restart in mid-stream. At-least-once means every seq arrives;
// duplicates are counted and must stay within what was in flight.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

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
                        {"checkpoint.interval.ms", flushMs},
                        {"producer.linger.ms", "10"}};
    if (shortSessions_) {
      // A killed consumer stays in its group until its session expires;
      // keep that short so restarts rejoin quickly.
      worker["consumer.session.timeout.ms"] = "6000";
      worker["consumer.heartbeat.interval.ms"] = "1000";
    }
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
    EXPECT_TRUE(waitFor([&] { return http(port_, "GET", "/ready").status == 200; }, 30s));
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
  /// For a failure message: the connectors' status, the worker's last
  /// warnings and errors (librdkafka's apart: it repeats itself while the
  /// broker is away), and where the whole log was kept.
  std::string diagnostics() {
    std::string out = "status: " + http(port_, "GET", "/connectors?expand=status").body;
    std::vector<std::string> own, kafka;
    for (const auto& l : readLines(dir_.file("sluice.log"))) {
      if (l.find(" WARN ") == std::string::npos && l.find(" ERROR ") == std::string::npos) continue;
      (l.find("[sluice.kafka]") != std::string::npos ? kafka : own).push_back(l);
    }
    auto tail = [&](const char* what, const std::vector<std::string>& lines, size_t n) {
      out += std::string("\n") + what + " (WARN/ERROR, last " + std::to_string(n) + " of " + std::to_string(lines.size()) + "):\n";
      for (size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += lines[i].substr(0, 400) + "\n";
    };
    tail("sluice", own, 30);
    tail("librdkafka", kafka, 15);
    // Where the records stand: in and out of each task, blocked time, lag.
    out += "metrics:\n";
    std::istringstream metrics(http(port_, "GET", "/metrics").body);
    for (std::string l; std::getline(metrics, l);)
      if (!l.starts_with("#") && (l.starts_with("sluice_task_records_") || l.starts_with("sluice_task_backpressure") ||
                                  l.starts_with("sluice_sink_task_consumer_lag") || l.starts_with("sluice_source_task_active")))
        out += l + "\n";
    // The broker's own warnings (scripts/kafka.sh keeps its log in its run dir).
    std::vector<std::string> broker;
    for (const auto& l : readLines("/tmp/sluice-kafka-" + bootstrap().substr(bootstrap().rfind(':') + 1) + "/logs/server.log"))
      if (l.find(" WARN ") != std::string::npos || l.find(" ERROR ") != std::string::npos) broker.push_back(l);
    tail("broker", broker, 15);
    // The whole log outlives the test's directory, beside the test binary.
    std::string kept = buildDir() + "/tests/" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".sluice.log";
    writeFile(kept, readFile(dir_.file("sluice.log")));
    return out + "whole log: " + kept + "\n";
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
  bool shortSessions_ = true;
};

TEST_F(ProcessPipeline, ASinkTakesItsPartitionsBackAtOnceAfterKillNine) {
  // The consumer's default session timeout (45 s): a restarted sink must not
  // wait for its dead self to expire, as it did before static membership.
  shortSessions_ = false;
  auto now = std::chrono::system_clock::now().time_since_epoch().count();
  write("rejoin-" + std::to_string(now), 1000000, 1000, 500);
  auto p = start();
  ASSERT_TRUE(waitFor([&] { return readLines(dir_.file("out.txt")).size() >= 2000; }, 60s))
      << readFile(dir_.file("sluice.log")).substr(0, 4000);
  EXPECT_EQ(p->stop(SIGKILL, 10s), 128 + SIGKILL);
  size_t before = readLines(dir_.file("out.txt")).size();
  p = start();  // returns once /ready answers
  auto restarted = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor([&] { return readLines(dir_.file("out.txt")).size() > before; }, 10s))
      << "no record consumed within 10 s of the restart\n" << readFile(dir_.file("sluice.log"));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - restarted).count();
  std::cout << "first record after the restart: " << took << " ms\n";
  EXPECT_EQ(p->stop(SIGINT, 60s), 0);
}

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
  ASSERT_TRUE(waitFor([&] { return uniqueCount() >= static_cast<size_t>(n); }, 240s))
      << uniqueCount() << " of " << n << "\n" << diagnostics();
  auto status = json::parse(http(port_, "GET", "/connectors?expand=status").body);
  for (const char* c : {"gen", "sink"})
    EXPECT_EQ(status.at(c).at("status").at("tasks").at(0).at("state"), "RUNNING") << json::serialize(status);
  EXPECT_EQ(p->stop(SIGINT, 60s), 0);
  auto s = seqs();
  std::cout << "broker restart: " << s.size() << " lines, " << uniqueCount() << " unique\n";
}

// A stateful chain across kill -9: file-source -> topic -> [Deduplicate on
// "id", WindowAggregate of "v" per "k" over event time "t"] -> test-sink.
// The input holds intentional duplicates, and every crash adds more (the
// source and the sink both re-deliver past their last checkpoint). Whatever
// the sink wrote more than once came from the same Kafka record; beyond
// that, the output must be exactly what a crash-free run computes from the
// input: each id passes once, each window's aggregate is exact. That holds
// only if state and offsets always came back from the same checkpoint.
TEST_F(ProcessPipeline, StatefulChainSurvivesKillNineWithExactResults) {
  const int n = 60000, kills = 3;
  auto now = std::chrono::system_clock::now().time_since_epoch().count();
  topic_ = "stateful-" + std::to_string(now);
  port_ = freePort();
  json::object worker{{"listeners", "http://127.0.0.1:" + std::to_string(port_)},
                      {"bootstrap.servers", bootstrap()},
                      {"state.dir", "state"},
                      {"plugin.path", json::array{pluginDir(), buildDir() + "/test-plugins/extra"}},
                      {"checkpoint.interval.ms", "300"},
                      {"producer.linger.ms", "10"},
                      {"consumer.session.timeout.ms", "6000"},
                      {"consumer.heartbeat.interval.ms", "1000"}};
  json::object source{{"name", "src"},
                      {"config", json::object{{"connector.class", "file-source"}, {"file", dir_.file("in.txt")},
                                              {"topic", topic_}, {"batch.size", "500"}, {"format", "json"},
                                              {"topic.creation.default.partitions", "1"},
                                              {"topic.creation.default.replication.factor", "1"}}}};
  json::object sink{{"name", "agg"},
                    {"config", json::object{{"connector.class", "test-sink"}, {"topics", topic_},
                                            {"file", "out.txt"}, {"format", "json"},
                                            {"transforms", "dedup,win"},
                                            {"transforms.dedup.type", "Deduplicate"},
                                            {"transforms.dedup.field", "id"},
                                            {"transforms.dedup.window.ms", "1000000000"},
                                            {"transforms.dedup.time.field", "t"},
                                            {"transforms.win.type", "WindowAggregate"},
                                            {"transforms.win.field", "v"},
                                            {"transforms.win.group.field", "k"},
                                            {"transforms.win.time.field", "t"},
                                            {"transforms.win.window.size.ms", "1000"},
                                            {"transforms.win.aggregations", "count,sum"},
                                            {"transforms.win.output.topic", "results"},
                                            {"transforms.win.emit.input", "true"}}}};
  writeFile(dir_.file("worker.json"), json::serialize(worker));
  writeFile(dir_.file("source.json"), json::serialize(source));
  writeFile(dir_.file("sink.json"), json::serialize(sink));
  writeFile(dir_.file("in.txt"), "");

  // Line i: id i (every 10th line repeats the id five lines back), key
  // k<i%20>, event time 10 ms apart, value i%7. The reference results.
  auto lineOf = [](int i) {
    int id = i % 10 == 9 ? i - 5 : i;
    return "{\"id\":" + std::to_string(id) + ",\"k\":\"k" + std::to_string(i % 20) + "\",\"t\":" +
           std::to_string(1000000 + 10LL * i) + ",\"v\":" + std::to_string(i % 7) + "}";
  };
  std::set<int> ids;
  std::map<std::pair<std::string, int64_t>, std::pair<int64_t, int64_t>> expected;  // (k, start) -> (count, sum)
  int64_t maxT = 0;
  for (int i = 0; i < n; ++i) {
    int id = i % 10 == 9 ? i - 5 : i;
    int64_t t = 1000000 + 10LL * i;
    maxT = std::max(maxT, t);
    if (!ids.insert(id).second) continue;  // Deduplicate drops it
    auto& [count, sum] = expected[{"k" + std::to_string(i % 20), t / 1000 * 1000}];
    ++count;
    sum += i % 7;
  }
  // A window fires once the watermark (max t) reaches its last millisecond.
  std::erase_if(expected, [&](const auto& e) { return e.first.second + 999 > maxT; });

  // Feed the input over time, so the kills land mid-stream.
  std::atomic<bool> feeding{true};
  std::thread feeder([&] {
    std::ofstream in(dir_.file("in.txt"), std::ios::app);
    for (int i = 0; i < n && feeding; ++i) {
      in << lineOf(i) << '\n';
      if (i % 1000 == 999) {
        in.flush();
        std::this_thread::sleep_for(100ms);
      }
    }
    in.flush();
  });
  auto p = start();
  std::mt19937 rng(static_cast<unsigned>(now));
  for (int k = 0; k < kills; ++k) {
    size_t target = readLines(dir_.file("out.txt")).size() + std::uniform_int_distribution<size_t>(2000, 8000)(rng);
    ASSERT_TRUE(waitFor([&] { return readLines(dir_.file("out.txt")).size() >= target; }, 120s))
        << "stalled before kill " << k << "\n" << readFile(dir_.file("sluice.log")).substr(0, 4000);
    EXPECT_EQ(p->stop(SIGKILL, 10s), 128 + SIGKILL);
    p = start();
  }
  feeder.join();

  struct Seen {
    std::map<int, std::set<int64_t>> idOffsets;  // id -> Kafka offsets it was written from
    std::map<std::pair<std::string, int64_t>, std::set<std::pair<int64_t, int64_t>>> windows;
  };
  auto collect = [&] {
    Seen s;
    for (const auto& line : readLines(dir_.file("out.txt"))) {
      boost::system::error_code ec;
      auto rec = json::parse(line, ec);
      if (ec || !rec.is_object() || !rec.at("value").is_string()) continue;
      auto v = json::parse(rec.at("value").as_string(), ec);
      if (ec || !v.is_object()) continue;
      const auto& o = v.as_object();
      if (o.contains("window_start"))
        s.windows[{std::string(o.at("key").as_string()), o.at("window_start").as_int64()}].insert(
            {o.at("count").as_int64(), o.at("sum").to_number<int64_t>()});
      else if (o.contains("id"))
        s.idOffsets[static_cast<int>(o.at("id").as_int64())].insert(rec.at("offset").as_int64());
    }
    return s;
  };
  Seen seen;
  ASSERT_TRUE(waitFor([&] {
    seen = collect();
    return seen.idOffsets.size() >= ids.size() && seen.windows.size() >= expected.size();
  }, 180s)) << seen.idOffsets.size() << " of " << ids.size() << " ids, " << seen.windows.size() << " of "
            << expected.size() << " windows\n" << readFile(dir_.file("sluice.log")).substr(0, 4000);
  EXPECT_EQ(p->stop(SIGINT, 60s), 0);
  seen = collect();

  size_t twice = 0;
  for (const auto& [id, offsets] : seen.idOffsets) {
    EXPECT_TRUE(ids.count(id)) << id;
    if (offsets.size() > 1) ++twice;
  }
  EXPECT_EQ(seen.idOffsets.size(), ids.size());
  EXPECT_EQ(twice, 0u) << "an id passed Deduplicate from two different records: its state was lost";
  size_t wrong = 0;
  for (const auto& [window, results] : seen.windows) {
    auto it = expected.find(window);
    ASSERT_NE(it, expected.end()) << window.first << "@" << window.second;
    if (results.size() != 1 || *results.begin() != it->second) ++wrong;
  }
  EXPECT_EQ(seen.windows.size(), expected.size());
  EXPECT_EQ(wrong, 0u) << "a window's aggregate differs from the crash-free result";
  std::cout << "stateful chain, kill -9 x" << kills << ": " << seen.idOffsets.size() << " ids, " << seen.windows.size()
            << " windows, all exact\n";
}

}  // namespace
}  // namespace sluice::test
