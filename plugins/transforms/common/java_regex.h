// Java regular expressions on std::regex (ECMAScript), and a small per-topic
// result cache: topics repeat, so routing and matching run the regex once per
// distinct topic instead of once per record.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <functional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sluice::transforms {

/// Compile a java.util.regex pattern. ECMAScript covers the common subset;
/// Java-only syntax is translated where simple (a leading (?i) and \Q...\E
/// quoting) and anything else std::regex rejects is a ConfigError naming `key`.
inline std::regex compileJavaRegex(std::string_view pattern, const char* key) {
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  std::string_view p = pattern;
  if (p.substr(0, 4) == "(?i)") {
    flags |= std::regex::icase;
    p.remove_prefix(4);
  }
  std::string out;
  out.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 1 < p.size() && p[i + 1] == 'Q') {
      size_t end = p.find("\\E", i + 2);
      const size_t len = end == std::string_view::npos ? std::string_view::npos : end - i - 2;
      const std::string_view lit = p.substr(i + 2, len);
      for (char c : lit) {
        if (std::string_view("\\^$.|?*+()[]{}/").find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
      }
      if (end == std::string_view::npos) break;
      i = end + 1;
      continue;
    }
    out.push_back(p[i]);
    if (p[i] == '\\' && i + 1 < p.size()) out.push_back(p[++i]);
  }
  try {
    return std::regex(out, flags);
  } catch (const std::regex_error& e) {
    throw ConfigError(std::string("option '") + key + "' is not a valid regular expression (" +
                      std::string(pattern) + "): " + e.what());
  }
}

/// Results computed per topic, bounded: the cache is cleared when it is full.
template <class V>
class TopicCache {
 public:
  explicit TopicCache(size_t capacity = 4096) : capacity_(capacity) {}

  /// The cached result for `topic`, computing it with `compute(topic)` on a
  /// miss. The reference is valid until the next call.
  template <class F>
  const V& get(std::string_view topic, F&& compute) {
    auto it = map_.find(topic);
    if (it != map_.end()) return it->second;
    if (map_.size() >= capacity_) map_.clear();
    return map_.emplace(std::string(topic), compute(topic)).first->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  size_t capacity_;
  std::unordered_map<std::string, V, Hash, std::equal_to<>> map_;
};

}  // namespace sluice::transforms
