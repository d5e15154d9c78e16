#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>

#include "host/config/connector_config.h"
#include "host/config/options.h"
#include "host/config/providers.h"
#include "host/config/worker_config.h"
#include "tests/support/test_support.h"

namespace sluice::config {
namespace {

class ConnectorConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new loader::Registry();
    registry_->scan({test::pluginDir()});
  }
  static void TearDownTestSuite() { delete registry_; }
  static ValidationResult validate(const ConfigMap& m, const std::string& name = "c1") {
    return validateConnector(*registry_, name, m);
  }
  static bool hasError(const ValidationResult& r, const std::string& key, const std::string& text = "") {
    for (const auto& e : r.errors)
      if (e.key == key && e.message.find(text) != std::string::npos) return true;
    return false;
  }
  static loader::Registry* registry_;
};
loader::Registry* ConnectorConfigTest::registry_ = nullptr;

TEST_F(ConnectorConfigTest, AcceptsValidSourceAndAppliesDefaults) {
  auto r = validate({{"connector.class", "datagen"}, {"topic", "t"}, {"tasks.max", "3"}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.plan.taskCount, 3);
  EXPECT_EQ(r.plan.defaultTopic, "t");
  EXPECT_EQ(r.plan.pluginConfig.at("records"), "0");
  EXPECT_EQ(r.plan.valueConverter, "json");
  EXPECT_EQ(r.plan.keyConverter, "string");
}

TEST_F(ConnectorConfigTest, CapsTasksAtPluginMaximum) {
  auto r = validate({{"connector.class", "FileStreamSource"}, {"file", "/tmp/x"}, {"topic", "t"}, {"tasks.max", "4"}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.plan.tasksMax, 4);
  EXPECT_EQ(r.plan.taskCount, 1);
}

TEST_F(ConnectorConfigTest, RejectsUnknownAndInvalidKeysByName) {
  auto r = validate({{"connector.class", "datagen"}, {"topic", "t"}, {"tasks.max", "zero"},
                     {"recordz", "5"}, {"records", "-1"}});
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(hasError(r, "recordz", "Unknown configuration 'recordz'"));
  EXPECT_TRUE(hasError(r, "tasks.max", "Not a number"));
  EXPECT_TRUE(hasError(r, "records", "Value must be at least 0"));
  EXPECT_NE(r.message().find("contains the following 3 error(s)"), std::string::npos) << r.message();
}

TEST_F(ConnectorConfigTest, RequiresConnectorClassAndPluginOptions) {
  EXPECT_TRUE(hasError(validate({{"topic", "t"}}), "connector.class", "Missing required configuration"));
  EXPECT_TRUE(hasError(validate({{"connector.class", "nope"}}), "connector.class", "Failed to find any class"));
  EXPECT_TRUE(hasError(validate({{"connector.class", "datagen"}}), "topic", "Missing required configuration \"topic\""));
}

TEST_F(ConnectorConfigTest, SinkNeedsExactlyOneOfTopicsAndRegex) {
  EXPECT_TRUE(hasError(validate({{"connector.class", "file-sink"}}), "topics", "Must configure one of topics or topics.regex"));
  EXPECT_TRUE(hasError(validate({{"connector.class", "file-sink"}, {"topics", "a"}, {"topics.regex", "b.*"}}), "topics", "mutually exclusive"));
  EXPECT_TRUE(hasError(validate({{"connector.class", "file-sink"}, {"topics.regex", "(unclosed"}}), "topics.regex"));
  auto ok = validate({{"connector.class", "file-sink"}, {"topics", "a, b"}});
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ(ok.plan.topics, (std::vector<std::string>{"a", "b"}));
}

TEST_F(ConnectorConfigTest, ValidatesTransformsAndPredicates) {
  ConfigMap m{{"connector.class", "file-sink"}, {"topics", "a"},
              {"transforms", "ins,route"},
              {"transforms.ins.type", "org.apache.kafka.connect.transforms.InsertField$Value"},
              {"transforms.ins.static.field", "f"}, {"transforms.ins.static.value", "v"},
              {"transforms.ins.predicate", "isA"}, {"transforms.ins.negate", "true"},
              {"transforms.route.type", "RegexRouter"}, {"transforms.route.regex", "a"},
              {"transforms.route.replacement", "b"},
              {"predicates", "isA"}, {"predicates.isA.type", "TopicNameMatches"}, {"predicates.isA.pattern", "a"}};
  auto r = validate(m);
  ASSERT_TRUE(r.ok()) << r.message();
  ASSERT_EQ(r.plan.transforms.size(), 2u);
  EXPECT_EQ(r.plan.transforms[0].variant, SLUICE_VARIANT_VALUE);
  EXPECT_EQ(r.plan.transforms[0].predicate, "isA");
  EXPECT_TRUE(r.plan.transforms[0].negate);

  m["transforms.ins.bogus"] = "1";
  m["transforms.ins.predicate"] = "missing";
  m["transforms.ghost.type"] = "Filter";
  m["transforms.route.type"] = "NoSuchTransform";
  auto bad = validate(m);
  EXPECT_TRUE(hasError(bad, "transforms.ins.bogus", "Unknown configuration"));
  EXPECT_TRUE(hasError(bad, "transforms.ins.predicate", "no predicate with that alias"));
  EXPECT_TRUE(hasError(bad, "transforms.ghost.type", "alias 'ghost' is not listed"));
  EXPECT_TRUE(hasError(bad, "transforms.route.type", "no transformation plugin of that name"));
}

TEST_F(ConnectorConfigTest, RejectsUnknownConverterAndSchemas) {
  auto r = validate({{"connector.class", "datagen"}, {"topic", "t"}, {"value.converter", "avro"},
                     {"value.converter.schemas.enable", "true"}});
  EXPECT_TRUE(hasError(r, "value.converter", "unknown converter"));
  EXPECT_TRUE(hasError(r, "value.converter.schemas.enable", "not supported"));
  auto ok = validate({{"connector.class", "datagen"}, {"topic", "t"},
                      {"value.converter", "org.apache.kafka.connect.storage.StringConverter"}});
  EXPECT_TRUE(ok.ok()) << ok.message();
}

TEST_F(ConnectorConfigTest, NameInConfigMustMatch) {
  auto r = validate({{"connector.class", "datagen"}, {"topic", "t"}, {"name", "other"}}, "c1");
  EXPECT_TRUE(hasError(r, "name", "does not match"));
}

TEST_F(ConnectorConfigTest, ResolvesConfigProvidersBeforeValidating) {
  ::setenv("SLUICE_TEST_TOPIC", "from-env", 1);
  test::TempDir dir;
  test::writeFile(dir.file("secrets.properties"), "# comment\nrecords = 42\n");
  auto r = validate({{"connector.class", "datagen"}, {"topic", "${env:SLUICE_TEST_TOPIC}"},
                     {"records", "${file:" + dir.file("secrets.properties") + ":records}"}});
  ASSERT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(r.plan.defaultTopic, "from-env");
  EXPECT_EQ(r.plan.pluginConfig.at("records"), "42");
  auto bad = validate({{"connector.class", "datagen"}, {"topic", "${env:SLUICE_TEST_UNSET_VAR}"}});
  EXPECT_TRUE(hasError(bad, "topic", "SLUICE_TEST_UNSET_VAR is not set"));
}

TEST(ProvidersTest, TellsValuesMadeOnlyOfProviderReferences) {
  EXPECT_TRUE(onlyProviderReferences("${env:A}"));
  EXPECT_TRUE(onlyProviderReferences("${env:A}${file:/p:k}"));
  EXPECT_FALSE(onlyProviderReferences(""));
  EXPECT_FALSE(onlyProviderReferences("a${env:A}"));
  EXPECT_FALSE(onlyProviderReferences("${env:A}b"));
  EXPECT_FALSE(onlyProviderReferences("${topic}"));
  EXPECT_FALSE(onlyProviderReferences("${env:A"));
}

TEST(ProvidersTest, LeavesNonProviderPlaceholdersAlone) {
  auto r = resolveValue("${topic}-${timestamp}");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(*r, "${topic}-${timestamp}");
}

TEST(ProvidersTest, FileProviderNamesMissingKeyAndFile) {
  test::TempDir dir;
  test::writeFile(dir.file("p.properties"), "a=1\nb: two\n");
  EXPECT_EQ(*resolveValue("x${file:" + dir.file("p.properties") + ":b}y"), "xtwoy");
  auto missingKey = resolveValue("${file:" + dir.file("p.properties") + ":c}");
  ASSERT_FALSE(missingKey.isOk());
  EXPECT_NE(missingKey.status().message().find("no key 'c'"), std::string::npos);
  auto missingFile = resolveValue("${file:/nonexistent/x.properties:c}");
  ASSERT_FALSE(missingFile.isOk());
  EXPECT_NE(missingFile.status().message().find("/nonexistent/x.properties"), std::string::npos);
}

// The option table drives parsing and docs/configuration.md: every key it
// lists takes its documented default, and its limits are enforced by name.
TEST(WorkerConfigTest, TheOptionTableIsWhatParsingAccepts) {
  size_t checked = 0;
  for (bool security : {false, true})
    for (const auto& o : workerOptionTable(security)) {
      EXPECT_FALSE(o.doc.empty()) << o.name;
      if (!o.defaultValue || o.name.ends_with("*")) continue;
      boost::json::object cfg{{o.name, *o.defaultValue}};
      auto w = WorkerConfig::parse(boost::json::serialize(cfg));
      EXPECT_TRUE(w.isOk()) << o.name << "=" << *o.defaultValue << ": " << w.status().message();
      ++checked;
    }
  EXPECT_GE(checked, 15u);
  for (const auto& [cfg, want] : std::vector<std::pair<std::string, std::string>>{
           {R"({"rest.threads":2000})", "'rest.threads': must be at most 1024"},
           {R"({"rest.request.timeout.ms":50})", "'rest.request.timeout.ms': must be at least 100"},
           {R"({"checkpoint.retain":0})", "'checkpoint.retain': must be a positive integer"},
           {R"({"log.format":"xml"})", "'log.format': must be text or json"},
           {R"({"producer.":"x"})", "unknown worker config key 'producer.'"}}) {
    auto w = WorkerConfig::parse(cfg);
    ASSERT_FALSE(w.isOk()) << cfg;
    EXPECT_NE(w.status().message().find(want), std::string::npos) << w.status().message();
  }
  auto w = WorkerConfig::parse(R"({"value.converter":"json","value.converter.schemas.enable":"false","admin.x":"1"})");
  ASSERT_TRUE(w.isOk()) << w.status().message();
  EXPECT_EQ(w->connectorDefaults.at("value.converter.schemas.enable"), "false");
  EXPECT_EQ(w->adminOverrides.at("x"), "1");
}

TEST(WorkerConfigTest, ParsesKeysAndOverrides) {
  auto w = WorkerConfig::parse(R"({"listeners":"http://127.0.0.1:9000","plugin.path":["/a","/b"],
    "state.dir":"/tmp/s","bootstrap.servers":"k:9092","producer.linger.ms":10,"consumer.fetch.min.bytes":"1",
    "offset.flush.interval.ms":250,"log.format":"json"})");
  ASSERT_TRUE(w.isOk()) << w.status().message();
  EXPECT_EQ(w->listenAddress(), "127.0.0.1:9000");
  EXPECT_EQ(w->pluginPath, (std::vector<std::string>{"/a", "/b"}));
  EXPECT_EQ(w->producerOverrides.at("linger.ms"), "10");
  EXPECT_EQ(w->consumerOverrides.at("fetch.min.bytes"), "1");
  EXPECT_EQ(w->offsetFlushIntervalMs, 250);
  EXPECT_TRUE(w->logJson);
}

TEST(WorkerConfigTest, RejectsUnknownKeysAndBadValuesByName) {
  auto unknown = WorkerConfig::parse(R"({"listner":"http://x:1"})");
  ASSERT_FALSE(unknown.isOk());
  EXPECT_NE(unknown.status().message().find("'listner'"), std::string::npos);
  auto bad = WorkerConfig::parse(R"({"offset.flush.interval.ms":"soon"})");
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("offset.flush.interval.ms"), std::string::npos);
  EXPECT_FALSE(WorkerConfig::parse("[1,2]").isOk());
  EXPECT_FALSE(WorkerConfig::parse("{not json").isOk());
  auto https = WorkerConfig::parse(R"({"listeners":"https://x:1"})");
  ASSERT_FALSE(https.isOk());
  EXPECT_NE(https.status().message().find("'listeners.https.ssl.certificate.location'"), std::string::npos) << https.status().message();
}

TEST(WorkerConfigTest, ListenersDefaultToLoopbackAndAcceptHttpAndHttps) {
  auto def = WorkerConfig::parse("{}");
  ASSERT_TRUE(def.isOk());
  ASSERT_EQ(def->rest.listeners.size(), 1u);
  EXPECT_EQ(def->rest.listeners[0].url(), "http://127.0.0.1:8083");
  EXPECT_FALSE(def->rest.authEnabled());
  EXPECT_EQ(def->rest.maxRequestBytes, 1024 * 1024);
  auto w = WorkerConfig::parse(R"({"listeners":"http://127.0.0.1:8083, HTTPS://:8443,https://[::1]:9443/",
    "listeners.https.ssl.certificate.location":"/c.pem","listeners.https.ssl.key.location":"/k.pem"})");
  ASSERT_TRUE(w.isOk()) << w.status().message();
  ASSERT_EQ(w->rest.listeners.size(), 3u);
  EXPECT_FALSE(w->rest.listeners[0].tls);
  EXPECT_TRUE(w->rest.listeners[1].tls);
  EXPECT_EQ(w->rest.listeners[1].host, "");
  EXPECT_EQ(w->rest.listeners[1].port, 8443);
  EXPECT_EQ(w->rest.listeners[2].url(), "https://[::1]:9443");
  EXPECT_EQ(w->listenAddress(), "127.0.0.1:8083");
  EXPECT_EQ(w->rest.tlsCertificateLocation, "/c.pem");
  auto noKey = WorkerConfig::parse(R"({"listeners":"https://x:1","listeners.https.ssl.certificate.location":"/c.pem"})");
  ASSERT_FALSE(noKey.isOk());
  EXPECT_NE(noKey.status().message().find("'listeners.https.ssl.key.location'"), std::string::npos);
  for (const char* bad : {"ftp://x:1", "http://x", "http://x:70000", "http://x:1,http://x:1", "127.0.0.1:8083", "", "http://a b:1"}) {
    auto r = WorkerConfig::parse(std::string(R"({"listeners":")") + bad + "\"}");
    ASSERT_FALSE(r.isOk()) << bad;
    EXPECT_NE(r.status().message().find("'listeners'"), std::string::npos) << r.status().message();
  }
}

TEST(WorkerConfigTest, AuthCredentialsResolveProvidersAndErrorsNeverShowSecrets) {
  ::setenv("SLUICE_TEST_REST_TOKEN", "tok-from-env-91", 1);
  auto w = WorkerConfig::parse(R"({
    "rest.auth.tokens":[{"name":"ci","token":"${env:SLUICE_TEST_REST_TOKEN}","role":"admin"},{"name":"dash","token":"t2-abc","role":"read"}],
    "rest.auth.users":[{"user":"ops","password":"pw-1","role":"read"}],
    "rest.auth.metrics.anonymous":true,"rest.max.request.bytes":2048,
    "access.control.allow.origin":"https://a.example, https://b.example","access.control.allow.methods":"get,Post"})");
  ASSERT_TRUE(w.isOk()) << w.status().message();
  ASSERT_EQ(w->rest.tokens.size(), 2u);
  EXPECT_EQ(w->rest.tokens[0].secret, "tok-from-env-91");
  EXPECT_EQ(w->rest.tokens[0].role, Role::kAdmin);
  EXPECT_EQ(w->rest.tokens[1].role, Role::kRead);
  EXPECT_EQ(w->rest.users[0].name, "ops");
  EXPECT_TRUE(w->rest.authEnabled());
  EXPECT_TRUE(w->rest.metricsAnonymous);
  EXPECT_EQ(w->rest.maxRequestBytes, 2048);
  EXPECT_EQ(w->rest.corsAllowOrigins, (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_EQ(w->rest.corsAllowMethods, (std::vector<std::string>{"GET", "POST"}));

  struct Case {
    const char* json;
    const char* key;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"rest.auth.tokens":{"name":"x"}})", "'rest.auth.tokens'"},
           {R"({"rest.auth.tokens":[{"name":"ci","token":"s3cr3t-A","role":"root"}]})", "'rest.auth.tokens[0].role'"},
           {R"({"rest.auth.tokens":[{"name":"ci","token":"s3cr3t-A"}]})", "'rest.auth.tokens[0].role'"},
           {R"({"rest.auth.tokens":[{"name":"ci","token":"s3cr3t-A","role":"read","extra":"s3cr3t-A"}]})", "unknown field 'extra'"},
           {R"({"rest.auth.tokens":[{"token":"s3cr3t-A","role":"read"}]})", "'rest.auth.tokens[0].name'"},
           {R"({"rest.auth.tokens":[{"name":"ci","token":"","role":"read"}]})", "'rest.auth.tokens[0].token'"},
           {R"({"rest.auth.tokens":[{"name":"a","token":"s3cr3t-A","role":"read"},{"name":"b","token":"s3cr3t-A","role":"admin"}]})",
            "'rest.auth.tokens[1].token'"},
           {R"({"rest.auth.users":[{"user":"a","password":"s3cr3t-A","role":"read"},{"user":"a","password":"s3cr3t-B","role":"read"}]})",
            "'rest.auth.users[1].user'"},
           {R"({"rest.auth.users":[{"user":"a:b","password":"s3cr3t-A","role":"read"}]})", "'rest.auth.users[0].user'"},
           {R"({"rest.auth.users":[{"user":"a","password":"${env:SLUICE_TEST_UNSET_VAR}","role":"read"}]})", "SLUICE_TEST_UNSET_VAR is not set"},
           {R"({"rest.auth.metrics.anonymous":"yes"})", "'rest.auth.metrics.anonymous'"},
           {R"({"rest.max.request.bytes":0})", "'rest.max.request.bytes'"},
           {R"({"rest.max.request.bytes":"1MB"})", "'rest.max.request.bytes'"},
           {R"({"access.control.allow.methods":"GET,PO ST"})", "'access.control.allow.methods'"},
       }) {
    auto r = WorkerConfig::parse(c.json);
    ASSERT_FALSE(r.isOk()) << c.json;
    EXPECT_NE(r.status().message().find(c.key), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("s3cr3t"), std::string::npos) << "a secret in an error: " << r.status().message();
  }
  ::unsetenv("SLUICE_TEST_REST_TOKEN");
}

