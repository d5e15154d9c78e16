#pragma once
// An in-process worker on the embedded mock cluster: registry (built-in and
// fixture plugins), RocksDB store in a temp dir, metrics and the
// single-process herder (StandaloneHerder, which runs its own Worker).

#include <gtest/gtest.h>

#include <memory>

#include "host/config/worker_config.h"
#include "host/kafka/env.h"
#include "host/loader/registry.h"
#include "host/metrics/metrics.h"
#include "host/state/rocks_store.h"
#include "host/worker/standalone_herder.h"
#include "tests/support/test_support.h"

namespace sluice::test {

class WorkerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    wc_.offsetFlushIntervalMs = 200;
    wc_.checkpointIntervalMs = 200;
    wc_.shutdownDrainMs = 0;
    wc_.consumerOverrides["fetch.wait.max.ms"] = "50";
    configure();
    registry_.scan({pluginDir(), buildDir() + "/test-plugins/extra"});
    wc_.stateDir = dir_.file("state");  // savepoints go next to it, inside the temp dir
    auto store = state::RocksStore::open(wc_.stateDir);
    ASSERT_TRUE(store.isOk()) << store.status().message();
    store_ = std::move(*store);
    auto env = kafka::Env::create(wc_.bootstrapServers, wc_.producerOverrides, wc_.consumerOverrides, {});
    ASSERT_TRUE(env.isOk()) << env.status().message();
    kafka_ = std::move(*env);
    herder_ = std::make_unique<runtime::StandaloneHerder>(wc_, registry_, *store_, *store_, *kafka_, metrics_);
  }
  void TearDown() override {
    if (herder_) herder_->shutdown();
    herder_.reset();
  }

  /// Change wc_ (bootstrap.servers, client overrides) before anything starts.
  virtual void configure() {}

  std::string taskState(const std::string& name, int task = 0) {
    auto s = herder_->status(name);
    if (!s.isOk() || static_cast<int>(s->tasks.size()) <= task) return "";
    return s->tasks[task].state;
  }

  TempDir dir_;
  config::WorkerConfig wc_;
  loader::Registry registry_;
  std::unique_ptr<state::RocksStore> store_;
  std::unique_ptr<kafka::Env> kafka_;
  metrics::Metrics metrics_;
  std::unique_ptr<runtime::StandaloneHerder> herder_;
};

}  // namespace sluice::test
