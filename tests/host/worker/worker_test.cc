#include "host/worker/standalone_herder.h"

#include <boost/json.hpp>

#include <filesystem>
#include <set>

#include "tests/support/worker_fixture.h"

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;

std::set<int64_t> seqsIn(const std::string& path) {
  std::set<int64_t> out;
  for (const auto& line : test::readLines(path)) {
    boost::system::error_code ec;
    auto v = boost::json::parse(line, ec);
    if (!ec && v.is_object() && v.as_object().contains("seq")) out.insert(v.at("seq").as_int64());
  }
  return out;
}

std::set<int64_t> range(int64_t n) {
  std::set<int64_t> s;
  for (int64_t i = 0; i < n; ++i) s.insert(i);
  return s;
}

class WorkerTest : public test::WorkerFixture {};

TEST_F(WorkerTest, DeliversEveryRecordFromDatagenToFileSink) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t1"}, {"records", "5000"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "t1"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return seqsIn(out).size() >= 5000; }, 60s)) << seqsIn(out).size();
  EXPECT_EQ(seqsIn(out), range(5000));
  EXPECT_EQ(taskState("gen"), "RUNNING");
  EXPECT_EQ(taskState("sink"), "RUNNING");
}

TEST_F(WorkerTest, SourceOffsetsCommitOnlyWhatKafkaAcknowledged) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t2"}, {"records", "1000"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return store_->getOffset("gen", R"({"task":0})").value_or("") == R"({"seq":999})"; }, 30s))
      << store_->getOffset("gen", R"({"task":0})").value_or("(none)");
  ASSERT_TRUE(herder_->remove("gen").isOk());
  EXPECT_FALSE(herder_->status("gen").isOk());
}

TEST_F(WorkerTest, OffsetsOfRecordsASourceTransformDropsAreStillCommitted) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t2b"}, {"records", "500"},
                                      {"transforms", "odd,none"},
                                      {"transforms.odd.type", "Filter"}, {"transforms.odd.predicate", "k"},
                                      {"predicates", "k"},
                                      {"predicates.k.type", "TopicNameMatches"}, {"predicates.k.pattern", "t2b"},
                                      {"transforms.none.type", "InsertField$Value"}, {"transforms.none.static.field", "f"},
                                      {"transforms.none.static.value", "v"}}).isOk());
  // Every record is filtered out, yet the source offset must reach the last one.
  ASSERT_TRUE(test::waitFor([&] { return store_->getOffset("gen", R"({"task":0})").value_or("") == R"({"seq":499})"; }, 30s))
      << store_->getOffset("gen", R"({"task":0})").value_or("(none)");
}

TEST_F(WorkerTest, SourceResumesSequenceFromCommittedOffset) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(store_->putOffsets("gen", {{R"({"task":0})", R"({"seq":499})"}}).isOk());
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t3"}, {"records", "600"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "t3"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return seqsIn(out).size() >= 100; }, 60s));
  auto seqs = seqsIn(out);
  EXPECT_EQ(*seqs.begin(), 500);
  EXPECT_EQ(*seqs.rbegin(), 599);
  EXPECT_EQ(seqs.size(), 100u);
}

TEST_F(WorkerTest, TransformChainReshapesRecordsOnTheWay) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t4"}, {"records", "100"}, {"keys", "2"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "t4"}, {"file", out},
                                       {"transforms", "drop,tag"},
                                       {"transforms.drop.type", "Filter"},
                                       {"transforms.drop.predicate", "odd"},
                                       {"predicates", "odd"},
                                       {"predicates.odd.type", "HasHeaderKey"},
                                       {"predicates.odd.name", "never-present"},
                                       {"transforms.tag.type", "InsertField$Value"},
                                       {"transforms.tag.static.field", "via"},
                                       {"transforms.tag.static.value", "sluice"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 100; }, 60s));
  for (const auto& line : test::readLines(out)) {
    auto v = boost::json::parse(line);
    EXPECT_EQ(v.at("via").as_string(), "sluice") << line;
  }
}

