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

Commit commitOf(const std::string& connector, std::map<std::string, std::optional<std::string>> offsets,
                std::map<std::string, std::optional<std::string>> state, bool checkpoint = true) {
  Commit c;
  c.connector = connector;
  c.task = 0;
  c.offsets = std::move(offsets);
  c.state = std::move(state);
  c.checkpoint = checkpoint;
  return c;
}

std::map<std::string, std::string> allState(RocksStore& s, const std::string& connector) {
  std::map<std::string, std::string> out;
  s.scanState(connector, "", [&](std::string_view k, std::string_view v) {
    out.emplace(k, v);
    return true;
  });
  return out;
}

TEST(RocksStoreTest, RewindRestoresOffsetsAndStateOfACheckpointTogether) {
  test::TempDir dir;
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  auto& st = **s;
  auto c1 = st.commit(commitOf("c", {{"p", R"({"seq":1})"}}, {{"k1", "a"}, {"k2", "b"}}), {});
  auto c2 = st.commit(commitOf("c", {{"p", R"({"seq":2})"}}, {{"k1", "A"}, {"k3", "c"}}), {});
  auto c3 = st.commit(commitOf("c", {{"p", R"({"seq":3})"}, {"q", R"({"seq":9})"}}, {{"k2", std::nullopt}}), {});
  ASSERT_TRUE(c1.isOk() && c2.isOk() && c3.isOk());
  EXPECT_EQ(*c1, 1u);
  EXPECT_EQ(*c3, 3u);
  auto history = st.checkpoints("c");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].id, 3u) << "newest first";
  EXPECT_EQ(history[2].stateKeys, 2u);

  ASSERT_TRUE(st.rewind("c", 1).isOk());
  EXPECT_EQ(st.getOffset("c", "p").value_or(""), R"({"seq":1})");
  EXPECT_FALSE(st.getOffset("c", "q").has_value()) << "an offset born after the checkpoint is gone";
  EXPECT_EQ(allState(st, "c"), (std::map<std::string, std::string>{{"k1", "a"}, {"k2", "b"}}));
  ASSERT_EQ(st.checkpoints("c").size(), 1u) << "newer history is dropped";

  // Ids keep growing after a rewind: an id never names two checkpoints.
  auto c4 = st.commit(commitOf("c", {{"p", R"({"seq":4})"}}, {}), {});
  ASSERT_TRUE(c4.isOk());
  EXPECT_EQ(*c4, 4u);
  EXPECT_FALSE(st.rewind("c", 2).isOk()) << "a dropped checkpoint is not a target";
  EXPECT_EQ(st.getOffset("c", "p").value_or(""), R"({"seq":4})") << "a refused rewind changes nothing";
}

TEST(RocksStoreTest, HistoryIsTrimmedByCountAndRewindStillWorksWithinIt) {
  test::TempDir dir;
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  Retention keep{3, 0};
  for (int i = 1; i <= 6; ++i)
    ASSERT_TRUE((*s)->commit(commitOf("c", {{"p", std::to_string(i)}}, {{"k", std::to_string(i)}}), keep).isOk());
  auto history = (*s)->checkpoints("c");
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history.back().id, 4u);
  ASSERT_TRUE((*s)->rewind("c", 4).isOk());
  EXPECT_EQ((*s)->getOffset("c", "p").value_or(""), "4");
  EXPECT_EQ((*s)->getState("c", "k").value_or(""), "4");
}

TEST(RocksStoreTest, CommitOutsideTheHistoryDropsItRatherThanLeaveItWrong) {
  test::TempDir dir;
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE((*s)->commit(commitOf("c", {{"p", "1"}}, {}), {}).isOk());
  ASSERT_TRUE((*s)->commit(commitOf("c", {{"p", "2"}}, {}, false), {}).isOk());
  EXPECT_TRUE((*s)->checkpoints("c").empty());
  EXPECT_EQ((*s)->getOffset("c", "p").value_or(""), "2");
}

TEST(RocksStoreTest, StateIsScopedByConnectorAndScannedInOrder) {
  test::TempDir dir;
  auto s = RocksStore::open(dir.path());
  ASSERT_TRUE(s.isOk());
  ASSERT_TRUE((*s)->commit(commitOf("a", {}, {{"x/2", "2"}, {"x/1", "1"}, {"y", "3"}}, false), {}).isOk());
  ASSERT_TRUE((*s)->commit(commitOf("ab", {}, {{"x/0", "0"}}, false), {}).isOk());
  std::vector<std::string> keys;
  (*s)->scanState("a", "x/", [&](std::string_view k, std::string_view) {
    keys.emplace_back(k);
    return true;
  });
  EXPECT_EQ(keys, (std::vector<std::string>{"x/1", "x/2"}));
}

TEST(RocksStoreTest, RefusesADirectoryThatHoldsFilesButNoStore) {
  test::TempDir dir;
  test::writeFile(dir.file("state/000123.sst"), "not a store");
  auto s = RocksStore::open(dir.file("state"));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.status().message().find(dir.file("state")), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("refusing to start afresh"), std::string::npos) << s.status().message();
}

TEST(RocksStoreTest, CorruptedStoreGivesAnErrorNamingThePath) {
  test::TempDir dir;
  {
    auto s = RocksStore::open(dir.file("state"));
    ASSERT_TRUE(s.isOk());
    ASSERT_TRUE((*s)->putOffsets("c", {{"p", "1"}}).isOk());
  }
  // CURRENT names the MANIFEST; point it at garbage.
  test::writeFile(dir.file("state/CURRENT"), "MANIFEST-999999\n");
  auto s = RocksStore::open(dir.file("state"));
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.status().message().find(dir.file("state")), std::string::npos) << s.status().message();
}

TEST(RocksStoreTest, SavepointRestoresIntoAnEmptyStateDirOnly) {
  test::TempDir dir;
  {
    auto s = RocksStore::open(dir.file("state"));
    ASSERT_TRUE(s.isOk());
    ASSERT_TRUE((*s)->commit(commitOf("c", {{"p", "7"}}, {{"k", "v"}}), {}).isOk());
    ASSERT_TRUE((*s)->savepoint(dir.file("sp/one")).isOk());
    EXPECT_FALSE((*s)->savepoint(dir.file("sp/one")).isOk()) << "an existing savepoint is never overwritten";
    ASSERT_TRUE((*s)->commit(commitOf("c", {{"p", "8"}}, {}), {}).isOk());
  }
  EXPECT_FALSE(RocksStore::restoreSavepoint(dir.file("sp/one"), dir.file("state")).isOk())
      << "a state.dir with data is never overwritten";
  EXPECT_FALSE(RocksStore::restoreSavepoint(dir.file("nothing"), dir.file("fresh")).isOk());
  ASSERT_TRUE(RocksStore::restoreSavepoint(dir.file("sp/one"), dir.file("fresh")).isOk());
  auto s = RocksStore::open(dir.file("fresh"));
  ASSERT_TRUE(s.isOk()) << s.status().message();
  EXPECT_EQ((*s)->getOffset("c", "p").value_or(""), "7");
  EXPECT_EQ((*s)->getState("c", "k").value_or(""), "v");
  EXPECT_EQ((*s)->checkpoints("c").size(), 1u);
}

}  // namespace
}  // namespace sluice::state
