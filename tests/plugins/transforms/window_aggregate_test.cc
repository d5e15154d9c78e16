#include <gtest/gtest.h>

#include "tests/plugins/transforms/stateful_fixture.h"

namespace sluice::runtime {
namespace {

constexpr int64_t T0 = 1'700'000'000'000;  // a multiple of every window size used here

class WindowAggregateTest : public StatefulChainTest {
 protected:
  static config::ConfigMap windows(config::ConfigMap extra = {}) {
    config::ConfigMap m{{"transforms", "win"}, {"transforms.win.type", "WindowAggregate"},
                        {"transforms.win.window.size.ms", "10000"}, {"transforms.win.field", "v"}};
    for (const auto& [k, v] : extra) m["transforms.win." + k] = v;
    return m;
  }
  Record rec(const std::string& key, const std::string& v, int64_t offset) {
    return record(key, R"({"v":)" + v + "}", T0 + offset);
  }
  /// The result record of one key and window, as documented.
  static Out result(const std::string& key, int64_t start, int64_t end, const std::string& aggs,
                    const std::string& topic = "in.windows") {
    return {topic, key,
            R"({"key":")" + key + R"(","window_start":)" + std::to_string(T0 + start) + R"(,"window_end":)" +
                std::to_string(T0 + end) + "," + aggs + "}",
            T0 + end - 1};
  }
  static size_t count(const std::map<std::string, std::string>& st, const std::string& prefix) {
    size_t n = 0;
    for (const auto& [k, v] : st) n += k.starts_with(prefix);
    return n;
  }

  /// Three keys over many 2 s windows; every 9th record arrives 3 s late.
  std::vector<Record> stream() {
    std::vector<Record> rs;
    for (int i = 0; i < 60; ++i) {
      const int64_t t = i * 450 - (i % 9 == 4 ? 3000 : 0);
      rs.push_back(rec("k" + std::to_string(i % 3), i % 5 == 0 ? std::to_string(i) + ".5" : std::to_string(i), t));
    }
    return rs;
  }
  static config::ConfigMap streamConfig() {
    return windows({{"window.size.ms", "2000"}, {"allowed.lateness.ms", "500"}});
  }
};

TEST_F(WindowAggregateTest, EmitsOneResultPerKeyAndWindowWhenTheWatermarkPassesIt) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows());
  ASSERT_TRUE(c);
  EXPECT_TRUE(run(*c, {rec("a", "1", 0), rec("b", "10", 1000), rec("a", "2", 5000), rec("a", "3", 9998)}).empty())
      << "inputs are dropped (emit.input=false) and the watermark (9998) has not reached the last ms of "
         "[0, 10000)";
  EXPECT_EQ(run(*c, {rec("b", "20", 10000)}),
            (std::vector<Out>{result("a", 0, 10000, R"("count":3,"sum":6,"min":1,"max":3)"),
                              result("b", 0, 10000, R"("count":1,"sum":10,"min":10,"max":10)")}))
      << "event time 10000 moves the watermark past the window's last ms";
  EXPECT_TRUE(run(*c, {rec("a", "4", 3000)}).empty()) << "late: its window already fired";
  EXPECT_EQ(run(*c, {rec("a", "5.5", 12000), rec("b", "30", 25000)}),
            (std::vector<Out>{result("a", 10000, 20000, R"("count":1,"sum":5.5,"min":5.5,"max":5.5)"),
                              result("b", 10000, 20000, R"("count":1,"sum":20,"min":20,"max":20)")}));

  auto st = stateOf(state, "win");
  EXPECT_EQ(st.at("late"), "1");
  EXPECT_EQ(st.at("clock"), std::to_string(T0 + 25000));
  EXPECT_EQ(count(st, "w/"), 1u) << "fired windows are deleted; only b's [20000, 30000) is open";
  EXPECT_EQ(count(st, "f/"), 1u);
}

TEST_F(WindowAggregateTest, AWindowFiresWhenTheWatermarkReachesItsLastMillisecond) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows());
  ASSERT_TRUE(c);
  EXPECT_EQ(run(*c, {rec("a", "1", 0), rec("a", "2", 9999), rec("a", "3", 9999)}),
            (std::vector<Out>{result("a", 0, 10000, R"("count":2,"sum":3,"min":1,"max":2)")}))
      << "a@9999 fires [0, 10000) at once: no record of that window can come without being late";
  EXPECT_EQ(stateOf(state, "win").at("late"), "1");
}

