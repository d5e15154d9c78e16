// Every built-in transform and predicate, driven through the real host record
// API by the cases in transform_cases.json (drawn from Kafka Connect's
// documented behaviour and its own unit tests). Each case names a plugin,
// a config, an input record and what must come out (or the error).
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "host/abi/plugin_instance.h"
#include "host/config/connector_config.h"
#include "host/loader/registry.h"
#include "tests/support/test_support.h"

namespace sluice::runtime {
namespace {
namespace json = boost::json;

struct Case {
  std::string name;
  json::object spec;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> loadCases() {
  auto v = json::parse(test::readFile(test::sourceDir() + "/tests/host/pipeline/transform_cases.json"));
  std::vector<Case> out;
  for (auto& c : v.as_array()) out.push_back({std::string(c.at("name").as_string()), c.as_object()});
  return out;
}

const loader::Registry& registry() {
  static loader::Registry* r = [] {
    auto* reg = new loader::Registry();
    reg->scan({test::pluginDir()});
    return reg;
  }();
  return *r;
}

std::optional<std::string> bytesOf(const json::object& in, const char* key) {
  auto* v = in.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return json::serialize(*v);
}

json::value parsedOr(std::optional<std::string_view> bytes) {
  if (!bytes) return nullptr;
  return json::parse(*bytes);
}

class TransformCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(TransformCaseTest, BehavesAsKafkaConnect) {
  const json::object& c = GetParam().spec;
  const json::object& expect = c.at("expect").as_object();
  std::string type(c.at("plugin").as_string());
  if (auto* v = c.if_contains("variant")) type += "$" + std::string(v->as_string());
  sluice_variant variant;
  const loader::Plugin* plugin = registry().findTransform(type, &variant);
  ASSERT_NE(plugin, nullptr) << type;

  config::ConfigMap raw, resolved;
  for (const auto& kv : c.at("config").as_object()) raw[std::string(kv.key())] = std::string(kv.value().as_string());
  std::vector<config::ConfigError> errors;
  config::validateAgainst(plugin->options, raw, "transforms.x.", &errors, &resolved);
  std::string createError;
  for (const auto& e : errors) createError += e.message + "\n";
  std::unique_ptr<PluginInstance> inst;
  if (errors.empty()) {
    PluginInstance::Args args;
    args.connectorName = "c";
    args.variant = variant;
    args.config = resolved;
    auto created = PluginInstance::create(plugin, std::move(args));
    if (created.isOk()) inst = std::move(*created);
    else createError = created.status().message();
  }
  if (auto* want = expect.if_contains("create_error")) {
    ASSERT_FALSE(createError.empty()) << "expected a config error containing: " << want->as_string();
    // Plugins quote the key ('name'); the host's validator writes it bare.
    std::string text(want->as_string());
    if (text.size() > 2 && text.front() == '\'' && text.back() == '\'') text = text.substr(1, text.size() - 2);
    EXPECT_NE(createError.find(text), std::string::npos) << createError;
    return;
  }
  ASSERT_TRUE(createError.empty()) << createError;

  const json::object empty;
  const json::object& in = c.contains("in") ? c.at("in").as_object() : empty;
  auto conv = makeConverter("json");
  RecordContext rctx{conv.get(), conv.get(), {}};
  Record r;
  r.ctx = &rctx;
  r.topic = in.contains("topic") ? std::string(in.at("topic").as_string()) : "t";
  r.partition = in.contains("partition") ? static_cast<int32_t>(in.at("partition").to_number<int64_t>()) : 0;
  r.offset = in.contains("offset") ? in.at("offset").to_number<int64_t>() : 5;
  r.timestampMs = in.contains("ts") ? in.at("ts").to_number<int64_t>() : 1700000000000;
  r.key = RecordPart(bytesOf(in, "key"));
  r.value = RecordPart(bytesOf(in, "value"));
  if (auto* hs = in.if_contains("headers"))
    for (const auto& h : hs->as_array()) {
      Header hd{std::string(h.at(0).as_string()), std::nullopt};
      if (!h.at(1).is_null()) hd.value = std::string(h.at(1).as_string());
      r.headers.push_back(hd);
    }
  BatchView batch;
  batch.records.push_back(&r);

  if (plugin->kind == SLUICE_KIND_PREDICATE) {
    uint8_t result = 2;
    Status s = inst->test(batch, &result);
    ASSERT_TRUE(s.isOk()) << s.message();
    EXPECT_EQ(result != 0, expect.at("result").as_bool());
    return;
  }
  Status s = inst->apply(batch);
  if (auto* want = expect.if_contains("error")) {
    ASSERT_FALSE(s.isOk()) << "expected an error containing: " << want->as_string();
    EXPECT_NE(s.message().find(std::string(want->as_string())), std::string::npos) << s.message();
    return;
  }
  ASSERT_TRUE(s.isOk()) << s.message();
  if (auto* d = expect.if_contains("dropped")) {
    EXPECT_EQ(r.dropped, d->as_bool());
  }
  if (auto* v = expect.if_contains("value")) {
    EXPECT_EQ(parsedOr(r.value.bytes(*conv)), *v) << json::serialize(*v);
  }
  if (auto* k = expect.if_contains("key")) {
    EXPECT_EQ(parsedOr(r.key.bytes(*conv)), *k) << json::serialize(*k);
  }
  if (auto* t = expect.if_contains("topic")) {
    EXPECT_EQ(r.topic, t->as_string());
  }
  if (auto* hs = expect.if_contains("headers")) {
    json::array got;
    for (const auto& h : r.headers) got.push_back(json::array{json::string(h.key), h.value ? json::value(json::string(*h.value)) : json::value(nullptr)});
    EXPECT_EQ(json::value(got), *hs) << json::serialize(got);
  }
}

std::string caseName(const ::testing::TestParamInfo<Case>& info) {
  std::string n;
  for (char ch : info.param.name) n += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return std::to_string(info.index) + "_" + n;
}

INSTANTIATE_TEST_SUITE_P(Cases, TransformCaseTest, ::testing::ValuesIn(loadCases()), caseName);

}  // namespace
}  // namespace sluice::runtime
