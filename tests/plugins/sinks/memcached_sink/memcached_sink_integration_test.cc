// memcached-sink: the real sluice binary, the real broker (ctest fixture
// `kafka`) and a real memcached (ctest fixture `memcached`,
// scripts/memcached.sh on $SLUICE_TEST_MEMCACHED, items up to 512 KiB).
// memcached's own text protocol checks what arrived: the meta get `mg`
// returns a key's value and its remaining TTL.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>

#include "tests/support/connector_harness.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

std::string mcAddress() {
  const char* a = std::getenv("SLUICE_TEST_MEMCACHED");
  return a && *a ? a : "127.0.0.1:11311";
}
int mcPort() { return std::stoi(mcAddress().substr(mcAddress().rfind(':') + 1)); }

int mcScript(const std::string& args) {
  auto r = runCommand("cd " + shellQuote(sourceDir()) + " && MEMCACHED_PORT=" + std::to_string(mcPort()) +
                      " MEMCACHED_MAX_ITEM_SIZE=512k timeout 60 bash scripts/memcached.sh " + args + " 2>&1");
  if (r.exitCode != 0 && args != "status") std::cerr << "memcached.sh " << args << ": " << r.output << "\n";
  return r.exitCode;
}

/// memcached's text protocol over one connection; reconnects after a restart.
class Memcached {
 public:
  struct Item {
    std::string value;
    int64_t ttl;  // -1: none
  };
  ~Memcached() { close(); }
  /// The item, or nullopt when absent. Throws when the server is away.
  std::optional<Item> get(const std::string& key) {
    std::string line = request("mg " + key + " v t\r\n");
    if (line == "EN") return std::nullopt;
    // VA <size> t<ttl>
    if (!line.starts_with("VA ")) throw std::runtime_error("unexpected answer to mg: " + line);
    size_t size = std::stoul(line.substr(3));
    Item it{readBytes(size + 2).substr(0, size), -1};
    if (size_t t = line.find(" t"); t != std::string::npos) it.ttl = std::stoll(line.substr(t + 2));
    return it;
  }
  /// One `stats` value.
  int64_t stat(const std::string& name) {
    std::string line = request("stats\r\n");
    int64_t out = -1;
    while (line != "END") {
      if (line.starts_with("STAT " + name + " ")) out = std::stoll(line.substr(6 + name.size()));
      line = readLine();
    }
    return out;
  }
  void flushAll() { EXPECT_EQ(request("flush_all\r\n"), "OK"); }

 private:
  std::string request(const std::string& text) {
    if (fd_ < 0) connect();
    if (::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(text.size())) {
      close();
      throw std::runtime_error("memcached connection lost");
    }
    return readLine();
  }
  void connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(mcPort()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close();
      throw std::runtime_error("cannot connect to memcached at " + mcAddress());
    }
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buf_.clear();
  }
  bool fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      close();
      throw std::runtime_error("memcached connection lost");
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  std::string readLine() {
    size_t eol;
    while ((eol = buf_.find("\r\n")) == std::string::npos) fill();
    std::string line = buf_.substr(0, eol);
    buf_.erase(0, eol + 2);
    return line;
  }
  std::string readBytes(size_t n) {
    while (buf_.size() < n) fill();
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
  }
  int fd_ = -1;
  std::string buf_;
};

struct MemcachedBackUp {
  ~MemcachedBackUp() {
    if (mcScript("status") != 0) mcScript("up");
  }
};

/// Every key of `model` (prefixed) holds its value, and every key in
/// `absent` is gone; `wrong` counts the differences.
bool matches(Memcached& mc, const std::string& prefix, const std::map<std::string, std::string>& model,
             const std::vector<std::string>& universe, size_t& wrong) {
  try {
    wrong = 0;
    for (const auto& k : universe) {
      auto it = model.find(k);
      auto got = mc.get(prefix + k);
      if (it == model.end() ? got.has_value() : (!got || got->value != it->second)) ++wrong;
    }
    return wrong == 0;
  } catch (const std::exception&) {
    return false;
  }
}