TEST_F(WindowAggregateTest, AllowedLatenessHoldsWindowsOpenForStragglers) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows({{"allowed.lateness.ms", "5000"}}));
  ASSERT_TRUE(c);
  std::vector<Out> got =
      run(*c, {rec("a", "1", 0), rec("b", "10", 1000), rec("a", "2", 5000), rec("a", "3", 9999),
               rec("b", "20", 10000), rec("a", "4", 3000), rec("a", "5.5", 12000)});
  EXPECT_TRUE(got.empty()) << "the watermark is 12000 - 5000 = 7000: nothing fired yet";
  EXPECT_EQ(run(*c, {rec("b", "30", 25000)}),
            (std::vector<Out>{result("a", 0, 10000, R"("count":4,"sum":10,"min":1,"max":4)"),
                              result("b", 0, 10000, R"("count":1,"sum":10,"min":10,"max":10)"),
                              result("a", 10000, 20000, R"("count":1,"sum":5.5,"min":5.5,"max":5.5)"),
                              result("b", 10000, 20000, R"("count":1,"sum":20,"min":20,"max":20)")}))
      << "watermark 20000 closes both windows, in window-end order, keys in byte order";
  EXPECT_EQ(stateOf(state, "win").count("late"), 0u) << "a@3000 arrived within the allowed lateness";
}

TEST_F(WindowAggregateTest, GroupFieldTimeFieldOutputTopicAndInputPassThrough) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows({{"window.size.ms", "1000"}, {"field", "amount"}, {"group.field", "user"},
                                 {"time.field", "at"}, {"aggregations", "count, max"},
                                 {"output.topic", "totals"}, {"emit.input", "true"}}));
  ASSERT_TRUE(c);
  auto in = [&](const std::string& user, const std::string& amount, int64_t at) {
    // The record timestamp is far away: only "at" counts.
    return record(std::nullopt,
                  R"({"user":)" + user + R"(,"amount":)" + amount + R"(,"at":)" + std::to_string(T0 + at) + "}",
                  T0 + 999999);
  };
  std::vector<Record> batch{in(R"("u1")", "2", 100), in("7", "3", 200), in(R"("7")", "1.5", 300),
                            in(R"("u1")", "null", 400), in(R"("u1")", "5", 1000)};
  std::vector<Out> expected;
  for (auto& r : batch) expected.push_back({"in", std::nullopt, std::string(*r.value.rawBytes()), T0 + 999999});
  auto window = [&](const std::string& keyBytes, const std::string& keyJson, const std::string& max) {
    return Out{"totals", keyBytes,
               R"({"key":)" + keyJson + R"(,"window_start":)" + std::to_string(T0) + R"(,"window_end":)" +
                   std::to_string(T0 + 1000) + R"(,"count":1,"max":)" + max + "}",
               T0 + 999};
  };
  // Groups are the field's JSON: "7" (string) and 7 (number) differ; byte
  // order puts quoted strings first.
  expected.push_back(window("7", R"("7")", "1.5"));
  expected.push_back(window("u1", R"("u1")", "2"));
  expected.push_back(window("7", "7", "3"));
  EXPECT_EQ(run(*c, std::move(batch)), expected)
      << "inputs pass unchanged (the null amount is not aggregated); results follow the batch";
}

TEST_F(WindowAggregateTest, CountOnlyCountsEveryRecordAndLateInputsStillPassThrough) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, {{"transforms", "win"}, {"transforms.win.type", "WindowAggregate"},
                         {"transforms.win.window.size.ms", "1000"}, {"transforms.win.aggregations", "count"},
                         {"transforms.win.emit.input", "true"}});
  ASSERT_TRUE(c);
  auto got = run(*c, {record("a", "not json", T0), record("a", "{}", T0 + 10), record(std::nullopt, "{}", T0 + 20),
                      record("b", "{}", T0 + 1500), record("a", "{}", T0 + 30)});
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[5].value, R"({"key":"a","window_start":1700000000000,"window_end":1700000001000,"count":2})")
      << "without a field the value is never parsed; the null-key record is not counted";
  EXPECT_EQ(got[2].key, std::nullopt);
  EXPECT_EQ(got[4].ts, T0 + 30) << "the late record passes through with emit.input=true";
  EXPECT_EQ(stateOf(state, "win").at("late"), "1");
}

