// http-sink: the real sluice binary, the real broker (ctest fixture `kafka`)
// and a real HTTP server on loopback (recorder.py next to this file, started
// by the test on a free port) that logs every request and answers 429, 503,
// 4xx or a dropped connection when the test asks it to.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <iostream>
#include <map>
#include <set>

#include "tests/support/connector_harness.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

class Recorder {
 public:
  Recorder() : port_(freePort()) { start(); }
  ~Recorder() { stop(); }
  void start() {
    std::remove(dir_.file("port").c_str());
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/python3", sourceDir() + "/tests/plugins/sinks/http_sink/recorder.py", "--port",
                                 std::to_string(port_), "--dir", dir_.path(), "--lifetime", "300"},
        dir_.path(), dir_.file("recorder.log"));
    ASSERT_TRUE(waitFor([&] { return http(port_, "GET", "/_control").status == 200; }, 20s))
        << readFile(dir_.file("recorder.log"));
  }
  void stop() {
    if (proc_) proc_->stop(SIGKILL, 10s);
    proc_.reset();
  }
  /// Queue answers for the next data requests (see recorder.py).
  void plan(const json::object& step) {
    ASSERT_EQ(http(port_, "POST", "/_control", json::serialize(step)).status, 200);
  }
  std::vector<json::object> requests() const {
    std::vector<json::object> out;
    for (const auto& l : readLines(dir_.file("requests.jsonl"))) {
      boost::system::error_code ec;
      auto v = json::parse(l, ec);
      if (!ec) out.push_back(v.as_object());
    }
    return out;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/ingest"; }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> proc_;
};

struct Seen {
  std::map<int64_t, int> accepted;  // seq -> times accepted
  size_t requests = 0;
  bool wellFormed = true;
};

/// The records of every 2xx request, by seq, from bodies in the `records` format.
Seen accepted(const std::vector<json::object>& reqs) {
  Seen s;
  for (const auto& r : reqs) {
    if (r.at("status").as_int64() / 100 != 2) continue;
    ++s.requests;
    boost::system::error_code ec;
    auto body = json::parse(r.at("body").as_string(), ec);
    if (ec || !body.is_array()) {
      s.wellFormed = false;
      continue;
    }
    for (const auto& rec : body.as_array()) {
      ++s.accepted[rec.at("value").at("seq").as_int64()];
    }
  }
  return s;
}

std::vector<KafkaRecord> seqs(int from, int to) {
  std::vector<KafkaRecord> out;
  for (int i = from; i < to; ++i) out.push_back({"key-" + std::to_string(i % 17), "{\"seq\":" + std::to_string(i) + "}"});
  return out;
}

