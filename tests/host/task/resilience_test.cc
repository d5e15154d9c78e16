// Errors, retries, dead letter queues, the circuit breaker, the rate limit
// and automatic restarts, on an in-process worker (embedded Kafka). The
// poison-record case runs against the real broker too (integration suite).
#include <boost/json.hpp>

#include <map>
#include <set>

#include "tests/support/worker_fixture.h"

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

class ResilienceTest : public test::WorkerFixture {
 protected:
  // Lines of a json test-sink, parsed.
  static std::vector<json::object> jsonLines(const std::string& path) {
    std::vector<json::object> out;
    for (const auto& l : test::readLines(path)) {
      boost::system::error_code ec;
      auto v = json::parse(l, ec);
      if (!ec && v.is_object()) out.push_back(v.as_object());
    }
    return out;
  }
  static std::map<std::string, std::string> headers(const json::object& line) {
    std::map<std::string, std::string> out;
    for (const auto& h : line.at("headers").as_array())
      out[std::string(h.as_array()[0].as_string())] = h.as_array()[1].is_string() ? std::string(h.as_array()[1].as_string()) : "";
    return out;
  }
  double metric(const std::string& series) {
    std::string text = metrics_.serialize();
    auto pos = text.find(series + " ");
    return pos == std::string::npos ? -1 : std::stod(text.substr(pos + series.size() + 1));
  }
  // 100 lines, every 10th not JSON.
  std::string poisonFile() {
    std::string in = dir_.file("in.txt"), text;
    for (int i = 0; i < 100; ++i) text += i % 10 == 9 ? "not json {" + std::to_string(i) + "\n" : "{\"n\":" + std::to_string(i) + "}\n";
    test::writeFile(in, text);
    return in;
  }
  config::ConfigMap poisonSink(const std::string& out, const std::string& tolerance) {
    return {{"connector.class", "file-sink"}, {"topics", "poison"}, {"file", out},
            {"transforms", "tag"}, {"transforms.tag.type", "InsertField$Value"},
            {"transforms.tag.static.field", "via"}, {"transforms.tag.static.value", "sluice"},
            {"errors.tolerance", tolerance}, {"errors.deadletterqueue.topic.name", "dlq-poison"},
            {"errors.deadletterqueue.context.headers.enable", "true"}};
  }
};

TEST_F(ResilienceTest, PoisonRecordsGoToTheDeadLetterQueueWithContextHeaders) {
  std::string out = dir_.file("out.txt"), dlq = dir_.file("dlq.txt");
  ASSERT_TRUE(herder_->create("src", {{"connector.class", "file-source"}, {"file", poisonFile()}, {"topic", "poison"},
                                      {"value.converter", "string"}}).isOk());
  ASSERT_TRUE(herder_->create("good", poisonSink(out, "all")).isOk());
  ASSERT_TRUE(herder_->create("dlqread", {{"connector.class", "test-sink"}, {"topics", "dlq-poison"}, {"file", dlq},
                                          {"format", "json"}, {"value.converter", "string"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 90 && jsonLines(dlq).size() >= 10; }, 60s))
      << test::readLines(out).size() << " good, " << jsonLines(dlq).size() << " dead";
  EXPECT_EQ(test::readLines(out).size(), 90u);
  auto dead = jsonLines(dlq);
  ASSERT_EQ(dead.size(), 10u);
  for (const auto& d : dead) {
    std::string value(d.at("value").as_string());
    EXPECT_EQ(value.rfind("not json {", 0), 0u) << value << ": the record as it was consumed";
    auto h = headers(d);
    EXPECT_EQ(h["__connect.errors.topic"], "poison");
    EXPECT_EQ(h["__connect.errors.partition"], "0");
    EXPECT_EQ(h["__connect.errors.offset"], value.substr(10)) << "line i is offset i";
    EXPECT_EQ(h["__connect.errors.connector.name"], "good");
    EXPECT_EQ(h["__connect.errors.task.id"], "0");
    EXPECT_EQ(h["__connect.errors.stage"], "TRANSFORMATION");
    EXPECT_NE(h["__connect.errors.exception.message"].find("InsertField"), std::string::npos) << h["__connect.errors.exception.message"];
  }
  EXPECT_EQ(taskState("good"), "RUNNING");
  EXPECT_EQ(metric(R"(sluice_task_dlq_records_total{connector="good",kind="sink",task="0"})"), 10);
  EXPECT_EQ(metric(R"(sluice_task_errors_total{connector="good",kind="sink",stage="TRANSFORMATION",task="0"})"), 10);
}

TEST_F(ResilienceTest, WithToleranceNoneAPoisonRecordFailsTheTaskNamingIt) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("src", {{"connector.class", "file-source"}, {"file", poisonFile()}, {"topic", "poison"},
                                      {"value.converter", "string"}}).isOk());
  ASSERT_TRUE(herder_->create("strict", poisonSink(out, "none")).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("strict") == "FAILED"; }, 60s)) << taskState("strict");
  std::string trace = herder_->status("strict")->tasks[0].trace;
  // The first bad line is offset 9; the trace names the transform and the record.
  EXPECT_NE(trace.find("InsertField"), std::string::npos) << trace;
  EXPECT_NE(trace.find("(record poison-0@"), std::string::npos) << trace;
}

