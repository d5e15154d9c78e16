// RocksStore::commit and RocksStore::rewind: what a checkpoint costs in the
// store itself, by the number of operator-state keys it writes. Timed in
// wall-clock time: the synchronous WAL fsync of every commit is the point.

#include <benchmark/benchmark.h>

#include "bench/micro/bench_support.h"

namespace sluice::bench {
namespace {

const std::string kPartition = "{\"task\":0}";

/// One task's commit: every key of `keys` with a value of this round, and
/// the source offset of the round (as datagen's would be).
void fillCommit(state::Commit& c, const std::vector<std::string>& keys, uint64_t round) {
  c.state.clear();
  for (size_t i = 0; i < keys.size(); ++i) c.state.emplace(keys[i], stateValue(i, round));
  std::string offset = "{\"seq\":" + std::to_string(round) + "}";
  c.offsets[kPartition] = offset;
  c.offsetsJson = "[{\"partition\":" + kPartition + ",\"offset\":" + offset + "}]";
}

size_t commitBytes(const state::Commit& c) {
  size_t bytes = 0;
  for (const auto& m : {&c.offsets, &c.state})
    for (const auto& [k, v] : *m) bytes += k.size() + (v ? v->size() : 0);
  return bytes;
}

/// Untimed: `n` small checkpoints (10 keys), rounds 0..n-1.
Status ageStore(state::RocksStore& store, size_t n, const state::Retention& keep) {
  const auto keys = stateKeys(10);
  state::Commit c = taskCommit(true);
  for (size_t i = 0; i < n; ++i) {
    fillCommit(c, keys, i);
    if (auto r = store.commit(c, keep); !r) return r.status();
  }
  return Status::ok();
}

/// The timed loop both commit benchmarks share: a commit per iteration,
/// filled (untimed) with a new round of `keys` from round `round` on.
/// Returns the bytes committed.
size_t timeCommits(benchmark::State& st, state::RocksStore& store, state::Commit& c,
                   const std::vector<std::string>& keys, uint64_t round, const state::Retention& keep) {
  size_t bytes = 0;
  for (auto _ : st) {
    st.PauseTiming();
    fillCommit(c, keys, round++);
    bytes += commitBytes(c);
    st.ResumeTiming();
    if (auto r = store.commit(c, keep); !r) {
      st.SkipWithError(r.status().message().c_str());
      break;
    }
  }
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(keys.size()));
  return bytes;
}

// Args: state keys written per checkpoint, checkpoint (1: history and undo
// entries, as with checkpoint.interval.ms > 0; 0: offsets and state only).
// Every round overwrites the same keys, as a keyed aggregate does, so the
// undo reads find an old value; a first untimed commit creates them. With
// checkpoint=1 the history is first filled to its retention (100, the
// default) with small checkpoints, so every timed commit also trims one.
void BM_CheckpointCommit(benchmark::State& st) {
  const auto keys = stateKeys(static_cast<size_t>(st.range(0)));
  ScratchStore store(st);
  if (!store.ok()) return;
  state::Commit c = taskCommit(st.range(1) != 0);
  const state::Retention keep;  // the worker's defaults: 100 checkpoints, 24 h
  if (c.checkpoint)
    if (Status s = ageStore(*store, keep.count, keep); !s) return st.SkipWithError(s.message().c_str());
  uint64_t round = keep.count;
  fillCommit(c, keys, round++);
  if (auto r = store->commit(c, keep); !r) return st.SkipWithError(r.status().message().c_str());
  st.SetBytesProcessed(static_cast<int64_t>(timeCommits(st, *store, c, keys, round, keep)));
  st.counters["bytes_per_ckpt"] = static_cast<double>(commitBytes(c));
}
BENCHMARK(BM_CheckpointCommit)
    ->ArgNames({"keys", "checkpoint"})
    ->ArgsProduct({{10, 100, 1000, 10000, 100000}, {0, 1}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Arg: checkpoints the store made before (untimed, 10 keys each, history
// trimmed to 100 all along). Then 10-key checkpoints are timed: does a
// checkpoint get dearer the longer a task has been checkpointing? A fixed
// iteration count, so the (slow, fsync-bound) ageing runs once per case.
void BM_CheckpointCommitAged(benchmark::State& st) {
  const auto keys = stateKeys(10);
  ScratchStore store(st);
  if (!store.ok()) return;
  const state::Retention keep;
  const auto prior = static_cast<uint64_t>(st.range(0));
  if (Status s = ageStore(*store, prior, keep); !s) return st.SkipWithError(s.message().c_str());
  state::Commit c = taskCommit(true);
  timeCommits(st, *store, c, keys, prior, keep);
}
BENCHMARK(BM_CheckpointCommitAged)
    ->ArgName("prior")
    ->Arg(100)
    ->Arg(1000)
    ->Arg(5000)
    ->Iterations(300)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// Args: checkpoints rewound across (N), state keys each of them wrote (K).
// Untimed: N+1 checkpoints over the same K keys. Timed: rewind to the first,
// which applies N checkpoints' undo entries (N*(K+1) with the offsets) in one
// synchronous batch. The store lives for the whole run, so later rounds see
// the tombstones and flushed files of earlier ones, as a long-lived store does.
void BM_Rewind(benchmark::State& st) {
  const auto n = static_cast<size_t>(st.range(0));
  const auto keys = stateKeys(static_cast<size_t>(st.range(1)));
  ScratchStore store(st);
  if (!store.ok()) return;
  state::Commit c = taskCommit(true);
  state::Retention keep;
  keep.count = n + 2;
  uint64_t round = 0;
  for (auto _ : st) {
    st.PauseTiming();
    uint64_t target = 0;
    for (size_t i = 0; i <= n; ++i) {
      fillCommit(c, keys, round++);
      auto r = store->commit(c, keep);
      if (!r) {
        st.SkipWithError(r.status().message().c_str());
        break;
      }
      if (i == 0) target = r.value();
    }
    if (st.error_occurred()) break;
    st.ResumeTiming();
    if (Status s = store->rewind(kConnector, target); !s) {
      st.SkipWithError(s.message().c_str());
      break;
    }
  }
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(n * (keys.size() + 1)));
}
BENCHMARK(BM_Rewind)
    ->ArgNames({"checkpoints", "keys"})
    ->Args({1, 1000})
    ->Args({10, 100})
    ->Args({10, 1000})
    ->Args({10, 10000})
    ->Args({100, 100})
    ->Args({100, 1000})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace sluice::bench
