#include "host/pipeline/transform_chain.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace sluice::runtime {
namespace {

class TransformChainTest : public ::testing::Test {
 protected:
  void SetUp() override { registry_.scan({test::pluginDir()}); }

  std::unique_ptr<TransformChain> chain(const config::ConfigMap& extra) {
    config::ConfigMap m{{"connector.class", "file-sink"}, {"topics", "t"}};
    for (const auto& [k, v] : extra) m[k] = v;
    auto v = config::validateConnector(registry_, "c", m);
    EXPECT_TRUE(v.ok()) << v.message();
    plan_ = v.plan;
    auto c = TransformChain::create(plan_, 0);
    EXPECT_TRUE(c.isOk()) << c.status().message();
    return c.isOk() ? std::move(*c) : nullptr;
  }

  Record record(const std::string& topic, const std::string& value) {
    Record r;
    r.ctx = &rctx_;
    r.topic = topic;
    r.value = RecordPart(value);
    return r;
  }

  loader::Registry registry_;
  config::ConnectorPlan plan_;
  std::unique_ptr<Converter> json_ = makeConverter("json");
  std::unique_ptr<Converter> str_ = makeConverter("string");
  RecordContext rctx_{str_.get(), json_.get(), {}};
};

TEST_F(TransformChainTest, PredicateAndNegateSelectRecords) {
  auto c = chain({{"transforms", "drop"}, {"transforms.drop.type", "Filter"},
                  {"transforms.drop.predicate", "isKeep"}, {"transforms.drop.negate", "true"},
                  {"predicates", "isKeep"}, {"predicates.isKeep.type", "TopicNameMatches"},
                  {"predicates.isKeep.pattern", "keep-.*"}});
  std::vector<Record> batch;
  batch.push_back(record("keep-1", R"({"a":1})"));
  batch.push_back(record("other", R"({"a":2})"));
  batch.push_back(record("keep-2", R"({"a":3})"));
  ASSERT_TRUE(c->apply(batch).isOk());
  ASSERT_EQ(batch.size(), 3u) << "dropped records stay, flagged, so sources can commit their offsets";
  EXPECT_FALSE(batch[0].dropped);
  EXPECT_TRUE(batch[1].dropped);
  EXPECT_FALSE(batch[2].dropped);
}

TEST_F(TransformChainTest, ValueIsParsedOnceAndSerializedOnceAcrossStages) {
  auto c = chain({{"transforms", "a,b,c"},
                  {"transforms.a.type", "InsertField$Value"}, {"transforms.a.static.field", "x"}, {"transforms.a.static.value", "1"},
                  {"transforms.b.type", "ReplaceField$Value"}, {"transforms.b.exclude", "drop"},
                  {"transforms.c.type", "MaskField$Value"}, {"transforms.c.fields", "secret"}});
  std::vector<Record> batch;
  batch.push_back(record("t", R"({"drop":1,"secret":"s","keep":true})"));
  ASSERT_TRUE(c->apply(batch).isOk());
  EXPECT_TRUE(batch[0].value.parsed());
  EXPECT_EQ(batch[0].value.rawBytes().value(), R"({"drop":1,"secret":"s","keep":true})")
      << "bytes are not re-serialized between stages";
  EXPECT_EQ(boost::json::parse(*batch[0].value.bytes(*json_)),
            boost::json::parse(R"({"secret":"","keep":true,"x":"1"})"));
}

TEST_F(TransformChainTest, RoutingAloneNeverParsesTheValue) {
  auto c = chain({{"transforms", "r"}, {"transforms.r.type", "RegexRouter"},
                  {"transforms.r.regex", "(.*)"}, {"transforms.r.replacement", "$1-copy"}});
  std::vector<Record> batch;
  batch.push_back(record("t", "not json at all"));
  ASSERT_TRUE(c->apply(batch).isOk());
  EXPECT_FALSE(batch[0].value.parsed());
  EXPECT_EQ(batch[0].topic, "t-copy");
  EXPECT_EQ(batch[0].value.bytes(*json_).value(), "not json at all");
}

TEST_F(TransformChainTest, ErrorNamesTheStageAndApplyEachIsolatesBadRecords) {
  auto c = chain({{"transforms", "ins"}, {"transforms.ins.type", "InsertField$Value"},
                  {"transforms.ins.static.field", "x"}, {"transforms.ins.static.value", "1"}});
  std::vector<Record> batch;
  batch.push_back(record("t", R"({"a":1})"));
  batch.push_back(record("t", "{broken"));
  batch.push_back(record("t", R"({"a":3})"));
  std::vector<Record> copy = batch;
  Status s = c->apply(copy);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("transform 'ins' (InsertField)"), std::string::npos) << s.message();
  std::vector<std::string> errors;
  ASSERT_TRUE(c->applyEach(batch, [&](Record&, const Status& e) { errors.push_back(e.message()); }).isOk());
  EXPECT_EQ(errors.size(), 1u);
  EXPECT_FALSE(batch[0].dropped);
  EXPECT_TRUE(batch[1].dropped);
  EXPECT_FALSE(batch[2].dropped);
  EXPECT_EQ(boost::json::parse(*batch[2].value.bytes(*json_)).at("x"), "1");
}

}  // namespace
}  // namespace sluice::runtime
