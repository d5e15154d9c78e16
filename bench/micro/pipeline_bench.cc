// The record path without Kafka: each stateless transform alone and a chain
// of five, the converters both ways, the source offset tracker, and the cost
// of a plugin call across the C ABI per batch. Records are datagen-shaped
// JSON values of ~160 bytes, in batches of 2,000 (the tasks' batch limit).
// Every case reports records/s (items_per_second) and ns per record.
//
// A transform case times what a task does with a batch: build the records
// from their bytes, run the chain, and take the value bytes as the producer
// would (re-serialized once if a transform changed the document). "none" is
// that with no transform: subtract it to get a transform's own cost.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "host/config/connector_config.h"
#include "host/loader/registry.h"
#include "host/pipeline/offset_tracker.h"
#include "host/pipeline/transform_chain.h"
#include "host/record/converter.h"
#include "host/record/record.h"

namespace sluice::bench {
namespace {

using runtime::Record;
using runtime::RecordPart;
constexpr int kBatch = 2000;

std::vector<std::string> values(int n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i)
    out.push_back(R"({"seq":)" + std::to_string(1000000 + i) + R"(,"key":"key-)" + std::to_string(i % 10) +
                  R"(","ts":1796000000000,"payload":")" + std::string(98, 'x') + R"("})");
  return out;
}

