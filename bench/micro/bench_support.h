#pragma once
// Helpers shared by the micro benchmarks: a temporary store directory that
// removes itself, and deterministic state keys and values.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "host/state/rocks_store.h"

namespace sluice::bench {

/// A fresh directory under $SLUICE_BENCH_DIR (default: $TMPDIR or /tmp),
/// removed with everything in it when this goes out of scope. The store's
/// fsyncs land on that file system, so put it where a real state.dir would be.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("SLUICE_BENCH_DIR");
    std::string tmpl = (base && *base ? std::filesystem::path(base) : std::filesystem::temp_directory_path()) /
                       "sluice-bench-XXXXXX";
    if (char* made = ::mkdtemp(tmpl.data())) path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  bool ok() const { return !path_.empty(); }
  /// A path inside the directory (not created).
  std::string sub(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

/// A RocksStore in a fresh TempDir; both go when this goes. A failure to
/// create or open either marks the benchmark failed: check ok() first.
class ScratchStore {
 public:
  explicit ScratchStore(benchmark::State& st) : st_(st) {
    if (!dir_.ok()) st_.SkipWithError("cannot create a temporary directory");
    else reopen();
  }
  bool ok() const { return store_ != nullptr; }
  state::RocksStore& operator*() { return *store_; }
  state::RocksStore* operator->() { return store_.get(); }
  state::RocksStore* get() { return store_.get(); }
  /// Closes the store and opens it again: RocksDB recovers its log into
  /// table files, so later reads come from files rather than the memtable.
  bool reopen() {
    store_.reset();
    auto s = state::RocksStore::open(dir_.sub("state"));
    if (!s) st_.SkipWithError(("cannot open store: " + s.status().message()).c_str());
    else store_ = std::move(s.value());
    return ok();
  }

 private:
  benchmark::State& st_;
  TempDir dir_;  // declared before the store: outlives it
  std::unique_ptr<state::RocksStore> store_;
};

/// The connector whose state and checkpoints the benchmarks write.
inline const std::string kConnector = "bench";

/// A commit of task 0 of kConnector; a checkpoint or not.
inline state::Commit taskCommit(bool checkpoint) {
  state::Commit c;
  c.connector = kConnector;
  c.task = 0;
  c.checkpoint = checkpoint;
  return c;
}

/// Full state keys of task 0, instance "agg": what a keyed aggregate writes.
inline std::vector<std::string> stateKeys(size_t n) {
  std::vector<std::string> keys;
  keys.reserve(n);
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "key-%08zu", i);
    keys.push_back(state::stateKey(0, "agg", buf));
  }
  return keys;
}

constexpr size_t kValueBytes = 64;

/// A 64-byte JSON value that differs per (key index, round), so every
/// checkpoint really changes what it writes.
inline std::string stateValue(size_t key, uint64_t round) {
  std::string v = "{\"count\":" + std::to_string(round) + ",\"key\":" + std::to_string(key) + ",\"pad\":\"";
  v.resize(kValueBytes - 2, 'x');
  v += "\"}";
  return v;
}

}  // namespace sluice::bench