TEST_F(WorkerTest, FailingPluginFailsItsTaskOnlyWithTrace) {
  std::string good = dir_.file("good.txt"), bad = dir_.file("bad.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t5"}, {"records.per.second", "500"}}).isOk());
  ASSERT_TRUE(herder_->create("bad", {{"connector.class", "test-sink"}, {"topics", "t5"}, {"file", bad}, {"fail.after", "10"}}).isOk());
  ASSERT_TRUE(herder_->create("good", {{"connector.class", "file-sink"}, {"topics", "t5"}, {"file", good}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("bad") == "FAILED"; }, 60s)) << taskState("bad");
  auto st = herder_->status("bad");
  EXPECT_NE(st->tasks[0].trace.find("test-sink failed on purpose after 10 records"), std::string::npos) << st->tasks[0].trace;
  // The host and the other connectors keep going.
  size_t before = test::readLines(good).size();
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(good).size() > before + 50; }, 30s));
  EXPECT_EQ(taskState("good"), "RUNNING");
  // Restarting the failed task brings it back (it fails again after 10 more).
  ASSERT_TRUE(herder_->restart("bad", true, true).isOk());
  EXPECT_TRUE(test::waitFor([&] { return test::readLines(bad).size() >= 20; }, 60s));
}

TEST_F(WorkerTest, ASinkReportingARecordPointerKeptAcrossCallsFailsItsTaskAndCommitsNothing) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "kept"}, {"records", "50"}}).isOk());
  ASSERT_TRUE(herder_->create("kept", {{"connector.class", "test-sink"}, {"topics", "kept"}, {"file", out},
                                       {"errant.kept", "true"}, {"errors.tolerance", "all"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("kept") == "FAILED"; }, 60s)) << taskState("kept");
  std::string trace = herder_->status("kept")->tasks[0].trace;
  EXPECT_NE(trace.find("plugin test-sink"), std::string::npos) << trace;
  EXPECT_NE(trace.find("in on_put"), std::string::npos) << trace;
  EXPECT_NE(trace.find("host_report_errant got a pointer that is not one of this call's records"), std::string::npos) << trace;
  // The record the plugin meant is unknown: nothing of the batch is committed.
  EXPECT_FALSE(store_->getOffset("kept", R"({"kafka_partition":0,"kafka_topic":"kept"})").has_value());
}

TEST_F(WorkerTest, APluginThatIgnoresTheHostsFatalAnswerFailsAllTheSame) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "ignores"}, {"records", "20"}}).isOk());
  ASSERT_TRUE(herder_->create("ignores", {{"connector.class", "test-sink"}, {"topics", "ignores"}, {"file", out},
                                          {"errant.in.flush", "true"}, {"offset.flush.interval.ms", "100"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("ignores") == "FAILED"; }, 60s)) << taskState("ignores");
  std::string trace = herder_->status("ignores")->tasks[0].trace;
  EXPECT_NE(trace.find("plugin test-sink"), std::string::npos) << trace;
  EXPECT_NE(trace.find("in on_flush: host_report_errant was called outside on_put"), std::string::npos) << trace;
  EXPECT_FALSE(store_->getOffset("ignores", R"({"kafka_partition":0,"kafka_topic":"ignores"})").has_value());
}

