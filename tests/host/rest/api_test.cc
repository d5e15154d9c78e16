// The REST API against a live civetweb server and an in-process worker on the
// embedded mock cluster: Kafka Connect's paths, status codes and bodies.
#include "host/rest/api.h"

#include <boost/json.hpp>

#include <filesystem>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

using RestApiTest = test::RestFixture;

TEST_F(RestApiTest, RootReportsVersionCommitAndCluster) {
  auto r = call("GET", "/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(parse(r), json::parse(R"({"version":"9.9.9","commit":"abc123","kafka_cluster_id":"cluster-x"})"));
}

TEST_F(RestApiTest, CreateGetListAndDeleteConnector) {
  auto created = call("POST", "/connectors", datagen("gen"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.headers["location"], "/connectors/gen");
  auto info = parse(created);
  EXPECT_EQ(info.at("name"), "gen");
  EXPECT_EQ(info.at("type"), "source");
  EXPECT_EQ(info.at("config").at("name"), "gen");
  EXPECT_EQ(info.at("tasks"), json::parse(R"([{"connector":"gen","task":0}])"));

  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse(R"(["gen"])"));
  EXPECT_EQ(parse(call("GET", "/connectors/gen")), info);
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "t");
  auto tasks = parse(call("GET", "/connectors/gen/tasks"));
  EXPECT_EQ(tasks.at(0).at("id"), json::parse(R"({"connector":"gen","task":0})"));

  ASSERT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/status")).at("tasks").at(0).at("state") == "RUNNING"; }, 10s));
  auto status = parse(call("GET", "/connectors/gen/status"));
  EXPECT_EQ(status.at("connector").at("state"), "RUNNING");
  EXPECT_EQ(status.at("type"), "source");
  EXPECT_TRUE(status.at("connector").as_object().contains("worker_id"));
  EXPECT_EQ(parse(call("GET", "/connectors/gen/tasks/0/status")).at("state"), "RUNNING");

  auto expanded = parse(call("GET", "/connectors?expand=status&expand=info"));
  EXPECT_EQ(expanded.at("gen").at("info").at("name"), "gen");
  EXPECT_EQ(expanded.at("gen").at("status").at("name"), "gen");

  EXPECT_EQ(call("DELETE", "/connectors/gen").status, 204);
  expectError(call("GET", "/connectors/gen"), 404, "Connector gen not found");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
}

TEST_F(RestApiTest, BadRequestsGetClearErrorsAndChangeNothing) {
  expectError(call("POST", "/connectors", "{not json"), 400, "not valid JSON");
  expectError(call("POST", "/connectors", R"({"config":{}})"), 400, "name");
  expectError(call("POST", "/connectors", R"({"name":"x"})"), 400, "config");
  expectError(call("POST", "/connectors", R"({"name":"x","config":{"connector.class":"datagen"}})"), 400,
              "Missing required configuration \"topic\"");
  expectError(call("POST", "/connectors", R"({"name":"x","config":{"connector.class":"datagen","topic":"t","bogus":"1"}})"), 400,
              "Unknown configuration 'bogus'");
  expectError(call("POST", "/connectors", R"({"name":"x","config":{"connector.class":"datagen","topic":{"a":1}}})"), 400,
              "'topic' must be a string");
  expectError(call("POST", "/connectors", R"({"name":"x","config":{"connector.class":"datagen","topic":"t"},"initial_state":"SLEEPING"})"), 400,
              "initial_state");
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]"));
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  expectError(call("POST", "/connectors", datagen("gen", "other")), 409, "Connector gen already exists");
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "t");
}

TEST_F(RestApiTest, PutConfigCreatesThenUpdates) {
  std::string cfg = R"({"connector.class":"datagen","topic":"a","records.per.second":"5"})";
  auto created = call("PUT", "/connectors/gen/config", cfg);
  EXPECT_EQ(created.status, 201) << created.body;
  auto updated = call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen","topic":"b"})");
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "b");
  expectError(call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen","topic":"b","name":"other"})"), 400, "doesn't match");
  expectError(call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen"})"), 400, "topic");
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "b");
}

