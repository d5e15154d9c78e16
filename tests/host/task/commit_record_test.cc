// on_commit_record (ABI 1.2, Kafka Connect's SourceTask.commitRecord) on an
// in-process worker (embedded Kafka): every record a source emits is
// committed back to it exactly once, with where Kafka put it; records a
// transform drops are committed without a topic; a failing hook fails the task.
#include <map>
#include <set>
#include <sstream>

#include "tests/support/worker_fixture.h"

namespace sluice::runtime {
namespace {
using namespace std::chrono_literals;

struct Commit {
  std::string topic;
  int partition;
  int64_t offset;
};

std::multimap<int64_t, Commit> commits(const std::string& path) {
  std::multimap<int64_t, Commit> out;
  for (const auto& line : test::readLines(path)) {
    std::istringstream in(line);
    int64_t seq;
    Commit c;
    if (in >> seq >> c.topic >> c.partition >> c.offset) out.emplace(seq, c);
  }
  return out;
}

class CommitRecordTest : public test::WorkerFixture {};

TEST_F(CommitRecordTest, EveryEmittedRecordIsCommittedOnceWithItsKafkaPosition) {
  const int64_t n = 500;
  std::string file = dir_.file("commits.txt");
  ASSERT_TRUE(herder_->create("acks", {{"connector.class", "test-ack-source"}, {"topic", "acked"},
                                       {"records", std::to_string(n)}, {"tombstone.every", "10"}, {"file", file},
                                       {"transforms", "drop"}, {"transforms.drop.type", "Filter"},
                                       {"transforms.drop.predicate", "tomb"}, {"predicates", "tomb"},
                                       {"predicates.tomb.type", "RecordIsTombstone"}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return commits(file).size() >= static_cast<size_t>(n); }, 30s))
      << commits(file).size() << " of " << n << " committed; task " << taskState("acks");
  herder_->shutdown();
  auto c = commits(file);
  ASSERT_EQ(c.size(), static_cast<size_t>(n)) << "each record exactly once";
  std::set<int64_t> kafkaOffsets;
  for (int64_t seq = 0; seq < n; ++seq) {
    ASSERT_EQ(c.count(seq), 1u) << seq;
    const Commit& x = c.find(seq)->second;
    if (seq % 10 == 0) {
      EXPECT_EQ(x.topic, "-") << "dropped by the Filter: never written";
      EXPECT_EQ(x.partition, -1);
      EXPECT_EQ(x.offset, -1);
    } else {
      EXPECT_EQ(x.topic, "acked");
      EXPECT_EQ(x.partition, 0);
      EXPECT_GE(x.offset, 0);
      kafkaOffsets.insert(x.offset);
    }
  }
  EXPECT_EQ(kafkaOffsets.size(), static_cast<size_t>(n - n / 10)) << "every written record has its own offset";
  EXPECT_EQ(*kafkaOffsets.rbegin(), n - n / 10 - 1);
}

TEST_F(CommitRecordTest, AFailingCommitRecordFailsTheTask) {
  std::string file = dir_.file("commits.txt");
  ASSERT_TRUE(herder_->create("acks", {{"connector.class", "test-ack-source"}, {"topic", "acked-fail"},
                                       {"records", "100"}, {"fail.at", "7"}, {"file", file}}).isOk());
  ASSERT_TRUE(test::waitFor([&] { return taskState("acks") == "FAILED"; }, 30s)) << taskState("acks");
  auto s = herder_->status("acks");
  ASSERT_TRUE(s.isOk());
  EXPECT_NE(s->tasks[0].trace.find("commitRecord refused seq 7"), std::string::npos) << s->tasks[0].trace;
  EXPECT_EQ(commits(file).count(7), 0u);
}

}  // namespace
}  // namespace sluice::runtime