TEST_F(WorkerTest, ASourceFailingUnderToleranceNoneNamesTheInputPositionThatFailed) {
  std::string in = dir_.file("in.txt");
  test::writeFile(in, "{\"a\":1}\nnot json\n{\"a\":2}\n");
  ASSERT_TRUE(herder_->create("fs", {{"connector.class", "file-source"}, {"file", in}, {"topic", "pos"}, {"format", "json"},
                                     {"transforms", "i"}, {"transforms.i.type", "InsertField$Value"},
                                     {"transforms.i.static.field", "x"}, {"transforms.i.static.value", "y"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("fs") == "FAILED"; }, 30s)) << taskState("fs");
  std::string trace = herder_->status("fs")->tasks[0].trace;
  // The bad line ends at byte 17: the offset after it is what a restart resumes from.
  EXPECT_NE(trace.find("from source partition {\"filename\":"), std::string::npos) << trace;
  EXPECT_NE(trace.find("at source offset {\"position\":17}"), std::string::npos) << trace;
}

TEST_F(WorkerTest, RetriableSinkGetsBackpressureNotDataLoss) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t6"}, {"records", "3000"}}).isOk());
  ASSERT_TRUE(herder_->create("slow", {{"connector.class", "test-sink"}, {"topics", "t6"}, {"file", out}, {"retriable.puts", "8"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return seqsIn(out).size() >= 3000; }, 90s)) << seqsIn(out).size();
  EXPECT_EQ(seqsIn(out), range(3000));
  EXPECT_EQ(test::readLines(out).size(), 3000u) << "a retried batch must not be written twice";
  EXPECT_EQ(taskState("slow"), "RUNNING");
  std::string metrics = metrics_.serialize();
  EXPECT_NE(metrics.find("sluice_task_backpressure_seconds_total{connector=\"slow\""), std::string::npos);
}

TEST_F(WorkerTest, APluginStuckPastTheShutdownTimeoutDoesNotTakeTheHostDown) {
  wc_.taskShutdownTimeoutMs = 100;  // stop() gives up after this plus 5 s
  std::string out = dir_.file("out.txt"), good = dir_.file("good.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "stuck"}, {"records.per.second", "200"}}).isOk());
  ASSERT_TRUE(herder_->create("stuck", {{"connector.class", "test-sink"}, {"topics", "stuck"}, {"file", out}, {"block.ms", "9000"}}).isOk());
  ASSERT_TRUE(herder_->create("good", {{"connector.class", "file-sink"}, {"topics", "stuck"}, {"file", good}}).isOk());
  // The stuck sink's put has begun (its partition may be assigned after the
  // other sink already wrote output: wait for the put itself).
  ASSERT_TRUE(test::waitFor([&] { return std::filesystem::exists(out + ".blocking"); }, 30s));
  ASSERT_TRUE(herder_->remove("stuck").isOk());  // abandons the stuck thread after the timeout
  EXPECT_FALSE(herder_->status("stuck").isOk());
  size_t before = test::readLines(good).size();
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(good).size() > before + 20; }, 30s)) << "the rest keeps running";
  // The abandoned put finally returns into its (kept alive) task, which then stops.
  ASSERT_TRUE(test::waitFor([&] { return !test::readLines(out).empty(); }, 30s));
}

TEST_F(WorkerTest, PauseResumeAndStopChangeTaskStates) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t7"}, {"records.per.second", "100"}}, "PAUSED").isOk());
  EXPECT_EQ(herder_->status("gen")->state, "PAUSED");
  ASSERT_TRUE(test::waitFor([&] { return taskState("gen") == "PAUSED"; }, 10s));
  ASSERT_TRUE(herder_->resume("gen").isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("gen") == "RUNNING"; }, 10s));
  ASSERT_TRUE(herder_->stopConnector("gen").isOk());
  EXPECT_EQ(herder_->status("gen")->state, "STOPPED");
  EXPECT_TRUE(herder_->status("gen")->tasks.empty());
  EXPECT_EQ(herder_->info("gen")->taskCount, 0);
  ASSERT_TRUE(herder_->resume("gen").isOk());
  EXPECT_EQ(herder_->status("gen")->tasks.size(), 1u);
}

TEST_F(WorkerTest, RejectsDuplicateAndInvalidWithoutChangingAnything) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t8"}}).isOk());
  auto dup = herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "other"}});
  ASSERT_FALSE(dup.isOk());
  EXPECT_EQ(dup.status().code(), Status::Code::kConflict);
  EXPECT_EQ(herder_->configOf("gen")->at("topic"), "t8");
  auto bad = herder_->create("bad", {{"connector.class", "datagen"}});
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalid);
  EXPECT_EQ(herder_->names(), std::vector<std::string>{"gen"});
  EXPECT_EQ(store_->connectors().size(), 1u);
  bool created = true;
  auto upd = herder_->put("gen", {{"connector.class", "datagen"}}, &created);
  EXPECT_FALSE(upd.isOk());
  EXPECT_EQ(herder_->configOf("gen")->at("topic"), "t8") << "a bad update changes nothing";
}

TEST_F(WorkerTest, StoredConnectorsComeBackAfterRestart) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "t9"}}, "PAUSED").isOk());
  herder_->shutdown();
  herder_ = std::make_unique<StandaloneHerder>(wc_, registry_, *store_, *store_, *kafka_, metrics_);
  herder_->startStored();
  ASSERT_EQ(herder_->names(), std::vector<std::string>{"gen"});
  EXPECT_EQ(herder_->status("gen")->state, "PAUSED");
}

}  // namespace
}  // namespace sluice::runtime
