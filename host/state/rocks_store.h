#pragma once
// RocksDB-backed stores. One database under `state.dir` with a column family
// per concern (configs, offsets, state, checkpoints), so that later
// checkpoints can write offsets and operator state in one WriteBatch.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/state/stores.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace sluice::state {

class RocksStore final : public OffsetStore, public ConfigStore {
 public:
  static Result<std::unique_ptr<RocksStore>> open(const std::string& dir);
  ~RocksStore() override;

  Status putOffsets(const std::string& connector,
                    const std::map<std::string, std::string>& offsets) override;
  std::optional<std::string> getOffset(const std::string& connector,
                                       const std::string& partition) override;
  std::map<std::string, std::string> offsets(const std::string& connector) override;
  Status clearOffsets(const std::string& connector) override;

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
};

}  // namespace sluice::state
