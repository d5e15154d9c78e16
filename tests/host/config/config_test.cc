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
  EXPECT_FALSE(WorkerConfig::parse(R"({"listeners":"https://x:1"})").isOk());
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