TEST_F(RestApiTest, PauseResumeStopAndRestart) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  EXPECT_EQ(call("PUT", "/connectors/gen/pause").status, 202);
  EXPECT_EQ(call("PUT", "/connectors/gen/pause").status, 202) << "idempotent";
  EXPECT_EQ(parse(call("GET", "/connectors/gen/status")).at("connector").at("state"), "PAUSED");
  ASSERT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/status")).at("tasks").at(0).at("state") == "PAUSED"; }, 10s));
  EXPECT_EQ(call("PUT", "/connectors/gen/resume").status, 202);
  EXPECT_EQ(parse(call("GET", "/connectors/gen/status")).at("connector").at("state"), "RUNNING");
  EXPECT_EQ(call("POST", "/connectors/gen/restart").status, 204);
  auto restarted = call("POST", "/connectors/gen/restart?includeTasks=true&onlyFailed=false");
  EXPECT_EQ(restarted.status, 202);
  EXPECT_EQ(parse(restarted).at("name"), "gen");
  expectError(call("POST", "/connectors/gen/restart?includeTasks=maybe"), 400, "includeTasks");
  EXPECT_EQ(call("POST", "/connectors/gen/tasks/0/restart").status, 204);
  expectError(call("POST", "/connectors/gen/tasks/7/restart"), 404, "Task gen-7 not found");
  EXPECT_EQ(call("PUT", "/connectors/gen/stop").status, 204);
  auto stopped = parse(call("GET", "/connectors/gen/status"));
  EXPECT_EQ(stopped.at("connector").at("state"), "STOPPED");
  EXPECT_EQ(stopped.at("tasks"), json::parse("[]"));
  for (const char* path : {"/connectors/nope/pause", "/connectors/nope/resume", "/connectors/nope/stop"})
    expectError(call("PUT", path), 404, "Connector nope not found");
  expectError(call("POST", "/connectors/nope/restart"), 404, "not found");
  expectError(call("DELETE", "/connectors/nope"), 404, "not found");
  expectError(call("GET", "/connectors/nope/status"), 404, "nope");
}

TEST_F(RestApiTest, ConnectorPluginsListsConnectorsOrEverything) {
  auto connectors = parse(call("GET", "/connector-plugins"));
  bool sawDatagen = false;
  for (const auto& p : connectors.as_array()) {
    EXPECT_TRUE(p.at("type") == "source" || p.at("type") == "sink") << json::serialize(p);
    sawDatagen = sawDatagen || p.at("class") == "datagen";
  }
  EXPECT_TRUE(sawDatagen);
  auto all = parse(call("GET", "/connector-plugins?connectorsOnly=false"));
  EXPECT_GT(all.as_array().size(), connectors.as_array().size());
  bool sawTransform = false;
  for (const auto& p : all.as_array()) sawTransform = sawTransform || p.at("type") == "transformation";
  EXPECT_TRUE(sawTransform);
}

