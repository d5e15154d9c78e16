#include "host/state/rocks_store.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace sluice::state {
namespace {

TEST(RocksStoreTest, OffsetsSurviveReopenAndAreScopedByConnector) {
  test::TempDir dir;
  {
    auto s = RocksStore::open(dir.path());
    ASSERT_TRUE(s.isOk()) << s.status().message();
    ASSERT_TRUE((*s)->putOffsets("a", {{R"({"task":0})", R"({"seq":5})"}, {R"({"task":1})", R"({"seq":7})"}}).isOk());
    ASSERT_TRUE((*s)->putOffsets("ab", {{R"({"task":0})", R"({"seq":99})"}}).isOk());
  }
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ((*s)->getOffset("a", R"({"task":0})").value_or(""), R"({"seq":5})");
  EXPECT_EQ((*s)->offsets("a").size(), 2u) << "prefix scan must not include connector 'ab'";
  ASSERT_TRUE((*s)->clearOffsets("a").isOk());
  EXPECT_TRUE((*s)->offsets("a").empty());
  EXPECT_EQ((*s)->offsets("ab").size(), 1u);
}

TEST(RocksStoreTest, ConnectorConfigsRoundTrip) {
  test::TempDir dir;
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE((*s)->putConnector({"c1", {{"connector.class", "datagen"}, {"topic", "${env:X}"}}, "PAUSED"}).isOk());
  auto all = (*s)->connectors();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].config.at("topic"), "${env:X}") << "placeholders are stored unresolved";
  EXPECT_EQ(all[0].targetState, "PAUSED");
  ASSERT_TRUE((*s)->removeConnector("c1").isOk());
  EXPECT_TRUE((*s)->connectors().empty());
}

TEST(RocksStoreTest, OpenFailsWithClearErrorOnBadDirectory) {
  test::TempDir dir;
  test::writeFile(dir.file("file"), "x");
  auto s = RocksStore::open(dir.file("file") + "/sub");
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.status().message().find("state.dir"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace sluice::state
