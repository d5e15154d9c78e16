// Kafka Connect compatibility details found by scripts/compare/rest_compare.py
// (the side-by-side run against Kafka Connect 4.3.1): each test pins one
// field name, status or body shape that Sluice had different from Connect.
#include <boost/json.hpp>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;

using ConnectCompatTest = test::RestFixture;

TEST_F(ConnectCompatTest, ConfigDefinitionsUseConnectsOrderInGroupField) {
  auto defs = parse(call("GET", "/connector-plugins/datagen/config")).as_array();
  ASSERT_FALSE(defs.empty());
  for (const auto& d : defs) {
    EXPECT_TRUE(d.as_object().contains("order_in_group")) << json::serialize(d);
    EXPECT_FALSE(d.as_object().contains("order")) << json::serialize(d);
  }
  auto v = parse(call("PUT", "/connector-plugins/datagen/config/validate", R"({"topic":"t"})"));
  for (const auto& c : v.at("configs").as_array())
    EXPECT_TRUE(c.at("definition").as_object().contains("order_in_group")) << json::serialize(c);
}

TEST_F(ConnectCompatTest, StatusesReportThePluginVersionLikeConnect) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  const json::string version(registry_.find("datagen")->version);
  ASSERT_FALSE(version.empty());
  ASSERT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/status")).at("tasks").as_array().size() == 1; },
                            std::chrono::seconds(10)));
  auto status = parse(call("GET", "/connectors/gen/status"));
  EXPECT_EQ(status.at("connector").at("version"), version) << json::serialize(status);
  EXPECT_EQ(status.at("tasks").at(0).at("version"), version) << json::serialize(status);
  EXPECT_EQ(parse(call("GET", "/connectors/gen/tasks/0/status")).at("version"), version);
  EXPECT_EQ(parse(call("GET", "/connectors?expand=status")).at("gen").at("status").at("connector").at("version"), version);
}

}  // namespace
}  // namespace sluice::rest
