// host/common: the JSON helpers the offset store and the config rely on, the
// list syntax of config values, and the logger hierarchy.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "host/common/json_util.h"
#include "host/common/log.h"
#include "host/common/status.h"
#include "host/common/strings.h"

namespace sluice {
namespace {
namespace json = boost::json;

// Source partitions are keys of the offset store: the same partition written
// with its keys in another order, or other spacing, must be the same key.
TEST(JsonUtilTest, CanonicalFormSortsKeysAtEveryLevelAndIgnoresSpacing) {
  auto a = jsonutil::canonical(R"({"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}})");
  auto b = jsonutil::canonical(R"({"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1})");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, R"({"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1})");
  EXPECT_FALSE(jsonutil::canonical("{not json"));
  EXPECT_FALSE(jsonutil::canonical(""));
}

// Connect's REST API takes numbers and booleans as config values, as their text.
TEST(JsonUtilTest, ConfigStringsAreTextAndNumbersKeepTheirForm) {
  EXPECT_EQ(jsonutil::configString(json::value("x")), "x");
  EXPECT_EQ(jsonutil::configString(json::value(true)), "true");
  EXPECT_EQ(jsonutil::configString(json::value(42)), "42");
  EXPECT_EQ(jsonutil::configString(json::parse("2.5")), "2.5");  // not 2.5E0
  EXPECT_EQ(jsonutil::configString(json::parse("-0.125")), "-0.125");
  EXPECT_FALSE(jsonutil::configString(json::parse("[1]")));
  EXPECT_FALSE(jsonutil::configString(json::parse("{}")));
}

TEST(StringsTest, ListsAreTrimmedAndEmptyItemsDropped) {
  EXPECT_EQ(strings::splitList(" a, b ,,c\t,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(strings::splitList("").empty());
  EXPECT_TRUE(strings::splitList(" , ").empty());
  EXPECT_EQ(strings::trim("\t x y \r"), "x y");
}

// A logger's level is that of its longest configured prefix, else the root's.
TEST(LogTest, LevelsFollowTheDottedHierarchy) {
  log::Level l;
  ASSERT_TRUE(log::parseLevel("warn", &l));
  EXPECT_EQ(l, log::Level::kWarn);
  ASSERT_TRUE(log::parseLevel("FATAL", &l));  // Log4j's name for the highest level
  EXPECT_EQ(l, log::Level::kError);
  EXPECT_FALSE(log::parseLevel("LOUD", &l));
  log::setLevel("sluice.test.common", log::Level::kDebug);
  EXPECT_EQ(log::levelOf("sluice.test.common"), log::Level::kDebug);
  EXPECT_EQ(log::levelOf("sluice.test.common.child"), log::Level::kDebug);
  EXPECT_NE(log::levelOf("sluice.test.commonwealth"), log::Level::kDebug) << "a prefix is whole name parts";
  EXPECT_TRUE(log::enabled(log::Tag{"sluice.test.common.child", "", -1}, log::Level::kDebug));
  EXPECT_FALSE(log::enabled(log::Tag{"sluice.test.common.child", "", -1}, log::Level::kTrace));
  log::setLevel("sluice.test.common", log::levelOf("sluice"));
}

// The host's Status is its own class, not the SDK's sluice::Status.
TEST(StatusTest, TheHostsStatusIsInItsOwnNamespace) {
  static_assert(std::is_same_v<Status, host::Status>);
  Result<int> r(Status::notFound("gone"));
  EXPECT_FALSE(r);
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(r.status().message(), "gone");
  Result<int> ok(7);
  EXPECT_TRUE(ok.status());
  EXPECT_EQ(*ok, 7);
}

}  // namespace
}  // namespace sluice