TEST_F(ResilienceTest, SourceRecordsThatFailATransformGoToTheDeadLetterQueue) {
  std::string out = dir_.file("out.txt"), dlq = dir_.file("dlq.txt");
  ASSERT_TRUE(herder_->create("src", {{"connector.class", "file-source"}, {"file", poisonFile()}, {"topic", "clean"},
                                      {"value.converter", "json"}, {"format", "json"},
                                      {"transforms", "tag"}, {"transforms.tag.type", "InsertField$Value"},
                                      {"transforms.tag.static.field", "via"}, {"transforms.tag.static.value", "src"},
                                      {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq-src"},
                                      {"errors.deadletterqueue.context.headers.enable", "true"}}).isOk());
  ASSERT_TRUE(herder_->create("clean", {{"connector.class", "file-sink"}, {"topics", "clean"}, {"file", out}}).isOk());
  ASSERT_TRUE(herder_->create("dlqread", {{"connector.class", "test-sink"}, {"topics", "dlq-src"}, {"file", dlq},
                                          {"format", "json"}, {"value.converter", "string"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 90 && jsonLines(dlq).size() >= 10; }, 60s));
  for (const auto& d : jsonLines(dlq)) {
    EXPECT_EQ(std::string(d.at("value").as_string()).rfind("not json {", 0), 0u);
    EXPECT_EQ(headers(d)["__connect.errors.stage"], "TRANSFORMATION");
    EXPECT_EQ(headers(d)["__connect.errors.connector.name"], "src");
  }
  // The source offset passed every record, dead letters included.
  ASSERT_TRUE(test::waitFor([&] {
    auto offs = store_->offsets("src");
    return !offs.empty() && json::parse(offs.begin()->second).at("position").as_int64() > 0 &&
           jsonLines(dlq).size() == 10;
  }, 30s));
  EXPECT_EQ(taskState("src"), "RUNNING");
}

TEST_F(ResilienceTest, SourceDlqReplayProducesTheFixedRecordsToTheirTopic) {
  std::string out = dir_.file("out.txt");
  config::ConfigMap src{{"connector.class", "file-source"}, {"file", poisonFile()}, {"topic", "clean"},
                        {"value.converter", "json"}, {"format", "json"},
                        {"transforms", "tag"}, {"transforms.tag.type", "InsertField$Value"},
                        {"transforms.tag.static.field", "via"}, {"transforms.tag.static.value", "src"},
                        {"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq-src"},
                        {"errors.deadletterqueue.context.headers.enable", "true"}};
  ASSERT_TRUE(herder_->create("src", src).isOk());
  // format=json: the sink writes what the topic holds, JSON or the replayed text.
  ASSERT_TRUE(herder_->create("clean", {{"connector.class", "file-sink"}, {"topics", "clean"}, {"file", out},
                                        {"format", "json"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 90; }, 60s));
  DlqReplayOptions peek;
  peek.dryRun = true;
  ASSERT_TRUE(test::waitFor([&] {
    auto p = herder_->replayDeadLetters("src", peek);
    return p && p->remaining == 10;
  }, 30s));
  // The fix: the lines are text, not JSON. The replay sends them, through the
  // new (empty) chain, to the topic the source gave them.
  src["value.converter"] = "string";
  for (const char* k : {"transforms", "transforms.tag.type", "transforms.tag.static.field", "transforms.tag.static.value"})
    src.erase(k);
  bool created = true;
  ASSERT_TRUE(herder_->put("src", src, &created).isOk());
  DlqReplayOptions some;
  some.maxRecords = 4;
  auto rep = herder_->replayDeadLetters("src", some);
  ASSERT_TRUE(rep.isOk()) << rep.status().message();
  EXPECT_EQ(rep->replayed, 4);
  EXPECT_EQ(rep->remaining, 6);
  rep = herder_->replayDeadLetters("src", {});
  ASSERT_TRUE(rep.isOk()) << rep.status().message();
  EXPECT_EQ(rep->replayed, 6);
  EXPECT_EQ(rep->succeeded, 6);
  EXPECT_EQ(rep->failed, 0);
  EXPECT_EQ(rep->remaining, 0);
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 100; }, 30s)) << test::readLines(out).size();
  std::set<std::string> lines;
  for (const auto& l : test::readLines(out)) lines.insert(l);
  EXPECT_EQ(lines.size(), 100u);
  for (int i = 9; i < 100; i += 10) EXPECT_EQ(lines.count("not json {" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(herder_->replayDeadLetters("nope", {}).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(herder_->replayDeadLetters("clean", {}).status().code(), Status::Code::kConflict);
}

TEST_F(ResilienceTest, ErrantRecordsASinkReportsGoToTheDeadLetterQueue) {
  std::string out = dir_.file("out.txt"), dlq = dir_.file("dlq.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "er"}, {"records", "100"}}).isOk());
  ASSERT_TRUE(herder_->create("picky", {{"connector.class", "test-sink"}, {"topics", "er"}, {"file", out},
                                        {"errant.every", "10"}, {"errors.tolerance", "all"},
                                        {"errors.deadletterqueue.topic.name", "dlq-er"},
                                        {"errors.deadletterqueue.context.headers.enable", "true"}}).isOk());
  ASSERT_TRUE(herder_->create("dlqread", {{"connector.class", "test-sink"}, {"topics", "dlq-er"}, {"file", dlq},
                                          {"format", "json"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 90 && jsonLines(dlq).size() >= 10; }, 60s));
  EXPECT_EQ(test::readLines(out).size(), 90u);
  for (const auto& d : jsonLines(dlq)) {
    auto h = headers(d);
    EXPECT_EQ(h["__connect.errors.stage"], "TASK_PUT");
    EXPECT_EQ(h["__connect.errors.class.name"], "test-sink");
    EXPECT_EQ((std::stoll(h["__connect.errors.offset"]) + 1) % 10, 0);
  }
  // A batch the sink asks for again after reporting errant records: the
  // retry does not send them to the dead letter queue a second time.
  std::string again = dir_.file("again.txt");
  ASSERT_TRUE(herder_->create("picky-again", {{"connector.class", "test-sink"}, {"topics", "er"}, {"file", again},
                                              {"errant.every", "10"}, {"errant.retry.once", "true"},
                                              {"errors.tolerance", "all"},
                                              {"errors.deadletterqueue.topic.name", "dlq-er-again"}}).isOk());
  // The ninety are written after the retry, so every report is in by then.
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(again).size() >= 90; }, 60s)) << test::readLines(again).size();
  EXPECT_EQ(test::readLines(again).size(), 90u);
  EXPECT_EQ(metric(R"(sluice_task_dlq_records_total{connector="picky-again",kind="sink",task="0"})"), 10)
      << "each errant record goes to the DLQ once";
  EXPECT_EQ(metric(R"(sluice_task_errors_total{connector="picky-again",kind="sink",stage="TASK_PUT",task="0"})"), 10);

  // Under errors.tolerance=none the same report fails the task, naming the record.
  ASSERT_TRUE(herder_->create("strict", {{"connector.class", "test-sink"}, {"topics", "er"}, {"file", dir_.file("s.txt")},
                                         {"errant.every", "10"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("strict") == "FAILED"; }, 60s));
  EXPECT_NE(herder_->status("strict")->tasks[0].trace.find("(er-0@9)"), std::string::npos) << herder_->status("strict")->tasks[0].trace;

  // Replays of dead letters that keep failing: they are "retrying", not
  // "remaining", so a loop that replays while anything remains ends.
  DlqReplayOptions peek;
  peek.dryRun = true;
  auto before = herder_->replayDeadLetters("picky", peek);
  ASSERT_TRUE(before.isOk()) << before.status().message();
  EXPECT_EQ(before->remaining, 10);
  EXPECT_EQ(before->retrying, 0);
  for (int round = 1; round <= 2; ++round) {
    auto rep = herder_->replayDeadLetters("picky", {});
    ASSERT_TRUE(rep.isOk()) << rep.status().message();
    EXPECT_EQ(rep->replayed, 10) << round;
    EXPECT_EQ(rep->failed, 10) << round << ": the sink still refuses them";
    EXPECT_EQ(rep->remaining, 0) << round;
    EXPECT_EQ(rep->retrying, 10) << round << ": the same ten, not ten more each round";
    auto after = herder_->replayDeadLetters("picky", peek);
    ASSERT_TRUE(after.isOk());
    EXPECT_EQ(after->remaining, 0) << round;
    EXPECT_EQ(after->retrying, 10) << round;
  }
  ASSERT_TRUE(test::waitFor([&] { return jsonLines(dlq).size() >= 30; }, 30s)) << jsonLines(dlq).size();
  int replayedTwice = 0;
  for (const auto& d : jsonLines(dlq))
    if (headers(d)["__sluice.dlq.replays"] == "2") ++replayedTwice;
  EXPECT_EQ(replayedTwice, 10) << "the header counts the replays each failed";
}

TEST_F(ResilienceTest, BreakerOpensAndClosesAndRetriesLoseNothing) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "br"}, {"records", "2000"}}).isOk());
  ASSERT_TRUE(herder_->create("flaky", {{"connector.class", "test-sink"}, {"topics", "br"}, {"file", out},
                                        {"retriable.ms", "1500"}, {"errors.breaker.failure.threshold", "3"},
                                        {"errors.breaker.open.ms", "400"}}).isOk());
  std::string breaker = R"(sluice_sink_task_breaker_state{connector="flaky",kind="sink",task="0"})";
  ASSERT_TRUE(test::waitFor([&] { return metric(breaker) == 1; }, 30s)) << "the breaker opens after 3 failed puts";
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 2000; }, 60s)) << test::readLines(out).size();
  EXPECT_EQ(metric(breaker), 0) << "closed again once a put succeeded";
  EXPECT_EQ(test::readLines(out).size(), 2000u) << "nothing lost, nothing written twice";
  EXPECT_GE(metric(R"(sluice_task_retries_total{connector="flaky",kind="sink",task="0"})"), 3);
}

