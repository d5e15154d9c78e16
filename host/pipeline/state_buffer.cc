#include "host/pipeline/state_buffer.h"

#include <vector>

namespace sluice::runtime {

std::optional<std::string_view> StateBuffer::get(const std::string& key) {
  if (auto it = pending_.find(key); it != pending_.end()) {
    if (!it->second) return std::nullopt;
    return std::string_view(*it->second);
  }
  if (!store_) return std::nullopt;
  auto v = store_->getState(connector_, key);
  if (!v) return std::nullopt;
  scratch_ = std::move(*v);
  return std::string_view(scratch_);
}

void StateBuffer::scan(const std::string& prefix, const std::function<bool(std::string_view, std::string_view)>& fn) {
  // Committed entries first, into a sorted list, then merge with pending.
  std::vector<std::pair<std::string, std::string>> committed;
  if (store_)
    store_->scanState(connector_, prefix, [&](std::string_view k, std::string_view v) {
      committed.emplace_back(std::string(k), std::string(v));
      return true;
    });
  auto pit = pending_.lower_bound(prefix);
  auto inPending = [&] { return pit != pending_.end() && pit->first.starts_with(prefix); };
  size_t ci = 0;
  while (ci < committed.size() || inPending()) {
    bool takePending = inPending() && (ci >= committed.size() || pit->first <= committed[ci].first);
    if (takePending) {
      if (ci < committed.size() && committed[ci].first == pit->first) ++ci;  // overridden
      const auto& [k, v] = *pit++;
      if (v && !fn(k, *v)) return;
    } else {
      const auto& [k, v] = committed[ci++];
      if (!fn(k, v)) return;
    }
  }
}

}  // namespace sluice::runtime
