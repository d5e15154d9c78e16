// StateBuffer: what a plugin's host_state_get/put/scan cost on the task
// thread, with the state still buffered in memory (written since the last
// checkpoint) or already committed to the store. CPU time: nothing here
// waits on the disk (store reads come from the page cache).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>

#include "bench/micro/bench_support.h"
#include "host/pipeline/state_buffer.h"

namespace sluice::bench {
namespace {

// Where the keys a benchmark reads live.
enum Source : int64_t {
  kPending = 0,    // in the buffer only (no store)
  kCommitted = 1,  // in the store only (the buffer is empty)
  kMixed = 2,      // in the store, a tenth of them overwritten in the buffer
};

/// Keys held in a StateBuffer as the benchmark's args say: range(0) the
/// Source, range(1) how many keys.
struct HeldState {
  std::vector<std::string> keys;
  std::unique_ptr<ScratchStore> store;
  std::unique_ptr<runtime::StateBuffer> buf;

  /// False when the benchmark was marked failed.
  bool fill(benchmark::State& st) {
    const auto source = static_cast<Source>(st.range(0));
    keys = stateKeys(static_cast<size_t>(st.range(1)));
    if (source != kPending) {
      store = std::make_unique<ScratchStore>(st);
      if (!store->ok()) return false;
      state::Commit c = taskCommit(false);
      for (size_t i = 0; i < keys.size(); ++i) c.state.emplace(keys[i], stateValue(i, 0));
      if (auto r = (*store)->commit(c, state::Retention{}); !r) {
        st.SkipWithError(r.status().message().c_str());
        return false;
      }
      if (!store->reopen()) return false;
    }
    buf = std::make_unique<runtime::StateBuffer>(store ? store->get() : nullptr, kConnector);
    if (source == kPending)
      for (size_t i = 0; i < keys.size(); ++i) buf->put(keys[i], stateValue(i, 0));
    if (source == kMixed)
      for (size_t i = 0; i < keys.size(); i += 10) buf->put(keys[i], stateValue(i, 1));
    return true;
  }
};

// Arg: keys put per round. A round puts every key once, then takes the
// writes as a checkpoint would (and frees them).
void BM_StateBufferPut(benchmark::State& st) {
  const auto keys = stateKeys(static_cast<size_t>(st.range(0)));
  std::vector<std::string> values;
  values.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) values.push_back(stateValue(i, 0));
  runtime::StateBuffer buf(nullptr, kConnector);
  for (auto _ : st) {
    for (size_t i = 0; i < keys.size(); ++i) buf.put(keys[i], values[i]);
    benchmark::DoNotOptimize(buf.take());
  }
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(keys.size()));
}
BENCHMARK(BM_StateBufferPut)->ArgName("keys")->Arg(1000)->Arg(100000);

// Args: source (see Source), keys held. One get of a random held key per
// iteration: the time per iteration is the time per get.
void BM_StateBufferGet(benchmark::State& st) {
  HeldState held;
  if (!held.fill(st)) return;
  std::vector<uint32_t> order(held.keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(i);
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  size_t next = 0;
  size_t found = 0;
  for (auto _ : st) {
    auto v = held.buf->get(held.keys[order[next]]);
    found += v.has_value();
    benchmark::DoNotOptimize(v);
    if (++next == order.size()) next = 0;
  }
  if (found != static_cast<size_t>(st.iterations())) st.SkipWithError("a held key was not found");
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_StateBufferGet)
    ->ArgNames({"source", "keys"})
    ->ArgsProduct({{kPending, kCommitted, kMixed}, {1000, 100000}});

// Args: source (see Source), keys held. One round scans every held key (one
// prefix: the task's instance), merging buffered writes over the store.
void BM_StateBufferScan(benchmark::State& st) {
  HeldState held;
  if (!held.fill(st)) return;
  const std::string prefix = state::stateKey(0, "agg", "");
  size_t seen = 0;
  for (auto _ : st) {
    held.buf->scan(prefix, [&](std::string_view k, std::string_view v) {
      benchmark::DoNotOptimize(k.data());
      benchmark::DoNotOptimize(v.data());
      ++seen;
      return true;
    });
  }
  if (seen != held.keys.size() * static_cast<size_t>(st.iterations())) st.SkipWithError("scan missed keys");
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(held.keys.size()));
}
BENCHMARK(BM_StateBufferScan)
    ->ArgNames({"source", "keys"})
    ->ArgsProduct({{kPending, kCommitted, kMixed}, {1000, 100000}});

}  // namespace
}  // namespace sluice::bench
