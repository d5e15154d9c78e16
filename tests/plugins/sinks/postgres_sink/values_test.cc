// postgres-sink's value mapping (plugins/sinks/postgres_sink/values.cc): the
// pure part, without a server. The sink itself is tested against a real
// PostgreSQL in tests/plugins/sinks/postgres_sink/.
#include "plugins/sinks/postgres_sink/values.h"

#include <gtest/gtest.h>

namespace sluice_plugins::pgvalues {
namespace {
namespace json = boost::json;

constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z

TEST(PostgresSinkValuesTest, ParsesIsoTimestampsWithAndWithoutZones) {
  EXPECT_EQ(parseIsoMillis("2026-01-01"), kJan1);
  EXPECT_EQ(parseIsoMillis("2026-01-01T00:00:00Z"), kJan1);
  EXPECT_EQ(parseIsoMillis("2026-01-01 00:00"), kJan1);
  EXPECT_EQ(parseIsoMillis("2026-01-01T01:00:00+01:00"), kJan1);
  EXPECT_EQ(parseIsoMillis("2025-12-31T19:30:00-0430"), kJan1);
  EXPECT_EQ(parseIsoMillis("2026-01-01T00:00:00.5Z"), kJan1 + 500);
  EXPECT_EQ(parseIsoMillis("2026-01-01T00:00:01.123456"), kJan1 + 1123);
  EXPECT_EQ(parseIsoMillis("1969-12-31T23:59:59.999Z"), -1);
  for (const char* bad : {"yesterday", "2026-13-01", "2026-01-01T25:00", "2026-01-01T00:00:00Zx", "2026-01-01X",
                          "2026-1-01", "2026-01-01T00:00:00.", "2026-01-01T00:00+1"})
    EXPECT_FALSE(parseIsoMillis(bad).has_value()) << bad;
}

TEST(PostgresSinkValuesTest, TimeFieldTakesEpochMillisOrText) {
  EXPECT_EQ(timeMillis(json::value(kJan1)), kJan1);
  EXPECT_EQ(timeMillis(json::value("2026-01-01T00:00:00Z")), kJan1);
  EXPECT_FALSE(timeMillis(json::value(1.5)).has_value());
  EXPECT_FALSE(timeMillis(json::value(true)).has_value());
}

TEST(PostgresSinkValuesTest, FormatsMillisAsUtcTimestamptzInput) {
  EXPECT_EQ(formatMillis(kJan1 + 123), "2026-01-01 00:00:00.123+00");
  EXPECT_EQ(formatMillis(-1), "1969-12-31 23:59:59.999+00");
  EXPECT_EQ(formatMillis(kJan1 + 86400000LL * 59 + 3600000LL * 13 + 61000), "2026-03-01 13:01:01.000+00");
}

TEST(PostgresSinkValuesTest, PartitionRangesCoverTheirTimeInUtc) {
  int64_t t = kJan1 + 86400000LL * 33 + 3600000LL * 5 + 7;  // 2026-02-03T05:00:00.007Z
  auto d = partitionRange(t, Interval::kDaily);
  EXPECT_EQ(d.suffix, "_p20260203");
  EXPECT_EQ(d.start, kJan1 + 86400000LL * 33);
  EXPECT_EQ(d.end, d.start + 86400000LL);
  auto h = partitionRange(t, Interval::kHourly);
  EXPECT_EQ(h.suffix, "_p2026020305");
  EXPECT_EQ(h.end - h.start, 3600000LL);
  EXPECT_LE(h.start, t);
  EXPECT_LT(t, h.end);
  auto m = partitionRange(t, Interval::kMonthly);
  EXPECT_EQ(m.suffix, "_p202602");
  EXPECT_EQ(m.start, kJan1 + 86400000LL * 31);
  EXPECT_EQ(m.end, kJan1 + 86400000LL * 59);
  auto dec = partitionRange(kJan1 - 1, Interval::kMonthly);
  EXPECT_EQ(dec.suffix, "_p202512");
  EXPECT_EQ(dec.end, kJan1);
  EXPECT_EQ(partitionRange(-1, Interval::kDaily).suffix, "_p19691231");
}

TEST(PostgresSinkValuesTest, InfersColumnTypesFromJson) {
  EXPECT_EQ(inferType(json::value(1)), "bigint");
  EXPECT_EQ(inferType(json::value(1.5)), "double precision");
  EXPECT_EQ(inferType(json::value(false)), "boolean");
  EXPECT_EQ(inferType(json::value("x")), "text");
  EXPECT_EQ(inferType(json::parse("{\"a\":1}")), "jsonb");
  EXPECT_EQ(inferType(json::parse("[1]")), "jsonb");
  EXPECT_FALSE(inferType(json::value(nullptr)).has_value());
  EXPECT_EQ(categorize("numeric(10,2)"), Category::kNumeric);
  EXPECT_EQ(categorize("timestamp with time zone"), Category::kTimestamp);
  EXPECT_EQ(categorize("character varying(20)"), Category::kText);
  EXPECT_EQ(categorize("uuid"), Category::kOther);
}

TEST(PostgresSinkValuesTest, RendersValuesForTheirColumnOrSaysWhyNot) {
  std::string out, why;
  EXPECT_TRUE(render(json::value(42), Category::kInteger, &out, &why));
  EXPECT_EQ(out, "42");
  EXPECT_TRUE(render(json::value(3.0), Category::kInteger, &out, &why));
  EXPECT_EQ(out, "3");
  EXPECT_FALSE(render(json::value("abc"), Category::kInteger, &out, &why));
  EXPECT_EQ(why, "expected an integer, got the string \"abc\"");
  EXPECT_FALSE(render(json::value(1.5), Category::kInteger, &out, &why));
  EXPECT_EQ(why, "expected an integer, got the number 1.5");
  EXPECT_TRUE(render(json::value(1.5), Category::kFloat, &out, &why));
  EXPECT_EQ(out, "1.5");
  EXPECT_FALSE(render(json::value(true), Category::kFloat, &out, &why));
  EXPECT_TRUE(render(json::value(true), Category::kBoolean, &out, &why));
  EXPECT_EQ(out, "t");
  EXPECT_FALSE(render(json::value(1), Category::kBoolean, &out, &why));
  EXPECT_TRUE(render(json::parse("{\"a\":[1,\"x\"]}"), Category::kJson, &out, &why));
  EXPECT_EQ(out, "{\"a\":[1,\"x\"]}");
  EXPECT_TRUE(render(json::value(kJan1), Category::kTimestamp, &out, &why));
  EXPECT_EQ(out, "2026-01-01 00:00:00.000+00");
  EXPECT_FALSE(render(json::parse("{}"), Category::kTimestamp, &out, &why));
  EXPECT_TRUE(render(json::value(7), Category::kText, &out, &why));
  EXPECT_EQ(out, "7");
  EXPECT_TRUE(render(json::value(false), Category::kText, &out, &why));
  EXPECT_EQ(out, "false");
  EXPECT_FALSE(render(json::value(std::string_view("a\0b", 3)), Category::kText, &out, &why));
  EXPECT_EQ(why, "contains a NUL character, which PostgreSQL text cannot hold");
}

TEST(PostgresSinkValuesTest, EscapesCopyText) {
  std::string out;
  appendCopyEscaped(out, "a\tb\nc\\d\re");
  EXPECT_EQ(out, "a\\tb\\nc\\\\d\\re");
}

}  // namespace
}  // namespace sluice_plugins::pgvalues