TEST_F(ResilienceTest, RetriesGiveUpAfterTheRetryTimeout) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "rt"}, {"records", "50"}}).isOk());
  ASSERT_TRUE(herder_->create("down", {{"connector.class", "test-sink"}, {"topics", "rt"}, {"file", dir_.file("o.txt")},
                                       {"retriable.ms", "600000"}, {"errors.retry.timeout", "1000"},
                                       {"errors.retry.delay.max.ms", "200"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("down") == "FAILED"; }, 30s));
  EXPECT_NE(herder_->status("down")->tasks[0].trace.find("still failing after 1000 ms"), std::string::npos)
      << herder_->status("down")->tasks[0].trace;
}

TEST_F(ResilienceTest, FailedTasksRestartAutomaticallyWhenAskedTo) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "ar"}, {"records.per.second", "200"}}).isOk());
  ASSERT_TRUE(herder_->create("crashy", {{"connector.class", "test-sink"}, {"topics", "ar"}, {"file", out},
                                         {"fail.after", "50"}, {"task.restart.auto", "true"},
                                         {"task.restart.backoff.ms", "100"}}).isOk());
  // Each incarnation writes 50 records and fails; the worker keeps bringing it back.
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 150; }, 60s)) << test::readLines(out).size();
  ASSERT_TRUE(herder_->create("manual", {{"connector.class", "test-sink"}, {"topics", "ar"}, {"file", dir_.file("m.txt")},
                                         {"fail.after", "50"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("manual") == "FAILED"; }, 30s));
  // Until the monitor has brought "crashy" back once more (another 50
  // records), it has looked at "manual" too: a Connect-style task stays FAILED.
  size_t seen = test::readLines(out).size();
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= seen + 50; }, 60s));
  EXPECT_EQ(taskState("manual"), "FAILED");
}

TEST_F(ResilienceTest, RateLimitHoldsWithinFivePercent) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "rl"},
                                      {"rate.limit.records.per.second", "1000"}}).isOk());
  std::string out = R"(sluice_task_records_out_total{connector="gen",kind="source",task="0"})";
  ASSERT_TRUE(test::waitFor([&] { return metric(out) > 0; }, 30s));
  double start = metric(out);
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(10s);  // the measurement window itself, not a wait for a condition
  double n = metric(out) - start;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double rate = n / secs;
  EXPECT_NEAR(rate, 1000, 50) << n << " records in " << secs << " s";
}

}  // namespace
}  // namespace sluice::runtime
