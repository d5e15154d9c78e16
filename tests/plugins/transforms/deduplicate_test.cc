#include <gtest/gtest.h>

#include "tests/plugins/transforms/stateful_fixture.h"

namespace sluice::runtime {
namespace {

constexpr int64_t T0 = 1'700'000'000'000;

class DeduplicateTest : public StatefulChainTest {
 protected:
  static config::ConfigMap dedup(config::ConfigMap extra = {}) {
    config::ConfigMap m{{"transforms", "dedup"}, {"transforms.dedup.type", "Deduplicate"},
                        {"transforms.dedup.window.ms", "1000"}};
    for (const auto& [k, v] : extra) m["transforms.dedup." + k] = v;
    return m;
  }
  Out out(const std::string& key, const std::string& value, int64_t ts) { return {"in", key, value, ts}; }

  /// Keys the transform currently remembers ("k/<id>").
  static std::vector<std::string> remembered(StateBuffer& state) {
    std::vector<std::string> keys;
    for (const auto& [k, v] : stateOf(state, "dedup"))
      if (k.starts_with("k/")) keys.push_back(k.substr(2));
    return keys;
  }

  /// A stream with duplicates, out-of-order records and null keys, spread
  /// over several windows (window.ms = 1000).
  std::vector<Record> stream() {
    std::vector<Record> rs;
    for (int i = 0; i < 40; ++i) {
      const int64_t t = T0 + i * 170 - (i % 7 == 3 ? 400 : 0);  // every 7th arrives 400 ms late
      std::optional<std::string> key;
      if (i % 11 != 5) key = "k" + std::to_string(i % 4);
      rs.push_back(record(key, R"({"i":)" + std::to_string(i) + "}", t));
    }
    return rs;
  }
};

TEST_F(DeduplicateTest, DropsRepeatsWithinTheWindowAndPassesThemAfterIt) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup());
  ASSERT_TRUE(c);
  std::vector<Out> got = run(*c, {record("a", R"({"n":1})", T0), record("a", R"({"n":2})", T0 + 500),
                                  record("b", R"({"n":3})", T0 + 600), record("a", R"({"n":4})", T0 + 999)});
  got = [&] {
    auto more = run(*c, {record("a", R"({"n":5})", T0 + 1000), record("a", R"({"n":6})", T0 + 1500),
                         record("b", R"({"n":7})", T0 + 1599), record("b", R"({"n":8})", T0 + 1600)});
    got.insert(got.end(), more.begin(), more.end());
    return got;
  }();
  EXPECT_EQ(got, (std::vector<Out>{out("a", R"({"n":1})", T0), out("b", R"({"n":3})", T0 + 600),
                                   out("a", R"({"n":5})", T0 + 1000), out("b", R"({"n":8})", T0 + 1600)}))
      << "a@999 is 999 ms after a@0 (dropped); a@1000 is a whole window later (passes); dropped "
         "duplicates do not extend the window, so b@1600 passes";
}

TEST_F(DeduplicateTest, RecordsWithoutAKeyAlwaysPass) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup({{"field", "order.id"}}));
  ASSERT_TRUE(c);
  auto got = run(*c, {record(std::nullopt, R"({"order":{"id":7}})", T0),
                      record(std::nullopt, R"({"order":{"id":7}})", T0 + 1),
                      record(std::nullopt, R"({"order":{"id":"7"}})", T0 + 2),
                      record(std::nullopt, R"({"order":{}})", T0 + 3),
                      record(std::nullopt, R"({"order":{"id":null}})", T0 + 4),
                      record(std::nullopt, R"({"order":{}})", T0 + 5), record(std::nullopt, "null", T0 + 6)});
  std::vector<int64_t> passed;
  for (const auto& o : got) passed.push_back(o.ts - T0);
  EXPECT_EQ(passed, (std::vector<int64_t>{0, 2, 3, 4, 5, 6}))
      << "the field is compared as JSON (7 and \"7\" differ); absent, null and tombstone-like values pass";

  StateBuffer byKey(nullptr, kConnector);
  auto k = chain(byKey, dedup());
  ASSERT_TRUE(k);
  EXPECT_EQ(run(*k, {record(std::nullopt, "{}", T0), record(std::nullopt, "{}", T0 + 1)}).size(), 2u);
  EXPECT_TRUE(remembered(byKey).empty()) << "null keys are not stored";
}

TEST_F(DeduplicateTest, EventTimeComesFromTimeFieldAndOutOfOrderRecordsAreCompared) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup({{"time.field", "at"}}));
  ASSERT_TRUE(c);
  // The record timestamps are all the same; only "at" matters.
  auto got = run(*c, {record("a", R"({"at":10000})", T0), record("a", R"({"at":9100})", T0),
                      record("a", R"({"at":8999})", T0), record("a", R"({"at":"10999"})", T0),
                      record("a", R"({"at":11000.7})", T0)});
  std::vector<std::string> values;
  for (const auto& o : got) values.push_back(*o.value);
  EXPECT_EQ(values, (std::vector<std::string>{R"({"at":10000})", R"({"at":8999})", R"({"at":11000.7})"}))
      << "9100 is within 1000 ms before 10000 (dropped); 8999 is not (passes); \"10999\" parses as a "
         "number (dropped); 11000.7 floors to 11000 (passes)";
}

