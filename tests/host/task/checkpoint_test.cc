// Checkpoints, operator state and replay on an in-process worker (embedded
// Kafka): state and offsets are committed together, come back together, and
// a replay to a checkpoint reproduces what was produced after it.
#include <boost/json.hpp>

#include <map>

#include "tests/support/worker_fixture.h"

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

class CheckpointTest : public test::WorkerFixture {
 protected:
  // seq -> the whole output line, for lines holding a seq.
  static std::vector<std::pair<int64_t, std::string>> lines(const std::string& path) {
    std::vector<std::pair<int64_t, std::string>> out;
    for (const auto& line : test::readLines(path)) {
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      if (!ec && v.is_object() && v.as_object().contains("seq")) out.emplace_back(v.at("seq").as_int64(), line);
    }
    return out;
  }
  // The kafka_offset of partition 0 in a checkpoint's offsets.
  static int64_t sinkOffset(const state::CheckpointInfo& ck) {
    auto v = json::parse(ck.offsetsJson);
    for (const auto& e : v.as_array()) return e.at("offset").at("kafka_offset").as_int64();
    return -1;
  }
};

TEST_F(CheckpointTest, SinkStateAndOffsetsAreCheckpointedTogetherAndReplayReproducesTheOutput) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "cp"}, {"records", "600"},
                                      {"records.per.second", "100"}, {"keys", "3"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "cp"}, {"file", out},
                                       {"checkpoint.interval.ms", "100"},
                                       {"transforms", "count"}, {"transforms.count.type", "test-counter"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 600; }, 60s)) << lines(out).size();
  auto first = lines(out);
  ASSERT_EQ(first.size(), 600u);
  // Wait for the checkpoint that covers everything.
  ASSERT_TRUE(test::waitFor([&] {
    auto h = herder_->checkpoints("sink");
    return h && !h->empty() && sinkOffset(h->front()) == 600;
  }, 30s));
  // Counts per key add up: the state saw every record once.
  std::map<std::string, int64_t> maxN;
  for (const auto& [seq, line] : first) {
    auto v = json::parse(line);
    auto& m = maxN[std::string(v.at("key").as_string())];
    m = std::max(m, v.at("n").as_int64());
  }
  int64_t total = 0;
  for (const auto& [k, n] : maxN) total += n;
  EXPECT_EQ(total, 600);

  // Pick a checkpoint from the middle of the run.
  auto history = herder_->checkpoints("sink");
  ASSERT_TRUE(history.isOk());
  ASSERT_GE(history->size(), 3u) << "a 6 s run with a 100 ms interval makes several checkpoints";
  const state::CheckpointInfo* mid = nullptr;
  for (const auto& ck : *history)
    if (sinkOffset(ck) > 0 && sinkOffset(ck) < 600) mid = &ck;
  ASSERT_NE(mid, nullptr);
  int64_t from = sinkOffset(*mid);
  uint64_t id = mid->id;

  Herder::ReplayTarget target;
  target.checkpoint = id;
  auto r = herder_->replay("sink", target);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->state, "restored");
  ASSERT_EQ(r->offsets.size(), 1u);
  EXPECT_EQ(json::parse(r->offsets[0].offset).at("kafka_offset").as_int64(), from);

  size_t expected = 600 + static_cast<size_t>(600 - from);
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= expected; }, 60s)) << lines(out).size() << " of " << expected;
  auto all = lines(out);
  ASSERT_EQ(all.size(), expected);
  // Record for record: the replayed lines equal the first run's lines from
  // the checkpoint on, counts included (the state was rewound with them).
  for (size_t i = 0; i < static_cast<size_t>(600 - from); ++i)
    EXPECT_EQ(all[600 + i].second, first[static_cast<size_t>(from) + i].second) << "replayed line " << i;
  EXPECT_EQ(taskState("sink"), "RUNNING");
}

TEST_F(CheckpointTest, BadReplayTargetsAreRefusedAndChangeNothing) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "bad"}, {"records", "50"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return store_->getOffset("gen", R"({"task":0})").value_or("") == R"({"seq":49})"; }, 30s));
  Herder::ReplayTarget none;
  EXPECT_EQ(herder_->replay("gen", none).status().code(), Status::Code::kInvalid);
  Herder::ReplayTarget unknown;
  unknown.checkpoint = 999999;
  auto r = herder_->replay("gen", unknown);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalid);
  EXPECT_NE(r.status().message().find("no checkpoint 999999"), std::string::npos) << r.status().message();
  Herder::ReplayTarget early;
  early.timestampMs = 1;
  EXPECT_EQ(herder_->replay("gen", early).status().code(), Status::Code::kInvalid);
  Herder::ReplayTarget badOffsets;
  badOffsets.offsets = std::vector<Herder::OffsetEntry>{{"[1]", "{}"}};
  EXPECT_EQ(herder_->replay("gen", badOffsets).status().code(), Status::Code::kInvalid);
  EXPECT_EQ(herder_->replay("nope", unknown).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->getOffset("gen", R"({"task":0})").value_or(""), R"({"seq":49})");
  EXPECT_EQ(taskState("gen"), "RUNNING");
  // A sink to a time on the embedded cluster, which cannot look offsets up
  // by time (it used to answer "the end" and re-deliver nothing).
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "bad"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 50; }, 60s));
  Herder::ReplayTarget sinkTime;
  sinkTime.timestampMs = 1;
  auto timed = herder_->replay("sink", sinkTime);
  EXPECT_EQ(timed.status().code(), Status::Code::kInvalid);
  EXPECT_NE(timed.status().message().find("needs a real Kafka cluster"), std::string::npos) << timed.status().message();
  EXPECT_EQ(taskState("sink"), "RUNNING");
}