TEST_F(WindowAggregateTest, IntegerSumsStayExactAndFallBackToDoubleOnOverflow) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows());
  ASSERT_TRUE(c);
  run(*c, {rec("a", "9007199254740993", 0), rec("a", "1", 1), rec("b", "9223372036854775807", 0),
           rec("b", "1", 1)});
  auto got = run(*c, {rec("z", "0", 10000)});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].value, result("a", 0, 10000, R"("count":2,"sum":9007199254740994,"min":1,"max":9007199254740993)").value);
  EXPECT_EQ(got[1].value, result("b", 0, 10000, R"("count":2,"sum":9223372036854775808.0,"min":1.0,"max":9223372036854775808.0)").value);
}

TEST_F(WindowAggregateTest, BadValuesFailTheRecordWithoutTouchingState) {
  StateBuffer state(nullptr, kConnector);
  auto c = chain(state, windows());
  ASSERT_TRUE(c);
  std::vector<Record> batch{rec("a", "1", 0), rec("a", R"("x")", 1), rec("a", "2", 2)};
  std::vector<std::string> errors;
  ASSERT_TRUE(c->applyEach(batch, [&](Record&, const Status& e) { errors.push_back(e.message()); }).isOk());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("field 'v' is not a number: string"), std::string::npos) << errors[0];
  EXPECT_EQ(run(*c, {rec("b", "0", 10000)}).at(0).value,
            result("a", 0, 10000, R"("count":2,"sum":3,"min":1,"max":2)").value);
}

TEST_F(WindowAggregateTest, RejectsBadConfigNamingTheOption) {
  StateBuffer state(nullptr, kConnector);
  auto create = [&](const config::ConfigMap& m) -> std::string {
    auto v = validate(m);
    if (!v.ok()) return v.message();
    auto c = TransformChain::create(v.plan, 0, TaskHooks{&state, nullptr, &rctx_});
    return c.isOk() ? "" : c.status().message();
  };
  EXPECT_NE(create(windows({{"aggregations", "count,avg"}})).find("option 'aggregations': unknown aggregation 'avg'"),
            std::string::npos);
  EXPECT_NE(create(windows({{"aggregations", ""}})).find("option 'aggregations'"), std::string::npos);
  config::ConfigMap noField = windows();
  noField.erase("transforms.win.field");
  EXPECT_NE(create(noField).find("option 'field' is required"), std::string::npos);
  config::ConfigMap noSize = windows();
  noSize.erase("transforms.win.window.size.ms");
  EXPECT_NE(create(noSize).find("transforms.win.window.size.ms"), std::string::npos);
  EXPECT_NE(create(windows({{"allowed.lateness.ms", "-1"}})).find("allowed.lateness.ms"), std::string::npos);
  EXPECT_EQ(create(windows()), "");
}

TEST_F(WindowAggregateTest, ResultsDoNotDependOnBatchBoundaries) {
  EXPECT_GT(expectBatchingIrrelevant(streamConfig(), "win", stream()).size(), 20u);
}

TEST_F(WindowAggregateTest, ContinuesFromCommittedStateExactlyLikeAnUninterruptedRun) {
  auto ref = expectRestartsAndReplayMatch(streamConfig(), "win", stream(), {20, 41});
  ASSERT_EQ(ref.state.size(), 3u);
  // The watermark and the open windows must come back from state for the
  // later parts to fire and to recognise late records as before.
  EXPECT_LT(std::stoi(ref.state[0].at("late")), std::stoi(ref.state[1].at("late")));
  EXPECT_LT(std::stoi(ref.state[1].at("late")), std::stoi(ref.state[2].at("late")));
  EXPECT_FALSE(ref.out[1].empty());
  EXPECT_FALSE(ref.out[2].empty());
}

}  // namespace
}  // namespace sluice::runtime
