#pragma once
// A task's operator state between checkpoints: writes are buffered here and
// handed to the store in one batch with the offsets they belong to. Reads
// and scans see the buffer over the committed state. Used on the task thread
// only (plugins call it from their hooks), so it needs no locking.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "host/state/stores.h"

namespace sluice::runtime {

class StateBuffer {
 public:
  /// `store` may be null (tests, validation): state then lives in memory only.
  StateBuffer(state::CheckpointStore* store, std::string connector)
      : store_(store), connector_(std::move(connector)) {}

  /// The value of a full state key (see state::stateKey), or nullopt.
  std::optional<std::string_view> get(const std::string& key);
  void put(std::string key, std::string value) { pending_[std::move(key)] = std::move(value); }
  void erase(std::string key) { pending_[std::move(key)] = std::nullopt; }
  /// Keys starting with `prefix` in byte order, committed merged with
  /// pending; `fn` returns false to stop.
  void scan(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& fn);

  bool dirty() const { return !pending_.empty(); }
  size_t pendingKeys() const { return pending_.size(); }
  /// The writes since the last take (to commit); the buffer is empty after.
  std::map<std::string, std::optional<std::string>> take() { return std::exchange(pending_, {}); }

 private:
  state::CheckpointStore* store_;
  std::string connector_;
  std::map<std::string, std::optional<std::string>> pending_;
  std::string scratch_;
};

}  // namespace sluice::runtime
