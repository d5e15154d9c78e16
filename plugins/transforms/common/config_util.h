// Config helpers shared by the built-in transforms: Connect-style list and
// string checks, and option-table entries several transforms define alike.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::transforms {

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

/// A string option that is set and not empty (Connect's "null" default).
inline std::optional<std::string> optionalString(const Config& c, const char* key) {
  auto v = c.get(key);
  if (!v || v->empty()) return std::nullopt;
  return std::string(*v);
}

/// A string option that must be present; empty is allowed.
inline std::string presentString(const Config& c, const char* key) {
  auto v = c.get(key);
  if (!v) throw ConfigError(std::string("missing required option '") + key + "'");
  return std::string(*v);
}

/// Connect's NonEmptyListValidator.
inline std::vector<std::string> requireList(const Config& c, const char* key) {
  std::vector<std::string> list = c.getList(key);
  if (list.empty()) throw ConfigError(std::string("option '") + key + "' must be a non-empty list");
  return list;
}

/// Java's String.split(":"): trailing empty parts are dropped.
inline std::vector<std::string> splitColon(std::string_view s) {
  std::vector<std::string> parts;
  while (true) {
    size_t c = s.find(':');
    parts.emplace_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  while (parts.size() > 1 && parts.back().empty()) parts.pop_back();
  return parts;
}

/// An option the user must set (Connect's NO_DEFAULT_VALUE).
inline Option requiredOption(std::string name, OptionType type, std::string doc,
                             std::vector<std::string> allowed = {}) {
  Option o;
  o.name = std::move(name);
  o.type = type;
  o.doc = std::move(doc);
  o.required = true;
  o.allowed = std::move(allowed);
  return o;
}

/// An optional option; `def` is its default in user syntax (nullopt: none).
inline Option optionalOption(std::string name, OptionType type, std::optional<std::string> def,
                             std::string doc, std::vector<std::string> allowed = {}) {
  Option o;
  o.name = std::move(name);
  o.type = type;
  o.defaultValue = std::move(def);
  o.doc = std::move(doc);
  o.allowed = std::move(allowed);
  return o;
}

/// Connect 3.x's replace.null.with.default. It concerns schema field defaults,
/// which schemaless JSON does not have, so it is accepted and has no effect.
inline Option replaceNullWithDefaultOption() {
  return optionalOption(
      "replace.null.with.default", OptionType::Boolean, "true",
      "Whether null fields that have a schema default are replaced by the default. Accepted for Kafka "
      "Connect compatibility; schemaless JSON has no defaults, so it has no effect.");
}

}  // namespace sluice::transforms
