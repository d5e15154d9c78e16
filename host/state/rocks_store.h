#pragma once
// RocksDB-backed stores. One database under `state.dir` with a column family
// per concern (configs, offsets, state, checkpoints, undo), so a checkpoint
// writes a task's offsets, its operator state and the history entry in one
// synchronous WriteBatch.
//
// History and rewind: when a checkpoint overwrites an offset or a state key,
// the value it replaced goes into the `undo` family under that checkpoint's
// id. Rewinding to checkpoint K applies the undo entries of every newer
// checkpoint, newest first, in one batch. Trimming the history drops the
// oldest checkpoints with their undo entries.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/state/stores.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace sluice::state {

class RocksStore final : public CheckpointStore, public ConfigStore {
 public:
  static Result<std::unique_ptr<RocksStore>> open(const std::string& dir);
  ~RocksStore() override;

  Status putOffsets(const std::string& connector,
                    const std::map<std::string, std::string>& offsets) override;
  std::optional<std::string> getOffset(const std::string& connector,
                                       const std::string& partition) override;
  std::map<std::string, std::string> offsets(const std::string& connector) override;
  Status clearOffsets(const std::string& connector) override;

  Result<uint64_t> commit(const Commit& c, const Retention& retention) override;
  std::optional<std::string> getState(const std::string& connector, const std::string& key) override;
  void scanState(const std::string& connector, const std::string& prefix,
                 const std::function<bool(std::string_view, std::string_view)>& fn) override;
  std::vector<CheckpointInfo> checkpoints(const std::string& connector) override;
  Status rewind(const std::string& connector, uint64_t id) override;
  Status clearHistory(const std::string& connector) override;

  /// A RocksDB checkpoint of the whole store (every connector's configs,
  /// offsets, state and history) in `dir`, which must not exist yet.
  Status savepoint(const std::string& dir) override;
  /// Seed an empty (or missing) `stateDir` with a copy of a savepoint.
  static Status restoreSavepoint(const std::string& savepointDir, const std::string& stateDir);

  Status putConnector(const Entry& entry) override;
  Status removeConnector(const std::string& name) override;
  std::vector<Entry> connectors() override;

  const std::string& dir() const { return dir_; }

 private:
  RocksStore() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* configs_ = nullptr;
  rocksdb::ColumnFamilyHandle* offsets_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  rocksdb::ColumnFamilyHandle* undo_ = nullptr;
  /// Serializes commits and rewinds (checkpoint ids, read-before-write undo).
  std::mutex commitMu_;
  std::map<std::string, std::vector<uint64_t>> idsCache_;
  /// A synchronous write; after a failed one, resume the store first (see .cc).
  rocksdb::Status writeSync(rocksdb::WriteBatch* batch);
  std::atomic<bool> writeFailed_{false};
  std::mutex errorMu_;
  std::string lastWriteError_;  // of the write that failed (errorMu_)  // history ids per connector, oldest first
  uint64_t nextId(const std::string& connector, void* batch);
  std::vector<uint64_t> historyIds(const std::string& connector);
  void dropCheckpoint(const std::string& connector, uint64_t id, void* batch);
};

}  // namespace sluice::state