TEST(MemcachedSinkTest, ExactAcrossKillNineAndServerRestart) {
  Memcached mc;
  const std::string topic = uniqueName("mc"), prefix = uniqueName("t") + ":";
  createTopic(topic, 3);
  std::map<std::string, std::string> model;
  std::vector<std::string> universe;
  auto send = [&](const std::vector<KafkaRecord>& recs) {
    for (const auto& r : recs) {
      if (r.value) model[*r.key] = *r.value;
      else model.erase(*r.key);
    }
    produce(topic, recs);
  };
  auto value = [](int i, int gen) { return "{\"seq\":" + std::to_string(i) + ",\"gen\":" + std::to_string(gen) + "}"; };
  std::vector<KafkaRecord> phase;
  for (int i = 0; i < 6000; ++i) universe.push_back("k" + std::to_string(i));
  for (int i = 0; i < 3000; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  send(phase);

  int64_t setsBefore = mc.stat("cmd_set");
  SluiceRun run;
  run.addConnector("mc", {{"connector.class", "memcached-sink"},
                          {"topics", topic},
                          {"tasks.max", "2"},
                          {"memcached.servers", mcAddress()},
                          {"memcached.key.prefix", prefix},
                          {"errors.breaker.failure.threshold", "3"},
                          {"errors.breaker.open.ms", "1000"}});
  run.start();
  ASSERT_TRUE(waitFor([&] { return mc.stat("cmd_set") - setsBefore >= 1000; }, 60s)) << run.log();
  EXPECT_EQ(run.stop(SIGKILL, 10s), 128 + SIGKILL);
  std::cout << "killed sluice after " << mc.stat("cmd_set") - setsBefore << " sets\n";

  phase.clear();
  for (int i = 0; i < 3000; ++i) {
    if (i % 10 == 0) phase.push_back({"k" + std::to_string(i), std::nullopt});
    else if (i % 7 == 0) phase.push_back({"k" + std::to_string(i), value(i, 2)});
  }
  for (int i = 3000; i < 4500; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  send(phase);
  run.start();
  size_t wrong = 0;
  ASSERT_TRUE(waitFor([&] { return matches(mc, prefix, model, universe, wrong); }, 60s))
      << wrong << " keys differ after the kill -9\n" << run.log();

  // memcached restarts empty: what the records after it write is all it holds.
  MemcachedBackUp backUp;
  ASSERT_EQ(mcScript("down"), 0);
  ASSERT_EQ(mcScript("status"), 3);
  model.clear();
  phase.clear();
  for (int i = 4500; i < 6000; ++i) phase.push_back({"k" + std::to_string(i), value(i, 1)});
  for (int i = 1; i < 4500; i += 11) phase.push_back({"k" + std::to_string(i), value(i, 3)});
  for (int i = 4500; i < 6000; i += 13) phase.push_back({"k" + std::to_string(i), std::nullopt});
  send(phase);
  EXPECT_TRUE(waitFor([&] { return run.metric("sluice_sink_task_breaker_state", "mc") >= 1; }, 30s)) << run.log();
  EXPECT_GT(run.metric("sluice_task_retries_total", "mc"), 0);
  EXPECT_EQ(run.taskState("mc"), "RUNNING");
  ASSERT_EQ(mcScript("up"), 0);
  ASSERT_TRUE(waitFor([&] { return matches(mc, prefix, model, universe, wrong); }, 60s))
      << wrong << " keys differ after the server restart\n" << run.log();
  EXPECT_EQ(run.taskState("mc"), "RUNNING");
  EXPECT_EQ(run.stop(SIGINT), 0);
  std::cout << "memcached across kill -9 and a server restart: " << model.size() << " keys exact\n";
}

TEST(MemcachedSinkTest, TtlTombstonesAndErrantRecords) {
  Memcached mc;
  const std::string topic = uniqueName("mc-errant"), dlq = topic + "-dlq", prefix = uniqueName("e") + ":";
  createTopic(topic, 1);
  createTopic(dlq, 1);
  const std::string big(600 * 1024, 'x');
  std::vector<KafkaRecord> recs = {
      {"a", R"({"x":1})"},
      {"b", R"({"x":2})"},
      {"a", std::nullopt},
      {"bad key", R"({"x":3})"},
      {std::nullopt, R"({"x":4})"},
      {std::string(300, 'k'), R"({"x":5})"},
      {"big", "\"" + big + "\""},
      {"c", R"({"x":6})"},
  };
  produce(topic, recs);
  SluiceRun run;
  run.addConnector("mc-ttl", {{"connector.class", "memcached-sink"},
                              {"topics", topic},
                              {"memcached.servers", mcAddress()},
                              {"memcached.key.prefix", prefix},
                              {"memcached.ttl.seconds", "1000"},
                              {"errors.tolerance", "all"},
                              {"errors.deadletterqueue.topic.name", dlq},
                              {"errors.deadletterqueue.context.headers.enable", "true"}});
  run.start();
  auto dead = consumeAll(dlq, 4, 60s);
  ASSERT_EQ(dead.size(), 4u) << run.log();
  std::vector<std::string> reasons;
  for (size_t i = 0; i < dead.size(); ++i) {
    EXPECT_EQ(dead[i].key, recs[3 + i].key) << i;
    EXPECT_EQ(dead[i].value, recs[3 + i].value) << i;
    for (const auto& [k, v] : dead[i].headers)
      if (k == "__connect.errors.exception.message") reasons.push_back(v);
  }
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_NE(reasons[0].find("space or control character"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("needs a record key"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("longer than memcached's 250"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[3].find("set of key '" + prefix + "big' failed"), std::string::npos) << reasons[3];

  ASSERT_TRUE(waitFor([&] { return mc.get(prefix + "c").has_value(); }, 30s)) << run.log();
  EXPECT_FALSE(mc.get(prefix + "a").has_value()) << "the tombstone deletes";
  EXPECT_FALSE(mc.get(prefix + "big").has_value());
  for (const char* k : {"b", "c"}) {
    auto it = mc.get(prefix + k);
    ASSERT_TRUE(it.has_value()) << k;
    EXPECT_EQ(it->value, k == std::string("b") ? R"({"x":2})" : R"({"x":6})");
    EXPECT_TRUE(it->ttl > 0 && it->ttl <= 1000) << k << " ttl " << it->ttl;
  }
  EXPECT_EQ(run.metric("sluice_task_dlq_records_total", "mc-ttl"), 4);
  EXPECT_EQ(run.taskState("mc-ttl"), "RUNNING");
  EXPECT_EQ(run.stop(SIGINT), 0);
}

}  // namespace
}  // namespace sluice::test
