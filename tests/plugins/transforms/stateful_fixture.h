#pragma once
// Runs stateful transforms through a real TransformChain with operator state
// in a StateBuffer, the way a task does, and takes the buffer through
// checkpoint-like commits into a RocksStore.

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "host/config/connector_config.h"
#include "host/pipeline/state_buffer.h"
#include "host/pipeline/transform_chain.h"
#include "host/state/rocks_store.h"
#include "tests/support/test_support.h"

namespace sluice::runtime {

/// What a record looks like after the chain: only what a sink would see.
struct Out {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t ts = 0;
  bool operator==(const Out&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Out& o) {
  return os << "{" << o.topic << ", key=" << o.key.value_or("<null>") << ", " << o.value.value_or("<null>")
            << ", ts=" << o.ts << "}";
}

class StatefulChainTest : public ::testing::Test {
 protected:
  static constexpr const char* kConnector = "c";

  void SetUp() override { registry_.scan({test::pluginDir()}); }

  /// The validated plan of a sink connector with these transform keys.
  config::ValidationResult validate(const config::ConfigMap& transforms) {
    config::ConfigMap m{{"connector.class", "file-sink"}, {"topics", "in"}};
    for (const auto& [k, v] : transforms) m[k] = v;
    return config::validateConnector(registry_, kConnector, m);
  }

  /// A chain whose stages keep their state in `state`. Each call starts new
  /// plugin instances, as a restarted task does.
  std::unique_ptr<TransformChain> chain(StateBuffer& state, const config::ConfigMap& transforms) {
    auto v = validate(transforms);
    EXPECT_TRUE(v.ok()) << v.message();
    plans_.push_back(std::make_unique<config::ConnectorPlan>(v.plan));
    auto c = TransformChain::create(*plans_.back(), 0, TaskHooks{&state, nullptr, &rctx_});
    EXPECT_TRUE(c.isOk()) << c.status().message();
    return c.isOk() ? std::move(*c) : nullptr;
  }

  Record record(std::optional<std::string> key, std::string value, int64_t ts, std::string topic = "in") {
    Record r;
    r.ctx = &rctx_;
    r.topic = std::move(topic);
    r.key = RecordPart(std::move(key));
    r.value = RecordPart(std::move(value));
    r.timestampMs = ts;
    return r;
  }

  /// Apply the chain to one batch; the records that come out (not dropped).
  std::vector<Out> run(TransformChain& c, std::vector<Record> batch) {
    Status s = c.apply(batch);
    EXPECT_TRUE(s.isOk()) << s.message();
    std::vector<Out> out;
    for (auto& r : batch)
      if (!r.dropped) out.push_back({r.topic, ownedBytes(r.key.bytes(*rctx_.key)), ownedBytes(r.value.bytes(*rctx_.value)), r.timestampMs});
    return out;
  }

  /// Run each record as a batch of its own, concatenating the outputs.
  std::vector<Out> runEach(TransformChain& c, const std::vector<Record>& records) {
    std::vector<Out> out;
    for (const auto& r : records) {
      auto o = run(c, {r});
      out.insert(out.end(), o.begin(), o.end());
    }
    return out;
  }

  /// The state of transform `alias` (task 0), keys without the scope.
  static std::map<std::string, std::string> stateOf(StateBuffer& state, const std::string& alias) {
    const std::string scope = state::stateKey(0, "transform." + alias, "");
    std::map<std::string, std::string> out;
    state.scan(scope, [&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k.substr(scope.size())), std::string(v));
      return true;
    });
    return out;
  }

  /// What a checkpoint does with the buffer: take its writes and commit them.
  static uint64_t checkpoint(state::RocksStore& store, StateBuffer& state) {
    state::Commit c;
    c.connector = kConnector;
    c.task = 0;
    c.state = state.take();
    c.checkpoint = true;
    auto id = store.commit(c, state::Retention{});
    EXPECT_TRUE(id.isOk()) << id.status().message();
    return id.isOk() ? *id : 0;
  }

  static std::unique_ptr<state::RocksStore> openStore(const std::string& dir) {
    auto s = state::RocksStore::open(dir);
    EXPECT_TRUE(s.isOk()) << s.status().message();
    return s.isOk() ? std::move(*s) : nullptr;
  }

  /// What an uninterrupted run produced, part by part.
  struct Reference {
    std::vector<std::vector<Out>> out;                    // per part
    std::vector<std::map<std::string, std::string>> state;  // of `alias`, after each part
  };

  /// Run `records` split at `cuts` once uninterrupted, then again with a
  /// checkpoint into a RocksStore and a new chain (a restarted task) after
  /// every part, then rewind to the checkpoint before the last part and replay
  /// it: every part's output, and the state, must match the uninterrupted run.
  Reference expectRestartsAndReplayMatch(const config::ConfigMap& cfg, const std::string& alias,
                                         const std::vector<Record>& records, const std::vector<size_t>& cuts) {
    std::vector<std::vector<Record>> parts;
    size_t from = 0;
    for (size_t cut : cuts) {
      parts.emplace_back(records.begin() + from, records.begin() + cut);
      from = cut;
    }
    parts.emplace_back(records.begin() + from, records.end());

    Reference ref;
    StateBuffer mem(nullptr, kConnector);
    auto r = chain(mem, cfg);
    if (!r) return ref;
    for (const auto& p : parts) {
      ref.out.push_back(run(*r, p));
      ref.state.push_back(stateOf(mem, alias));
    }

    test::TempDir dir;
    auto store = openStore(dir.path());
    if (!store) return ref;
    uint64_t beforeLast = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      StateBuffer buffer(store.get(), kConnector);
      auto c = chain(buffer, cfg);  // a new instance that starts from the committed state
      if (!c) return ref;
      EXPECT_EQ(run(*c, parts[i]), ref.out[i]) << "part " << i << " after a restart";
      EXPECT_EQ(stateOf(buffer, alias), ref.state[i]) << "committed state merged with pending writes, part " << i;
      const uint64_t id = checkpoint(*store, buffer);
      if (i + 2 == parts.size()) beforeLast = id;
    }
    EXPECT_TRUE(store->rewind(kConnector, beforeLast).isOk());
    StateBuffer replay(store.get(), kConnector);
    auto c = chain(replay, cfg);
    if (!c) return ref;
    EXPECT_EQ(run(*c, parts.back()), ref.out.back()) << "a replay from a checkpoint reproduces the output";
    EXPECT_EQ(stateOf(replay, alias), ref.state.back());
    return ref;
  }

  /// Run `records` as one batch and as one batch per record: the outputs and
  /// the state must be the same. Returns the output.
  std::vector<Out> expectBatchingIrrelevant(const config::ConfigMap& cfg, const std::string& alias,
                                            const std::vector<Record>& records) {
    StateBuffer one(nullptr, kConnector), each(nullptr, kConnector);
    auto a = chain(one, cfg);
    auto b = chain(each, cfg);
    if (!a || !b) return {};
    auto whole = run(*a, records);
    EXPECT_EQ(runEach(*b, records), whole);
    EXPECT_EQ(stateOf(one, alias), stateOf(each, alias));
    return whole;
  }

  loader::Registry registry_;
  std::vector<std::unique_ptr<config::ConnectorPlan>> plans_;  // chains point into their plans
  std::unique_ptr<Converter> json_ = makeConverter("json");
  std::unique_ptr<Converter> str_ = makeConverter("string");
  RecordContext rctx_{str_.get(), json_.get(), {}};
};

}  // namespace sluice::runtime