TEST_F(RestApiTest, PatchMergesConfigAndNullRemovesAKey) {
  ASSERT_EQ(call("PUT", "/connectors/gen/config", R"({"connector.class":"datagen","topic":"a","keys":"3"})").status, 201);
  auto patched = call("PATCH", "/connectors/gen/config", R"({"topic":"b","keys":null,"payload.bytes":4})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto cfg = parse(call("GET", "/connectors/gen/config")).as_object();
  EXPECT_EQ(cfg.at("topic"), "b");
  EXPECT_EQ(cfg.at("payload.bytes"), "4");
  EXPECT_FALSE(cfg.contains("keys"));
  expectError(call("PATCH", "/connectors/gen/config", R"({"topic":null})"), 400, "topic");
  EXPECT_EQ(parse(call("GET", "/connectors/gen/config")).at("topic"), "b") << "a bad patch changes nothing";
  expectError(call("PATCH", "/connectors/nope/config", R"({"topic":"x"})"), 404, "nope");
}

TEST_F(RestApiTest, PluginConfigAndValidateSpeakConnectsConfigInfos) {
  auto defs = parse(call("GET", "/connector-plugins/datagen/config")).as_array();
  bool sawTopic = false;
  for (const auto& d : defs)
    if (d.at("name") == "topic") {
      sawTopic = true;
      EXPECT_EQ(d.at("type"), "STRING");
      EXPECT_EQ(d.at("required"), true);
    }
  EXPECT_TRUE(sawTopic);
  expectError(call("GET", "/connector-plugins/nope/config"), 404, "nope");

  auto r = call("PUT", "/connector-plugins/datagen/config/validate", R"({"connector.class":"datagen","records":"-5","bogus":"1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto v = parse(r).as_object();
  EXPECT_EQ(v.at("name"), "datagen");
  EXPECT_EQ(v.at("error_count"), 4) << r.body;  // topic missing, records < 0, bogus unknown, no name
  std::map<std::string, json::array> errors;
  for (const auto& c : v.at("configs").as_array())
    errors[std::string(c.at("value").at("name").as_string())] = c.at("value").at("errors").as_array();
  EXPECT_EQ(errors.at("topic").size(), 1u);
  EXPECT_EQ(errors.at("records").size(), 1u);
  EXPECT_EQ(errors.at("bogus").size(), 1u);
  EXPECT_TRUE(errors.at("tasks.max").empty());
  ASSERT_EQ(errors.at("name").size(), 1u);
  EXPECT_EQ(errors.at("name").at(0), "Missing required configuration \"name\" which has no default value.");
  auto good = parse(call("PUT", "/connector-plugins/datagen/config/validate", R"({"topic":"t","name":"g"})"));
  EXPECT_EQ(good.at("error_count"), 0) << "connector.class defaults to the plugin in the path";
  EXPECT_EQ(parse(call("GET", "/connectors")), json::parse("[]")) << "validation creates nothing";
}

TEST_F(RestApiTest, LoggersCanBeReadAndChangedAtRunTime) {
  auto all = parse(call("GET", "/admin/loggers"));
  EXPECT_TRUE(all.as_object().contains("root"));
  auto put = call("PUT", "/admin/loggers/sluice.rest", R"({"level":"DEBUG"})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(parse(call("GET", "/admin/loggers/sluice.rest")).at("level"), "DEBUG");
  EXPECT_EQ(parse(call("GET", "/admin/loggers/sluice.rest.sub")).at("level"), "DEBUG") << "children inherit";
  expectError(call("PUT", "/admin/loggers/sluice.rest", R"({"level":"LOUD"})"), 400, "level");
  ASSERT_EQ(call("PUT", "/admin/loggers/sluice.rest", R"({"level":"INFO"})").status, 200);
}

TEST_F(RestApiTest, ActiveTopicsAreTrackedAndCanBeReset) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen", "topic-a")).status, 201);
  ASSERT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/topics")) == json::parse(R"({"gen":{"topics":["topic-a"]}})"); }, 10s))
      << call("GET", "/connectors/gen/topics").body;
  ASSERT_EQ(call("PUT", "/connectors/gen/pause").status, 202);
  ASSERT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/status")).at("tasks").at(0).at("state") == "PAUSED"; }, 10s));
  EXPECT_EQ(call("PUT", "/connectors/gen/topics/reset").status, 202);
  EXPECT_EQ(parse(call("GET", "/connectors/gen/topics")), json::parse(R"({"gen":{"topics":[]}})"));
  // Used again after the reset: recorded again (KIP-558).
  ASSERT_EQ(call("PUT", "/connectors/gen/resume").status, 202);
  EXPECT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/topics")) == json::parse(R"({"gen":{"topics":["topic-a"]}})"); }, 10s));
  expectError(call("GET", "/connectors/nope/topics"), 404, "nope");
}

TEST_F(RestApiTest, ATopicIsActiveOnceARecordOfItWasWrittenOrConsumed) {
  // KIP-558: a sink assigned a topic with no records has used nothing yet.
  ASSERT_TRUE(kafka_->ensureTopic("quiet", 1, 1).isOk());
  std::string out = dir_.file("out.txt");
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"sink","config":{"connector.class":"file-sink","topics":"quiet","file":")" + out + R"("}})").status, 201);
  std::string lag = "sluice_sink_task_consumer_lag_records{connector=\"sink\",kind=\"sink\",partition=\"0\",task=\"0\",topic=\"quiet\"}";
  ASSERT_TRUE(test::waitFor([&] { return metrics_.serialize().find(lag) != std::string::npos; }, 30s)) << "assigned and measured";
  EXPECT_EQ(parse(call("GET", "/connectors/sink/topics")), json::parse(R"({"sink":{"topics":[]}})"));
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"gen","config":{"connector.class":"datagen","topic":"quiet","records":"3"}})").status, 201);
  EXPECT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/sink/topics")) == json::parse(R"({"sink":{"topics":["quiet"]}})"); }, 30s))
      << call("GET", "/connectors/sink/topics").body;
  EXPECT_TRUE(test::waitFor([&] { return parse(call("GET", "/connectors/gen/topics")) == json::parse(R"({"gen":{"topics":["quiet"]}})"); }, 30s));
}

