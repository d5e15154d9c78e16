#include "host/pipeline/offset_tracker.h"

#include <gtest/gtest.h>

namespace sluice::runtime {
namespace {

TEST(OffsetTrackerTest, CommitsOnlyUpToTheFirstUnacknowledgedRecord) {
  OffsetTracker t;
  auto* a = t.add("p", "1");
  auto* b = t.add("p", "2");
  auto* c = t.add("p", "3");
  EXPECT_EQ(t.pending(), 3u);
  t.ack(c);  // out of order: nothing committable yet
  EXPECT_TRUE(t.takeCommittable().empty());
  t.ack(a);
  EXPECT_EQ(t.takeCommittable(), (std::map<std::string, std::string>{{"p", "1"}}));
  t.ack(b);  // releases b and the already-acked c
  EXPECT_EQ(t.takeCommittable(), (std::map<std::string, std::string>{{"p", "3"}}));
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_TRUE(t.takeCommittable().empty()) << "nothing new since the last take";
}

TEST(OffsetTrackerTest, PartitionsAreIndependent) {
  OffsetTracker t;
  auto* a1 = t.add("a", "1");
  auto* b1 = t.add("b", "10");
  auto* a2 = t.add("a", "2");
  t.ack(b1);
  t.ack(a2);
  EXPECT_EQ(t.takeCommittable(), (std::map<std::string, std::string>{{"b", "10"}}));
  t.ack(a1);
  EXPECT_EQ(t.takeCommittable(), (std::map<std::string, std::string>{{"a", "2"}}));
}

TEST(OffsetTrackerTest, EntriesStayValidAcrossManyRecords) {
  OffsetTracker t;
  std::vector<OffsetTracker::Entry*> entries;
  for (int i = 0; i < 100000; ++i) entries.push_back(t.add("p", std::to_string(i)));
  for (int i = 99999; i >= 1; --i) t.ack(entries[i]);
  EXPECT_TRUE(t.takeCommittable().empty());
  t.ack(entries[0]);
  EXPECT_EQ(t.takeCommittable().at("p"), "99999");
}

}  // namespace
}  // namespace sluice::runtime
