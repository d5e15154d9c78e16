// Kafka Connect compatibility details found by scripts/compare/rest_compare.py
// (the side-by-side run against Kafka Connect 4.3.1): each test pins one
// field name, status or body shape that Sluice had different from Connect.
#include <boost/json.hpp>

#include <chrono>
#include <set>

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

TEST_F(ConnectCompatTest, RestartAnswersWithThePlanMarkingWhatRestartsAsRestarting) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  auto running = [&] {
    auto s = parse(call("GET", "/connectors/gen/status"));
    return s.at("connector").at("state") == "RUNNING" && s.at("tasks").as_array().size() == 1 &&
           s.at("tasks").at(0).at("state") == "RUNNING";
  };
  ASSERT_TRUE(test::waitFor(running, std::chrono::seconds(10)));

  auto all = call("POST", "/connectors/gen/restart?includeTasks=true");
  ASSERT_EQ(all.status, 202) << all.body;
  EXPECT_EQ(parse(all).at("connector").at("state"), "RESTARTING") << all.body;
  EXPECT_EQ(parse(all).at("tasks").at(0).at("state"), "RESTARTING") << all.body;
  ASSERT_TRUE(test::waitFor(running, std::chrono::seconds(10)));

  // Nothing has failed: onlyFailed restarts nothing, and says so.
  auto failedOnly = call("POST", "/connectors/gen/restart?includeTasks=true&onlyFailed=true");
  ASSERT_EQ(failedOnly.status, 202) << failedOnly.body;
  EXPECT_EQ(parse(failedOnly).at("connector").at("state"), "RUNNING") << failedOnly.body;
  EXPECT_EQ(parse(failedOnly).at("tasks").at(0).at("state"), "RUNNING") << failedOnly.body;

  // Without includeTasks only the connector restarts.
  auto connectorOnly = call("POST", "/connectors/gen/restart?includeTasks=false&onlyFailed=true");
  ASSERT_EQ(connectorOnly.status, 202) << connectorOnly.body;
  EXPECT_EQ(parse(connectorOnly).at("tasks").at(0).at("state"), "RUNNING") << connectorOnly.body;
}

TEST_F(ConnectCompatTest, LoggersReportWhenTheirLevelWasLastSet) {
  EXPECT_TRUE(parse(call("GET", "/admin/loggers/root")).at("last_modified").is_null());
  EXPECT_TRUE(parse(call("GET", "/admin/loggers")).at("root").at("last_modified").is_null());
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_EQ(call("PUT", "/admin/loggers/sluice.compat", R"({"level":"DEBUG"})").status, 200);
  auto one = parse(call("GET", "/admin/loggers/sluice.compat"));
  ASSERT_TRUE(one.at("last_modified").is_int64()) << json::serialize(one);
  EXPECT_GE(one.at("last_modified").as_int64(), before);
  auto all = parse(call("GET", "/admin/loggers"));
  EXPECT_EQ(all.at("sluice.compat").at("last_modified"), one.at("last_modified"));
  EXPECT_TRUE(all.at("root").at("last_modified").is_null()) << "only what the PUT changed";
  ASSERT_EQ(call("PUT", "/admin/loggers/sluice.compat", R"({"level":"INFO"})").status, 200);
}

TEST_F(ConnectCompatTest, AlteringOffsetsWithAnEmptyListIsABadRequest) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  ASSERT_EQ(call("PUT", "/connectors/gen/stop").status, 204);
  expectError(call("PATCH", "/connectors/gen/offsets", R"({"offsets":[]})"), 400, "Partitions / offsets need to be provided");
  expectError(call("PATCH", "/connectors/nope/offsets", R"({"offsets":[]})"), 400, "Partitions / offsets need to be provided");
}

TEST_F(ConnectCompatTest, ValidationIsNamedAfterTheConnectorClassAsGiven) {
  const std::string alias = registry_.find("file-source")->aliases.at(0);
  auto r = call("PUT", "/connector-plugins/" + alias + "/config/validate", R"({"topic":"t","file":"/dev/null","name":"v"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r).at("name"), json::string(alias)) << r.body;
  EXPECT_EQ(parse(r).at("error_count"), 0) << r.body;
}

TEST_F(ConnectCompatTest, ValidationFlagsWhatConnectFlags) {
  auto r = parse(call("PUT", "/connector-plugins/file-sink/config/validate", R"({"file":"/dev/null"})"));
  std::map<std::string, json::array> errors;
  for (const auto& c : r.at("configs").as_array())
    errors[std::string(c.at("value").at("name").as_string())] = c.at("value").at("errors").as_array();
  EXPECT_EQ(errors.at("name").size(), 1u) << r;
  EXPECT_EQ(errors.at("topics").at(0), "Must configure one of topics or topics.regex");
  EXPECT_EQ(errors.at("topics.regex").at(0), "Must configure one of topics or topics.regex");
  EXPECT_EQ(r.at("error_count"), 3) << r;
  auto both = parse(call("PUT", "/connector-plugins/file-sink/config/validate", R"({"name":"s","file":"/dev/null","topics":"a","topics.regex":"b.*"})"));
  EXPECT_EQ(both.at("error_count"), 2) << both;
}

TEST_F(ConnectCompatTest, APluginsConfigListsTheCommonConnectorOptionsToo) {
  auto names = [&](const std::string& plugin) {
    std::set<std::string> out;
    auto defs = parse(call("GET", "/connector-plugins/" + plugin + "/config"));
    for (const auto& d : defs.as_array())
      out.insert(std::string(d.at("name").as_string()));
    return out;
  };
  auto sink = names("file-sink"), source = names("datagen"), transform = names("InsertField");
  for (const char* key : {"name", "connector.class", "tasks.max", "key.converter", "value.converter", "header.converter",
                          "transforms", "predicates", "errors.tolerance", "errors.deadletterqueue.topic.name"}) {
    EXPECT_TRUE(sink.count(key)) << key;
    EXPECT_TRUE(source.count(key)) << key;
    EXPECT_FALSE(transform.count(key)) << key;
  }
  EXPECT_TRUE(sink.count("topics") && sink.count("topics.regex") && sink.count("file"));
  EXPECT_FALSE(source.count("topics") || source.count("topics.regex"));
  EXPECT_TRUE(source.count("topic.creation.default.partitions") && source.count("topic"));
  EXPECT_FALSE(sink.count("topic.creation.default.partitions"));
  EXPECT_GE(sink.size(), 25u) << "Connect lists 25 for FileStreamSink";
}

}  // namespace
}  // namespace sluice::rest