void perRecord(benchmark::State& st, int64_t recordsPerIteration) {
  st.SetItemsProcessed(st.iterations() * recordsPerIteration);
  // A rate of (records / 1e9) per second, inverted: nanoseconds per record.
  st.counters["ns_per_record"] = benchmark::Counter(
      static_cast<double>(st.iterations() * recordsPerIteration) / 1e9,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// The built-in plugins, loaded once.
loader::Registry& registry() {
  static loader::Registry* r = [] {
    auto* reg = new loader::Registry;
    reg->scan({SLUICE_BENCH_PLUGIN_DIR});
    return reg;
  }();
  return *r;
}

struct Chain {
  config::ConnectorPlan plan;
  std::unique_ptr<runtime::TransformChain> chain;
  std::unique_ptr<runtime::Converter> json = runtime::makeConverter("json");
  std::unique_ptr<runtime::Converter> str = runtime::makeConverter("string");
  runtime::RecordContext rctx{str.get(), json.get(), {}};
  std::string error;

  explicit Chain(const std::map<std::string, std::string>& transforms) {
    config::ConfigMap m{{"connector.class", "file-sink"}, {"topics", "t"}};
    for (const auto& [k, v] : transforms) m[k] = v;
    auto v = config::validateConnector(registry(), "bench", m);
    if (!v.ok()) {
      error = v.message();
      return;
    }
    plan = v.plan;
    auto c = runtime::TransformChain::create(plan, 0);
    if (!c.isOk()) {
      error = c.status().message();
      return;
    }
    chain = std::move(*c);
  }
};

using Spec = std::map<std::string, std::string>;

// One transform "t" of the given type and options.
Spec one(const std::string& type, Spec opts = {}) {
  Spec s{{"transforms", "t"}, {"transforms.t.type", type}};
  for (const auto& [k, v] : opts) s["transforms.t." + k] = v;
  return s;
}

const std::vector<std::pair<std::string, Spec>>& cases() {
  static const std::vector<std::pair<std::string, Spec>> c = {
      {"none", {}},
      {"InsertField", one("InsertField$Value", {{"static.field", "x"}, {"static.value", "1"}})},
      {"ReplaceField", one("ReplaceField$Value", {{"exclude", "payload"}})},
      {"MaskField", one("MaskField$Value", {{"fields", "key"}})},
      {"Cast", one("Cast$Value", {{"spec", "seq:string"}})},
      {"ExtractField", one("ExtractField$Value", {{"field", "payload"}})},
      {"HoistField", one("HoistField$Value", {{"field", "wrapped"}})},
      {"Flatten", one("Flatten$Value")},
      {"ValueToKey", one("ValueToKey", {{"fields", "seq"}})},
      {"TimestampConverter", one("TimestampConverter$Value", {{"field", "ts"}, {"target.type", "string"},
                                                               {"format", "yyyy-MM-dd HH:mm:ss"}})},
      {"HeaderFrom", one("HeaderFrom$Value", {{"fields", "key"}, {"headers", "k"}, {"operation", "copy"}})},
      {"InsertHeader", one("InsertHeader", {{"header", "h"}, {"value.literal", "v"}})},
      {"DropHeaders", one("DropHeaders", {{"headers", "h"}})},
      {"RegexRouter", one("RegexRouter", {{"regex", "(.*)"}, {"replacement", "$1-out"}})},
      {"TimestampRouter", one("TimestampRouter")},
      {"chain5", {{"transforms", "a,b,c,d,e"},
                  {"transforms.a.type", "InsertField$Value"}, {"transforms.a.static.field", "x"},
                  {"transforms.a.static.value", "1"},
                  {"transforms.b.type", "ReplaceField$Value"}, {"transforms.b.exclude", "payload"},
                  {"transforms.c.type", "MaskField$Value"}, {"transforms.c.fields", "key"},
                  {"transforms.d.type", "Cast$Value"}, {"transforms.d.spec", "seq:string"},
                  {"transforms.e.type", "RegexRouter"}, {"transforms.e.regex", "(.*)"},
                  {"transforms.e.replacement", "$1-out"}}},
  };
  return c;
}

void BM_Transform(benchmark::State& st) {
  const auto& [name, spec] = cases()[static_cast<size_t>(st.range(0))];
  st.SetLabel(name);
  Chain c(spec);
  if (!c.error.empty()) {
    st.SkipWithError(c.error.c_str());
    return;
  }
  auto vals = values(kBatch);
  std::vector<Record> batch;
  for (auto _ : st) {
    batch.clear();
    batch.reserve(kBatch);
    for (const auto& v : vals) {
      Record& r = batch.emplace_back();
      r.ctx = &c.rctx;
      r.topic = "t";
      r.value = RecordPart(v);
    }
    if (!c.chain->apply(batch).isOk()) {
      st.SkipWithError("apply failed");
      return;
    }
    for (auto& r : batch) benchmark::DoNotOptimize(r.value.bytes(*c.json));
  }
  perRecord(st, kBatch);
}
BENCHMARK(BM_Transform)->DenseRange(0, 15)->Unit(benchmark::kMicrosecond);

// The cost of one plugin call across the ABI: DropHeaders (nothing to drop,
// the value untouched) on batches of N, per record.
void BM_PluginCallPerBatch(benchmark::State& st) {
  const int n = static_cast<int>(st.range(0));
  Chain c(one("DropHeaders", {{"headers", "h"}}));
  if (!c.error.empty()) {
    st.SkipWithError(c.error.c_str());
    return;
  }
  std::vector<Record> batch(static_cast<size_t>(n));
  for (auto& r : batch) {
    r.ctx = &c.rctx;
    r.topic = "t";
    r.value = RecordPart(std::string("v"));
  }
  for (auto _ : st) {
    if (!c.chain->apply(batch).isOk()) {
      st.SkipWithError("apply failed");
      return;
    }
  }
  perRecord(st, n);
}
BENCHMARK(BM_PluginCallPerBatch)->Arg(1)->Arg(16)->Arg(256)->Arg(2000);

// Converters: bytes to document (parse) and back (serialize), per record.
void BM_ConverterToDocument(benchmark::State& st, const char* name) {
  auto conv = runtime::makeConverter(name);
  auto vals = values(kBatch);
  std::vector<std::optional<std::string>> in(vals.begin(), vals.end());
  boost::json::value doc;
  for (auto _ : st) {
    for (const auto& v : in) {
      if (!conv->toDocument(v, &doc).isOk()) {
        st.SkipWithError("toDocument failed");
        return;
      }
      benchmark::DoNotOptimize(doc);
    }
  }
  perRecord(st, kBatch);
}
void BM_ConverterFromDocument(benchmark::State& st, const char* name) {
  auto conv = runtime::makeConverter(name);
  auto vals = values(kBatch);
  std::vector<boost::json::value> docs(vals.size());
  for (size_t i = 0; i < vals.size(); ++i) {
    if (!conv->toDocument(vals[i], &docs[i]).isOk()) {
      st.SkipWithError("toDocument failed");
      return;
    }
  }
  for (auto _ : st)
    for (const auto& d : docs) benchmark::DoNotOptimize(conv->fromDocument(d));
  perRecord(st, kBatch);
}
BENCHMARK_CAPTURE(BM_ConverterToDocument, json, "json");
BENCHMARK_CAPTURE(BM_ConverterToDocument, string, "string");
BENCHMARK_CAPTURE(BM_ConverterToDocument, bytearray, "bytearray");
BENCHMARK_CAPTURE(BM_ConverterFromDocument, json, "json");
BENCHMARK_CAPTURE(BM_ConverterFromDocument, string, "string");
BENCHMARK_CAPTURE(BM_ConverterFromDocument, bytearray, "bytearray");

// The source offset tracker: a batch of records of P source partitions added,
// acknowledged in order, then the committable offsets taken.
void BM_OffsetTracker(benchmark::State& st) {
  const int parts = static_cast<int>(st.range(0));
  std::vector<std::string> names;
  for (int p = 0; p < parts; ++p) names.push_back(R"({"file":"/data/in-)" + std::to_string(p) + R"("})");
  runtime::OffsetTracker t;
  std::vector<runtime::OffsetTracker::Entry*> entries(kBatch);
  int64_t seq = 0;
  for (auto _ : st) {
    for (int i = 0; i < kBatch; ++i, ++seq)
      entries[static_cast<size_t>(i)] = t.add(names[static_cast<size_t>(i % parts)], R"({"position":)" + std::to_string(seq) + "}");
    for (auto* e : entries) t.ack(e);
    benchmark::DoNotOptimize(t.takeCommittable());
  }
  perRecord(st, kBatch);
}
BENCHMARK(BM_OffsetTracker)->Arg(1)->Arg(16);

}  // namespace
}  // namespace sluice::bench
