// Secret connector options (type password, or "secret": true) are shown as
// "[hidden]" in every REST answer that echoes a config, and never logged.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/host/rest/rest_fixture.h"

namespace sluice::rest {
namespace {
namespace json = boost::json;

const std::string kSecret = "hunter2-Zq9xVw";

class RedactionTest : public test::RestFixture {
 protected:
  std::string sinkConfig(const std::string& password, const std::string& extra = "") {
    return R"({"connector.class":"test-sink","topics":"redact","file":")" + dir_.file("out.txt") + R"(","password":")" +
           password + "\"" + extra + "}";
  }
  std::string sink(const std::string& name, const std::string& password) {
    return R"({"name":")" + name + R"(","config":)" + sinkConfig(password) + "}";
  }
  // Every answer that echoes the connector's config, as one string.
  std::string everyEcho(const std::string& name) {
    return call("GET", "/connectors/" + name).body + call("GET", "/connectors/" + name + "/config").body +
           call("GET", "/connectors/" + name + "/tasks").body + call("GET", "/connectors?expand=info").body +
           call("GET", "/connectors?expand=info&expand=status").body;
  }
  std::string storedPassword(const std::string& name) {
    auto cfg = herder_->configOf(name);
    return cfg.isOk() && cfg->count("password") ? cfg->at("password") : "";
  }
};

TEST_F(RedactionTest, SecretsAreHiddenInEveryAnswerThatEchoesAConfig) {
  auto created = call("POST", "/connectors", sink("s", kSecret));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parse(created).at("config").at("password"), "[hidden]");
  EXPECT_EQ(parse(call("GET", "/connectors/s/config")).at("password"), "[hidden]");
  EXPECT_EQ(parse(call("GET", "/connectors/s")).at("config").at("password"), "[hidden]");
  EXPECT_EQ(parse(call("GET", "/connectors/s/tasks")).at(0).at("config").at("password"), "[hidden]");
  EXPECT_EQ(parse(call("GET", "/connectors?expand=info")).at("s").at("info").at("config").at("password"), "[hidden]");
  std::string all = everyEcho("s");
  EXPECT_EQ(all.find(kSecret), std::string::npos) << all;

  auto put = call("PUT", "/connectors/s/config", sinkConfig(kSecret + "-2"));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body.find(kSecret), std::string::npos) << put.body;
  auto patch = call("PATCH", "/connectors/s/config", R"({"password":")" + kSecret + R"(-3"})");
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(patch.body.find(kSecret), std::string::npos) << patch.body;
  EXPECT_EQ(storedPassword("s"), kSecret + "-3") << "hidden in answers, not lost";

  auto validated = call("PUT", "/connector-plugins/test-sink/config/validate", sinkConfig(kSecret));
  ASSERT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(validated.body.find(kSecret), std::string::npos) << validated.body;
}

TEST_F(RedactionTest, HiddenValueSentBackKeepsTheStoredSecret) {
  ASSERT_EQ(call("POST", "/connectors", sink("s", kSecret)).status, 201);
  auto cfg = parse(call("GET", "/connectors/s/config")).as_object();
  ASSERT_EQ(cfg.at("password"), "[hidden]");
  cfg["format"] = "json";
  auto put = call("PUT", "/connectors/s/config", json::serialize(cfg));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(storedPassword("s"), kSecret) << "a GET, edit, PUT round trip must not store the text [hidden]";
  EXPECT_EQ(parse(call("GET", "/connectors/s/config")).at("format"), "json");
}

TEST_F(RedactionTest, ProviderPlaceholdersAreShownAsTheyAre) {
  ::setenv("SLUICE_TEST_SINK_PASSWORD", kSecret.c_str(), 1);
  auto created = call("POST", "/connectors", sink("s", "${env:SLUICE_TEST_SINK_PASSWORD}"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(parse(call("GET", "/connectors/s/config")).at("password"), "${env:SLUICE_TEST_SINK_PASSWORD}");
  // Literal text around a placeholder may be part of the secret: hidden.
  ASSERT_EQ(call("POST", "/connectors", sink("t", "pre-${env:SLUICE_TEST_SINK_PASSWORD}")).status, 201);
  EXPECT_EQ(parse(call("GET", "/connectors/t/config")).at("password"), "[hidden]");
  std::string all = everyEcho("s") + everyEcho("t");
  EXPECT_EQ(all.find(kSecret), std::string::npos) << all;
  ::unsetenv("SLUICE_TEST_SINK_PASSWORD");
}

TEST_F(RedactionTest, SecretsNeverReachTheLog) {
  log::setLevel("sluice", log::Level::kTrace);
  ::testing::internal::CaptureStderr();
  ASSERT_EQ(call("POST", "/connectors", sink("s", kSecret)).status, 201);
  call("GET", "/connectors/s/config");
  call("PUT", "/connectors/s/config", sinkConfig(kSecret, R"(,"format":"neither")"));  // refused: invalid format
  call("PUT", "/connector-plugins/test-sink/config/validate", sinkConfig(kSecret));
  call("DELETE", "/connectors/s");
  std::string logged = ::testing::internal::GetCapturedStderr();
  log::setLevel("sluice", log::levelOf("root"));
  EXPECT_NE(logged.find("created connector s"), std::string::npos) << "the log was captured: " << logged;
  EXPECT_EQ(logged.find(kSecret), std::string::npos) << logged;
}

}  // namespace
}  // namespace sluice::rest