TEST(OptionsTest, ValidatesTypesRangesAndEnums) {
  OptionDef d;
  d.name = "n";
  d.type = "int";
  d.min = 1;
  d.max = 10;
  EXPECT_FALSE(validateValue(d, "5").has_value());
  EXPECT_TRUE(validateValue(d, "0").has_value());
  EXPECT_TRUE(validateValue(d, "11").has_value());
  EXPECT_TRUE(validateValue(d, "5x").has_value());
  EXPECT_TRUE(validateValue(d, "3000000000").has_value());
  d.type = "boolean";
  d.min.reset();
  d.max.reset();
  EXPECT_FALSE(validateValue(d, "true").has_value());
  EXPECT_TRUE(validateValue(d, "yes").has_value());
  d.type = "string";
  d.allowed = {"a", "b"};
  EXPECT_FALSE(validateValue(d, "a").has_value());
  EXPECT_NE(validateValue(d, "c")->find("String must be one of: a, b"), std::string::npos);
}

TEST(OptionsTest, SecretOptionsAreHiddenInMessagesAndWhenShown) {
  auto t = parseOptionTable(R"([{"name":"pw","type":"password"},{"name":"key","type":"string","secret":true,"validator":{"enum":["a"]}},{"name":"plain"}])");
  ASSERT_TRUE(t.isOk()) << t.status().message();
  EXPECT_TRUE((*t)[0].secret());
  EXPECT_TRUE((*t)[1].secret());
  EXPECT_FALSE((*t)[2].secret());
  auto msg = validateValue((*t)[1], "s3cr3t-value");
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->find("s3cr3t-value"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("Invalid value [hidden] for configuration key"), std::string::npos) << *msg;
  EXPECT_EQ(shownValue((*t)[0], "s3cr3t-value"), "[hidden]");
  EXPECT_EQ(shownValue((*t)[0], "${env:DB_PASSWORD}"), "${env:DB_PASSWORD}");
  EXPECT_EQ(shownValue((*t)[0], "${file:/etc/db.properties:pw}${env:X}"), "${file:/etc/db.properties:pw}${env:X}");
  EXPECT_EQ(shownValue((*t)[0], "x${env:DB_PASSWORD}"), "[hidden]");
  EXPECT_EQ(shownValue((*t)[0], "${topic}"), "[hidden]") << "not a provider reference";
  EXPECT_EQ(shownValue((*t)[2], "visible"), "visible");
}

TEST(OptionsTest, AcceptsNumericDefaultsAsText) {
  auto t = parseOptionTable(R"([{"name":"n","type":"int","default":5},{"name":"b","type":"boolean","default":true},{"name":"o","default":{}}])");
  ASSERT_FALSE(t.isOk());
  EXPECT_NE(t.status().message().find("option 'o'"), std::string::npos);
  t = parseOptionTable(R"([{"name":"n","type":"int","default":5},{"name":"b","type":"boolean","default":true}])");
  ASSERT_TRUE(t.isOk());
  EXPECT_EQ((*t)[0].defaultValue.value_or(""), "5");
  EXPECT_EQ((*t)[1].defaultValue.value_or(""), "true");
}

TEST(OptionsTest, RendersMarkdownTable) {
  auto t = parseOptionTable(R"([{"name":"a.b","type":"int","required":true,"default":null,"doc":"x|y","validator":{"min":0}}])");
  ASSERT_TRUE(t.isOk());
  std::string md = optionsMarkdown(*t);
  EXPECT_NE(md.find("| `a.b` | int |  | yes | x\\|y Minimum 0. |"), std::string::npos) << md;
}

}  // namespace
}  // namespace sluice::config
