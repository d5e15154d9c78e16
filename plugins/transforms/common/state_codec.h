// Operator state (sluice::State) helpers shared by the stateful transforms:
// times in keys that sort in numeric order, so a prefix scan walks them
// oldest first; a small length-prefixed format for values made of several
// fields; and TimeMarkers, the "which time buckets have entries" index that
// makes expiring or firing a bucket one narrow prefix scan.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "numbers.h"

namespace sluice::transforms::statecodec {

/// Append `v` as 16 hex digits whose byte order is the numeric order of the
/// signed value (the sign bit flipped), e.g. for "w/<window end>/<key>" keys.
inline void appendOrdered(std::string& out, int64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  const uint64_t u = static_cast<uint64_t>(v) ^ (uint64_t{1} << 63);
  for (int shift = 60; shift >= 0; shift -= 4) out.push_back(kHex[(u >> shift) & 0xf]);
}

/// `prefix` followed by the ordered form of `v` and a '/' separator.
inline std::string orderedPrefix(std::string_view prefix, int64_t v) {
  std::string k(prefix);
  appendOrdered(k, v);
  k.push_back('/');
  return k;
}

/// Parse the 16 hex digits appendOrdered wrote.
inline std::optional<int64_t> parseOrdered(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  uint64_t u = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), u, 16);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return static_cast<int64_t>(u ^ (uint64_t{1} << 63));
}

/// Fields joined as "<length>:<bytes>" each, so any bytes (record keys,
/// JSON) can be stored without escaping.
inline std::string pack(std::initializer_list<std::string_view> fields) {
  std::string out;
  for (std::string_view f : fields) {
    out += std::to_string(f.size());
    out.push_back(':');
    out.append(f);
  }
  return out;
}

/// The fields of a pack()ed value (views into `s`); nullopt when malformed.
inline std::optional<std::vector<std::string_view>> unpack(std::string_view s) {
  std::vector<std::string_view> fields;
  while (!s.empty()) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto len = parseJavaInteger(s.substr(0, colon), 0);
    if (!len || static_cast<uint64_t>(*len) > s.size() - colon - 1) return std::nullopt;
    fields.push_back(s.substr(colon + 1, static_cast<size_t>(*len)));
    s.remove_prefix(colon + 1 + static_cast<size_t>(*len));
  }
  return fields;
}

/// A decimal integer stored by the plugin itself; a value that does not
/// parse means the state was written by something else: fail loudly.
inline int64_t parseStoredInt(std::string_view s, std::string_view what) {
  auto v = parseJavaInteger(s);
  if (!v) throw std::runtime_error("corrupt operator state: " + std::string(what) + " is '" + std::string(s) + "'");
  return *v;
}

/// An integer kept under `key`, or `def` when absent.
inline int64_t loadInt(const State& state, std::string_view key, int64_t def) {
  auto v = state.get(key);
  return v ? parseStoredInt(*v, key) : def;
}

/// Every entry under `prefix` as (key without the prefix, value), in key
/// order: scan first, change state after.
inline std::vector<std::pair<std::string, std::string>> collect(const State& state, const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  state.scan(prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k.substr(prefix.size()), v);
    return true;
  });
  return out;
}

/// A set of times (bucket or window ends) kept as marker keys
/// "<prefix><ordered time>/" and mirrored in memory. The owning transform is
/// the only writer of its state, so the mirror stays exact once loaded.
class TimeMarkers {
 public:
  explicit TimeMarkers(std::string prefix) : prefix_(std::move(prefix)) {}

  void load(const State& state) {
    markers_.clear();
    state.scan(prefix_, [this](std::string_view k, std::string_view) {
      if (auto t = parseOrdered(k.substr(prefix_.size(), 16))) markers_.insert(*t);
      return true;
    });
  }

  void add(State& state, int64_t t) {
    if (markers_.insert(t).second) state.put(orderedPrefix(prefix_, t), "");
  }

  /// Call `due(t)` for each marked time with t - 1 <= limit (t is an
  /// exclusive end: everything before it is covered), oldest first, and
  /// remove its marker afterwards.
  template <class F>
  void drain(State& state, int64_t limit, F&& due) {
    while (!markers_.empty() && saturatingSub(*markers_.begin(), 1) <= limit) {
      const int64_t t = *markers_.begin();
      due(t);
      state.erase(orderedPrefix(prefix_, t));
      markers_.erase(markers_.begin());
    }
  }

 private:
  std::string prefix_;
  std::set<int64_t> markers_;
};

}  // namespace sluice::transforms::statecodec
