// datagen through a real worker: per-task sequences, keys and rate limit.
#include <boost/json.hpp>

#include <map>

#include "tests/support/worker_fixture.h"

namespace sluice::test {
namespace {
using namespace std::chrono_literals;
namespace json = boost::json;

class DatagenTest : public WorkerFixture {};

TEST_F(DatagenTest, EachTaskCountsItsOwnSequenceWithCyclingKeys) {
  std::string out = dir_.file("out.txt");
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "g"}, {"tasks.max", "2"},
                                      {"records", "50"}, {"keys", "3"}, {"payload.bytes", "4"}}).isOk());
  ASSERT_TRUE(herder_->create("sink", {{"connector.class", "file-sink"}, {"topics", "g"}, {"file", out}}).isOk());
  ASSERT_TRUE(waitFor([&] { return readLines(out).size() >= 100; }, 60s)) << readLines(out).size();
  std::map<int64_t, int> seen;
  for (const auto& line : readLines(out)) {
    auto v = json::parse(line).as_object();
    int64_t seq = v.at("seq").as_int64();
    ++seen[seq];
    EXPECT_EQ(v.at("key").as_string(), "key-" + std::to_string(seq % 3));
    EXPECT_EQ(v.at("payload").as_string(), "xxxx");
    EXPECT_GT(v.at("ts").as_int64(), 1700000000000);
  }
  ASSERT_EQ(seen.size(), 50u);
  for (const auto& [seq, n] : seen) EXPECT_EQ(n, 2) << "seq " << seq << " must come once from each task";
}

TEST_F(DatagenTest, RateLimitBoundsThroughput) {
  ASSERT_TRUE(herder_->create("gen", {{"connector.class", "datagen"}, {"topic", "r"}, {"records.per.second", "50"}}).isOk());
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor([&] { return store_->getOffset("gen", R"({"task":0})").has_value(); }, 10s));
  // After ~1 s at 50/s the committed seq cannot be far past 50.
  ASSERT_TRUE(waitFor([&] { return std::chrono::steady_clock::now() - started > 1s; }, 5s));
  auto off = json::parse(store_->getOffset("gen", R"({"task":0})").value());
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(off.at("seq").as_int64(), static_cast<int64_t>(50 * elapsed) + 5);
}

}  // namespace
}  // namespace sluice::test