TEST_F(DeduplicateTest, MissingEventTimeFailsTheRecordNamingTheOption) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup({{"time.field", "at"}}));
  ASSERT_TRUE(c);
  std::vector<Record> batch{record("a", R"({"at":1})", T0), record("b", R"({"x":1})", T0),
                            record("c", R"({"at":{}})", T0)};
  std::vector<std::string> errors;
  ASSERT_TRUE(c->applyEach(batch, [&](Record&, const Status& e) { errors.push_back(e.message()); }).isOk());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("event time field 'at' (time.field) is absent or null"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("not an epoch-ms number: object"), std::string::npos) << errors[1];
  EXPECT_FALSE(batch[0].dropped);
  EXPECT_EQ(remembered(state), (std::vector<std::string>{"a"})) << "a failed record leaves no state behind";
}

TEST_F(DeduplicateTest, CorruptStateIsAnErrorNamingTheKey) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup());
  ASSERT_TRUE(c);
  state.put(state::stateKey(0, "transform.dedup", "k/a"), "garbage");
  std::vector<Record> batch{record("a", "{}", T0)};
  Status s = c->apply(batch);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("corrupt operator state under 'k/a'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("transform 'dedup' (Deduplicate)"), std::string::npos) << s.message();
}

TEST_F(DeduplicateTest, ExpiryDeletesEntriesAndTheirIndex) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup());
  ASSERT_TRUE(c);
  std::vector<Record> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(record("k" + std::to_string(i), "{}", T0 + i * 10));
  run(*c, std::move(batch));
  EXPECT_EQ(remembered(state).size(), 50u);
  size_t index = 0;
  for (const auto& [k, v] : stateOf(state, "dedup")) index += k.starts_with("e/");
  EXPECT_EQ(index, 50u) << "one index entry per remembered key";

  // The clock moves past every entry's window (k49 was seen at +490).
  run(*c, {record("late", "{}", T0 + 490 + 1000 + 1000 / 16)});
  auto st = stateOf(state, "dedup");
  std::vector<std::string> keys;
  for (const auto& [k, v] : st) keys.push_back(k.substr(0, 2));
  EXPECT_EQ(keys, (std::vector<std::string>{"b/", "cl", "e/", "k/"})) << "only 'late' and the clock remain";
  EXPECT_EQ(remembered(state), (std::vector<std::string>{"late"}));
  EXPECT_EQ(st.at("clock"), std::to_string(T0 + 490 + 1000 + 62));

  // Expired keys pass again.
  EXPECT_EQ(run(*c, {record("k0", "{}", T0 + 2000)}).size(), 1u);
}

TEST_F(DeduplicateTest, ExpiredButNotYetSweptEntriesNoLongerMatch) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, dedup());
  ASSERT_TRUE(c);
  // a@0 expires at 1000; its index bucket (62 ms wide) is only swept once the
  // clock reaches the bucket's end, after 1001.
  run(*c, {record("a", "{}", T0), record("c", "{}", T0)});
  auto got = run(*c, {record("b", "{}", T0 + 1001), record("a", "{}", T0 + 50)});
  EXPECT_EQ(got.size(), 2u) << "a@50 is within 1000 ms of a@0, but the clock (1001) is a window past a@0: "
                               "the entry is expired whether or not cleanup has run";
  EXPECT_EQ(remembered(state), (std::vector<std::string>{"a", "b", "c"})) << "c's old entry is not yet swept";
  EXPECT_EQ(run(*c, {record("a", "{}", T0 + 60)}).size(), 0u) << "a@50 is remembered (it expires at 1050)";
  EXPECT_EQ(run(*c, {record("c", "{}", T0 + 1), record("c", "{}", T0 + 2)}).size(), 2u)
      << "records a whole window behind the clock pass and are not remembered";
}

TEST_F(DeduplicateTest, ResultsDoNotDependOnBatchBoundaries) {
  auto out = expectBatchingIrrelevant(dedup(), "dedup", stream());
  EXPECT_LT(out.size(), 40u);
  EXPECT_GT(out.size(), 10u);
}

TEST_F(DeduplicateTest, ContinuesFromCommittedStateExactlyLikeAnUninterruptedRun) {
  auto ref = expectRestartsAndReplayMatch(dedup(), "dedup", stream(), {15, 28});
  ASSERT_EQ(ref.out.size(), 3u);
  EXPECT_FALSE(ref.out[1].empty());
  EXPECT_LT(ref.out[1].size(), 13u) << "the second part has duplicates of keys seen in the first";
}

TEST_F(DeduplicateTest, ResolvesQualifiedClassNameAndRejectsBadWindow) {
  StateBuffer state(nullptr, kConnector);
  config::ConfigMap m = dedup();
  m["transforms.dedup.type"] = "io.sluice.transforms.Deduplicate";
  auto c = chain(state, m);
  ASSERT_TRUE(c);
  EXPECT_EQ(run(*c, {record("a", "{}", T0), record("a", "{}", T0 + 1)}).size(), 1u);

  auto missing = validate({{"transforms", "dedup"}, {"transforms.dedup.type", "Deduplicate"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("transforms.dedup.window.ms"), std::string::npos) << missing.message();
  auto zero = validate(dedup({{"window.ms", "0"}}));
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("window.ms"), std::string::npos) << zero.message();
}

}  // namespace
}  // namespace sluice::runtime