TEST_F(CheckpointTest, SourceReplayToExplicitOffsetsReDeliversFromThere) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "rx"}, {"records", "100"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "rx"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 100; }, 60s));
  Herder::ReplayTarget t;
  t.offsets = std::vector<Herder::OffsetEntry>{{R"({"task":0})", R"({"seq":89})"}};
  auto r = herder_->replay("gen", t);
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->state, "cleared");
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 110; }, 60s)) << lines(out).size();
  auto all = lines(out);
  EXPECT_EQ(all.size(), 110u);
  for (size_t i = 100; i < all.size(); ++i) EXPECT_EQ(all[i].first, static_cast<int64_t>(i - 10));
}

TEST_F(CheckpointTest, OffsetsCanBeAlteredAndResetOnlyWhenStopped) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "alt"}, {"records", "20"}}).isOk());
  std::vector<Herder::OffsetEntry> set{{R"({"task":0})", R"({"seq":5})"}};
  auto running = herder_->alterOffsets("gen", set);
  EXPECT_EQ(running.code(), Status::Code::kInvalid);
  EXPECT_NE(running.message().find("STOPPED"), std::string::npos);
  ASSERT_TRUE(herder_->stopConnector("gen").isOk());
  ASSERT_TRUE(herder_->alterOffsets("gen", set).isOk());
  EXPECT_EQ(store_->getOffset("gen", R"({"task":0})").value_or(""), R"({"seq":5})");
  ASSERT_TRUE(herder_->resetOffsets("gen").isOk());
  EXPECT_TRUE(store_->offsets("gen").empty());
  auto offs = herder_->offsets("gen");
  ASSERT_TRUE(offs.isOk());
  EXPECT_TRUE(offs->empty());
}

TEST_F(CheckpointTest, SinkOffsetsAlteredWhileStoppedAreWhereItResumes) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "sk"}, {"records", "50"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "sk"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 50; }, 60s));
  ASSERT_TRUE(herder_->stopConnector("sink").isOk());
  std::vector<Herder::OffsetEntry> bad{{R"({"kafka_topic":"sk"})", R"({"kafka_offset":1})"}};
  EXPECT_EQ(herder_->alterOffsets("sink", bad).code(), Status::Code::kInvalid);
  // As Connect: a topic or partition that does not exist is refused.
  std::vector<Herder::OffsetEntry> noTopic{{R"({"kafka_topic":"no-such-topic","kafka_partition":0})", R"({"kafka_offset":1})"}};
  Status s = herder_->alterOffsets("sink", noTopic);
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_NE(s.message().find("no-such-topic-0 does not exist (no such topic)"), std::string::npos) << s.message();
  std::vector<Herder::OffsetEntry> noPartition{{R"({"kafka_topic":"sk","kafka_partition":7})", R"({"kafka_offset":1})"}};
  s = herder_->alterOffsets("sink", noPartition);
  EXPECT_NE(s.message().find("sk-7 does not exist (the topic has 1 partition(s))"), std::string::npos) << s.message();
  std::vector<Herder::OffsetEntry> set{{R"({"kafka_topic":"sk","kafka_partition":0})", R"({"kafka_offset":40})"}};
  ASSERT_TRUE(herder_->alterOffsets("sink", set).isOk());
  auto offs = herder_->offsets("sink");
  ASSERT_TRUE(offs.isOk());
  ASSERT_EQ(offs->size(), 1u);
  EXPECT_EQ((*offs)[0].offset, R"({"kafka_offset":40})");
  ASSERT_TRUE(herder_->resume("sink").isOk());
  ASSERT_TRUE(test::waitFor([&] { return lines(out).size() >= 60; }, 60s)) << lines(out).size();
  auto all = lines(out);
  EXPECT_EQ(all.size(), 60u);
  EXPECT_EQ(all[50].first, 40);
}

TEST_F(CheckpointTest, TransformsCanEmitNewRecords) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "em"}, {"records", "30"}, {"keys", "2"},
                                      {"transforms", "count"}, {"transforms.count.type", "test-counter"},
                                      {"transforms.count.emit.topic", "em-counts"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "em-counts"}, {"file", out}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return test::readLines(out).size() >= 30; }, 60s)) << test::readLines(out).size();
  std::map<std::string, int64_t> maxN;
  for (const auto& line : test::readLines(out)) {
    auto v = json::parse(line);
    auto& m = maxN[std::string(v.at("key").as_string())];
    m = std::max(m, v.at("n").as_int64());
  }
  EXPECT_EQ(maxN.size(), 2u);
  int64_t total = 0;
  for (const auto& [k, n] : maxN) total += n;
  EXPECT_EQ(total, 30);
}

TEST_F(CheckpointTest, SavepointCapturesTheWholeStore) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "sp"}, {"records", "10"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return store_->getOffset("gen", R"({"task":0})").value_or("") == R"({"seq":9})"; }, 30s));
  auto sp = herder_->savepoint();
  ASSERT_TRUE(sp.isOk()) << sp.status().message();
  EXPECT_EQ(sp->id.rfind("sp-", 0), 0u);
  auto copy = state::RocksStore::open(sp->path);
  ASSERT_TRUE(copy.isOk()) << copy.status().message();
  EXPECT_EQ((*copy)->getOffset("gen", R"({"task":0})").value_or(""), R"({"seq":9})");
  EXPECT_EQ((*copy)->connectors().size(), 1u);
}

}  // namespace
}  // namespace sluice::runtime