TEST_F(RestApiTest, OffsetsOfSourcesAndSinksInConnectsShape) {
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"gen","config":{"connector.class":"datagen","topic":"off","records":"100"}})").status, 201);
  ASSERT_TRUE(test::waitFor([&] {
    return parse(call("GET", "/connectors/gen/offsets")) == json::parse(R"({"offsets":[{"partition":{"task":0},"offset":{"seq":99}}]})");
  }, 30s)) << call("GET", "/connectors/gen/offsets").body;
  std::string out = dir_.file("out.txt");
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"sink","config":{"connector.class":"file-sink","topics":"off","file":")" + out + R"("}})").status, 201);
  ASSERT_TRUE(test::waitFor([&] {
    return parse(call("GET", "/connectors/sink/offsets")) ==
           json::parse(R"({"offsets":[{"partition":{"kafka_topic":"off","kafka_partition":0},"offset":{"kafka_offset":100}}]})");
  }, 30s)) << call("GET", "/connectors/sink/offsets").body;
  expectError(call("GET", "/connectors/nope/offsets"), 404, "nope");
}

TEST_F(RestApiTest, OffsetsPatchAndDeleteFollowKip875) {
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"gen","config":{"connector.class":"datagen","topic":"kp","records":"10"}})").status, 201);
  std::string body = R"({"offsets":[{"partition":{"task":0},"offset":{"seq":3}}]})";
  expectError(call("PATCH", "/connectors/gen/offsets", body), 400, "must be in the STOPPED state");
  expectError(call("DELETE", "/connectors/gen/offsets"), 400, "must be in the STOPPED state");
  ASSERT_EQ(call("PUT", "/connectors/gen/stop").status, 204);
  expectError(call("PATCH", "/connectors/gen/offsets", "{\"offsets\":{}}"), 400, "must be an array");
  expectError(call("PATCH", "/connectors/gen/offsets", "{}"), 400, "offsets");
  expectError(call("PATCH", "/connectors/gen/offsets", R"({"offsets":[{"partition":{"task":0}}]})"), 400, "offsets[0]");
  expectError(call("PATCH", "/connectors/nope/offsets", body), 404, "nope");
  auto altered = call("PATCH", "/connectors/gen/offsets", body);
  ASSERT_EQ(altered.status, 200) << altered.body;
  EXPECT_EQ(parse(altered), json::parse(R"({"message":"The offsets for this connector have been altered successfully"})"));
  EXPECT_EQ(parse(call("GET", "/connectors/gen/offsets")), json::parse(R"({"offsets":[{"partition":{"task":0},"offset":{"seq":3}}]})"));
  auto reset = call("DELETE", "/connectors/gen/offsets");
  ASSERT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(parse(reset), json::parse(R"({"message":"The offsets for this connector have been reset successfully"})"));
  EXPECT_EQ(parse(call("GET", "/connectors/gen/offsets")), json::parse(R"({"offsets":[]})"));
}