TEST(HttpSinkTest, ExactAcrossRetryAfterErrantRequestsKillNineAndServerRestart) {
  Recorder server;
  const std::string topic = uniqueName("http"), dlq = topic + "-dlq";
  createTopic(topic, 2);
  createTopic(dlq, 1);
  const std::string token = uniqueName("token");
  // The first requests meet a 429 (Retry-After: 1 s), a 503 (Retry-After as an
  // HTTP date 2 s ahead), a dropped connection, then a 422 whose records are
  // errant, then a 503 without Retry-After (usually in the middle of a put
  // batch: the retry must not send the requests before it again).
  server.plan({{"status", 429}, {"count", 1}, {"retry_after", "1"}});
  server.plan({{"status", 503}, {"count", 1}, {"retry_after", "date:2"}});
  server.plan({{"close", true}, {"count", 1}});
  server.plan({{"status", 200}, {"count", 2}});
  server.plan({{"status", 422}, {"count", 1}, {"body", "field seq is not allowed here"}});
  server.plan({{"status", 503}, {"count", 1}});
  produce(topic, seqs(0, 3000));

  SluiceRun run;
  writeFile(run.dir().file("secrets.properties"), "token=" + token + "\n");
  run.addConnector("http", {{"connector.class", "http-sink"},
                            {"topics", topic},
                            {"tasks.max", "1"},
                            {"http.api.url", server.url()},
                            {"request.body.format", "records"},
                            {"batch.max.size", "100"},
                            {"headers", "X-Test: yes|X-Other: 2"},
                            {"auth.type", "BEARER"},
                            {"auth.token", "${file:" + run.dir().file("secrets.properties") + ":token}"},
                            {"errors.tolerance", "all"},
                            {"errors.deadletterqueue.topic.name", dlq},
                            {"errors.deadletterqueue.context.headers.enable", "true"},
                            {"errors.breaker.failure.threshold", "3"},
                            {"errors.breaker.open.ms", "1000"}});
  run.start();

  // Until the 422: every record once, either accepted or in the dead letter
  // queue; none twice although requests failed halfway through batches.
  std::set<int64_t> rejected;
  Seen s;
  ASSERT_TRUE(waitFor([&] {
    auto reqs = server.requests();
    rejected.clear();
    for (const auto& r : reqs)
      if (r.at("status").as_int64() == 422) {
        json::value body = json::parse(r.at("body").as_string());
        for (const auto& rec : body.as_array()) rejected.insert(rec.at("value").at("seq").as_int64());
      }
    s = accepted(reqs);
    return s.accepted.size() + rejected.size() >= 3000;
  }, 60s)) << s.accepted.size() << " + " << rejected.size() << "\n" << run.log();
  auto reqs = server.requests();
  ASSERT_GE(reqs.size(), 8u);
  std::vector<int64_t> statuses;
  for (size_t i = 0; i < 8; ++i) statuses.push_back(reqs[i].at("status").as_int64());
  EXPECT_EQ(statuses, (std::vector<int64_t>{429, 503, 0, 200, 200, 422, 503, 200}));
  EXPECT_TRUE(reqs[6].at("body") == reqs[7].at("body")) << "the retry must start at the request that failed";
  double afterSeconds = reqs[1].at("t").as_double() - reqs[0].at("t").as_double();
  double afterDate = reqs[2].at("t").as_double() - reqs[1].at("t").as_double();
  EXPECT_GE(afterSeconds, 0.95) << "Retry-After: 1 not honoured";
  EXPECT_GE(afterDate, 0.95) << "Retry-After as an HTTP date not honoured";
  // The 429, the 503 and the dropped connection carried the same records:
  // the batch was offered again and sent again from where it failed.
  for (size_t i = 1; i < 4; ++i) EXPECT_TRUE(reqs[0].at("body") == reqs[i].at("body")) << "request " << i;
  ASSERT_FALSE(rejected.empty());
  EXPECT_LE(rejected.size(), 100u);
  auto dead = consumeAll(dlq, rejected.size(), 30s);
  ASSERT_EQ(dead.size(), rejected.size());
  for (const auto& d : dead) {
    EXPECT_TRUE(rejected.count(json::parse(*d.value).at("seq").as_int64())) << *d.value;
    std::string why;
    for (const auto& [k, v] : d.headers)
      if (k == "__connect.errors.exception.message") why = v;
    EXPECT_NE(why.find("answered HTTP 422 Unprocessable Content: field seq is not allowed here"), std::string::npos) << why;
  }
  EXPECT_EQ(s.accepted.size() + rejected.size(), 3000u);
  for (const auto& [seq, n] : s.accepted) {
    EXPECT_EQ(n, 1) << "seq " << seq << " accepted " << n << " times without a crash";
    EXPECT_FALSE(rejected.count(seq));
  }
  EXPECT_TRUE(s.wellFormed);
  for (const auto& r : server.requests()) {
    const auto& h = r.at("headers").as_object();
    EXPECT_EQ(h.at("authorization"), json::value("Bearer " + token));
    EXPECT_EQ(h.at("x-test"), json::value("yes"));
    EXPECT_EQ(h.at("content-type"), json::value("application/json"));
    EXPECT_EQ(r.at("method"), json::value("POST"));
    EXPECT_LE(json::parse(r.at("body").as_string()).as_array().size(), 100u);
  }

  // A kill -9 in mid-stream, then the server goes away while records arrive.
  produce(topic, seqs(3000, 6000));
  ASSERT_TRUE(waitFor([&] { return accepted(server.requests()).accepted.size() >= 4000; }, 60s)) << run.log();
  EXPECT_EQ(run.stop(SIGKILL, 10s), 128 + SIGKILL);
  run.start();
  server.stop();
  produce(topic, seqs(6000, 8000));
  EXPECT_TRUE(waitFor([&] { return run.metric("sluice_sink_task_breaker_state", "http") >= 1; }, 30s)) << run.log();
  EXPECT_GT(run.metric("sluice_task_retries_total", "http"), 0);
  EXPECT_EQ(run.taskState("http"), "RUNNING");
  server.start();
  ASSERT_TRUE(waitFor([&] { s = accepted(server.requests()); return s.accepted.size() + rejected.size() >= 8000; }, 60s))
      << s.accepted.size() << "\n" << run.log();
  EXPECT_EQ(s.accepted.begin()->first, 0);
  EXPECT_EQ(s.accepted.rbegin()->first, 7999);
  size_t dups = 0;
  for (const auto& [seq, n] : s.accepted) dups += static_cast<size_t>(n - 1);
  std::cout << "http-sink: " << s.accepted.size() << " records accepted, " << rejected.size() << " errant, " << dups
            << " accepted twice (the kill -9 re-delivers what was not committed)\n";
  EXPECT_LE(dups, 3000u);
  EXPECT_EQ(run.log().find(token), std::string::npos) << "the token must not be logged";
  auto config = http(run.port(), "GET", "/connectors/http/config").body;
  EXPECT_EQ(config.find(token), std::string::npos);
  EXPECT_EQ(run.stop(SIGINT), 0);
}

TEST(HttpSinkTest, ClientErrorFailsTheTaskUnderToleranceNone) {
  Recorder server;
  const std::string topic = uniqueName("http-none");
  createTopic(topic, 1);
  server.plan({{"status", 404}, {"count", 1}, {"body", "no such endpoint"}});
  produce(topic, seqs(0, 10));
  SluiceRun run;
  run.addConnector("http-none", {{"connector.class", "http-sink"}, {"topics", topic}, {"http.api.url", server.url()}});
  run.start();
  ASSERT_TRUE(waitFor([&] { return run.taskState("http-none") == "FAILED"; }, 30s)) << run.log();
  std::string trace = json::serialize(run.status("http-none"));
  EXPECT_NE(trace.find("answered HTTP 404 Not Found: no such endpoint"), std::string::npos) << trace;
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(run.stop(SIGINT), 0);
}

}  // namespace
}  // namespace sluice::test
