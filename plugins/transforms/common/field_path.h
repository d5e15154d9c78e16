// Field paths that own their names. sluice::Path only holds string_views, so
// a FieldPath keeps the names and rebuilds its Path whenever it is copied or
// moved: it is safe to keep in vectors and members.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::transforms {

/// Connect's field.syntax.version.
enum class FieldSyntax { V1, V2 };

class FieldPath {
 public:
  FieldPath() = default;
  FieldPath(const FieldPath& o) : text_(o.text_), steps_(o.steps_) { rebuild(); }
  FieldPath(FieldPath&& o) noexcept : text_(std::move(o.text_)), steps_(std::move(o.steps_)) { rebuild(); }
  FieldPath& operator=(const FieldPath& o) {
    if (this != &o) { text_ = o.text_; steps_ = o.steps_; rebuild(); }
    return *this;
  }
  FieldPath& operator=(FieldPath&& o) noexcept {
    text_ = std::move(o.text_);
    steps_ = std::move(o.steps_);
    rebuild();
    return *this;
  }

  /// A single top-level field (V1 syntax: the name is taken literally).
  static FieldPath field(std::string_view name) {
    FieldPath p;
    p.text_ = name;
    p.steps_.emplace_back(name);
    p.rebuild();
    return p;
  }

  /// Parse `text` in the given syntax; `key` names the option in errors.
  /// V2: dotted steps, backtick pairs quote names containing dots, and a
  /// backslash escapes a backtick (Connect's SingleFieldPath).
  static FieldPath parse(std::string_view text, FieldSyntax syntax, const char* key) {
    if (syntax == FieldSyntax::V1) return field(text);
    FieldPath p;
    p.text_ = text;
    p.steps_ = splitV2(text, key);
    p.rebuild();
    return p;
  }

  const Path& path() const { return path_; }
  /// The first `n` steps (the parents of a nested field).
  Path prefix(size_t n) const {
    Path p;
    for (size_t i = 0; i < n && i < steps_.size(); ++i) p = p.child(steps_[i]);
    return p;
  }
  size_t depth() const { return steps_.size(); }
  const std::string& text() const { return text_; }
  const std::vector<std::string>& steps() const { return steps_; }

 private:
  void rebuild() {
    path_ = Path{};
    for (const auto& s : steps_) path_ = path_.child(s);
  }

  static std::vector<std::string> splitV2(std::string_view path, const char* key) {
    std::vector<std::string> steps;
    size_t idx = 0;
    auto incomplete = [&](size_t at) {
      return ConfigError(std::string("option '") + key + "': incomplete backtick pair in path [" +
                         std::string(path) + "] at position " + std::to_string(at) +
                         "; add a backslash before the backtick to escape it");
    };
    while (idx < path.size()) {
      if (path[idx] != '`') {
        size_t dot = path.find('.', idx);
        const size_t len = dot == std::string_view::npos ? std::string_view::npos : dot - idx;
        steps.emplace_back(path.substr(idx, len));
        if (dot == std::string_view::npos) break;
        idx = dot + 1;
        continue;
      }
      size_t backtickAt = idx++;
      size_t start = idx;
      std::string field;
      while (true) {
        size_t close = path.find('`', idx);
        if (close == std::string_view::npos) throw incomplete(backtickAt);
        bool escaped = path[close - 1] == '\\';
        if (close + 1 >= path.size()) {  // backtick at the end of the path
          if (escaped) throw incomplete(backtickAt);
          field.append(path.substr(start, close - start));
          steps.push_back(std::move(field));
          idx = close + 1;
          break;
        }
        if (path[close + 1] != '.') {  // not a closing backtick: part of the name
          idx = close + 1;
          continue;
        }
        if (escaped) {  // \` followed by a dot: a literal backtick
          field.append(path.substr(start, close - 1 - start)).push_back('`');
          idx = close + 1;
          start = idx;
          continue;
        }
        field.append(path.substr(start, close - start));
        steps.push_back(std::move(field));
        idx = close + 2;
        break;
      }
    }
    if (!path.empty() && path.back() == '.') steps.emplace_back();
    if (path.empty()) steps.emplace_back();
    return steps;
  }

  std::string text_;
  std::vector<std::string> steps_;
  Path path_;
};

}  // namespace sluice::transforms