TEST_F(RestApiTest, CheckpointsReplayAndSavepoints) {
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"gen","config":{"connector.class":"datagen","topic":"rp","records":"40"}})").status, 201);
  json::value history;
  ASSERT_TRUE(test::waitFor([&] {
    history = parse(call("GET", "/connectors/gen/checkpoints"));
    auto& list = history.at("checkpoints").as_array();
    return !list.empty() && list[0].at("offsets") == json::parse(R"([{"partition":{"task":0},"offset":{"seq":39}}])");
  }, 30s)) << history;
  const auto& newest = history.at("checkpoints").as_array()[0].as_object();
  for (const char* k : {"id", "task", "time_ms", "watermark_ms", "origin", "state_keys", "bytes", "offsets"})
    EXPECT_TRUE(newest.contains(k)) << k;
  int64_t id = newest.at("id").as_int64();

  expectError(call("POST", "/connectors/gen/replay", "{}"), 400, "exactly one of");
  expectError(call("POST", "/connectors/gen/replay", R"({"checkpoint":0})"), 400, "positive integer");
  expectError(call("POST", "/connectors/gen/replay", R"({"checkpoint":123456})"), 400, "no checkpoint 123456");
  expectError(call("POST", "/connectors/gen/replay", R"({"checkpoint":1,"timestamp_ms":5})"), 400, "exactly one of");
  expectError(call("POST", "/connectors/gen/replay", R"({"when":1})"), 400, "Unrecognized field 'when'");
  expectError(call("POST", "/connectors/gen/replay", "not json"), 400, "not valid JSON");
  expectError(call("POST", "/connectors/nope/replay", R"({"checkpoint":1})"), 404, "nope");
  expectError(call("GET", "/connectors/nope/checkpoints"), 404, "nope");

  auto replayed = call("POST", "/connectors/gen/replay", R"({"offsets":[{"partition":{"task":0},"offset":{"seq":29}}]})");
  ASSERT_EQ(replayed.status, 202) << replayed.body;
  EXPECT_EQ(parse(replayed).at("state"), "cleared");
  EXPECT_EQ(parse(replayed).at("checkpoint"), nullptr);
  // The replay is itself a checkpoint: rewinding to the one before undoes it.
  auto back = call("POST", "/connectors/gen/replay", "{\"checkpoint\":" + std::to_string(id) + "}");
  ASSERT_EQ(back.status, 202) << back.body;
  EXPECT_EQ(parse(back).at("checkpoint").as_int64(), id);
  EXPECT_EQ(parse(back).at("state"), "restored");
  EXPECT_EQ(parse(back).at("offsets"), json::parse(R"([{"partition":{"task":0},"offset":{"seq":39}}])"));

  // Dead letters: gen has no DLQ; bad bodies are refused before anything runs.
  expectError(call("POST", "/connectors/gen/dlq/replay"), 409, "errors.deadletterqueue.topic.name");
  expectError(call("GET", "/connectors/gen/dlq"), 409, "no dead letter queue");
  expectError(call("POST", "/connectors/nope/dlq/replay"), 404, "nope");
  expectError(call("POST", "/connectors/gen/dlq/replay", R"({"max_records":0})"), 400, "max_records");
  expectError(call("POST", "/connectors/gen/dlq/replay", R"({"timeout_ms":"1s"})"), 400, "timeout_ms");
  expectError(call("POST", "/connectors/gen/dlq/replay", R"({"from":1})"), 400, "Unrecognized field 'from'");
  expectError(call("POST", "/connectors/gen/dlq/replay", "[1]"), 400, "JSON object");
  ASSERT_EQ(call("POST", "/connectors", R"({"name":"dl","config":{"connector.class":"file-sink","topics":"rp","file":")" +
                                            dir_.file("dl.txt") + R"(","errors.tolerance":"all","errors.deadletterqueue.topic.name":"dlq-rp"}})").status,
            201);
  auto empty = call("POST", "/connectors/dl/dlq/replay", R"({"max_records":5,"timeout_ms":5000})");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(parse(empty).at("replayed"), 0);
  EXPECT_EQ(parse(empty).at("remaining"), 0);
  EXPECT_EQ(parse(empty).at("group"), "connect-dl-dlq-replay");
  auto peek = call("GET", "/connectors/dl/dlq");
  ASSERT_EQ(peek.status, 200) << peek.body;
  EXPECT_FALSE(parse(peek).as_object().contains("replayed"));

  auto sp = call("POST", "/admin/savepoints");
  ASSERT_EQ(sp.status, 201) << sp.body;
  std::string path(parse(sp).at("path").as_string());
  EXPECT_TRUE(std::filesystem::exists(path + "/CURRENT")) << path;
}

TEST_F(RestApiTest, HealthSaysHealthyOnceStarted) {
  auto r = call("GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r).at("status"), "healthy");
}

TEST_F(RestApiTest, UnknownPathsAndMethods) {
  expectError(call("GET", "/nope"), 404, "Unknown path /nope");
  expectError(call("DELETE", "/connectors"), 405, "DELETE");
}

TEST_F(RestApiTest, MetricsAreServedInPrometheusTextFormat) {
  ASSERT_EQ(call("POST", "/connectors", datagen("gen")).status, 201);
  ASSERT_TRUE(test::waitFor([&] { return call("GET", "/metrics").body.find("sluice_task_records_out_total{connector=\"gen\"") != std::string::npos; }, 10s));
  auto r = call("GET", "/metrics");
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE sluice_task_records_out_total counter"), std::string::npos);
}

}  // namespace
}  // namespace sluice::rest
