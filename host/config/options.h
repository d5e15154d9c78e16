#pragma once
// Option tables: what a plugin (or the host) accepts, parsed from the JSON a
// plugin descriptor carries, and validation of string values against them.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/common/status.h"

namespace sluice::config {

struct OptionDef {
  std::string name;
  std::string type = "string";  // string,int,long,double,boolean,list,password,class
  std::optional<std::string> defaultValue;
  bool required = false;
  std::string doc;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> allowed;
  bool secretFlag = false;  // "secret": true in the option table

  /// Secret values are never shown by the REST API nor written to logs.
  bool secret() const { return type == "password" || secretFlag; }
};

/// What the REST API shows instead of a secret value (Kafka Connect's text).
inline constexpr const char* kHiddenValue = "[hidden]";

/// `value` as the REST API and logs may show it: a secret option's value is
/// kHiddenValue unless it is only config-provider references (they say where
/// the secret is, not what it is).
std::string shownValue(const OptionDef& def, const std::string& value);

using OptionTable = std::vector<OptionDef>;

/// An entry of one of the host's own tables (connector keys, worker keys).
OptionDef hostOption(std::string name, std::string type, std::optional<std::string> defaultValue, std::string doc,
                     std::vector<std::string> allowed = {}, std::optional<double> min = std::nullopt,
                     std::optional<double> max = std::nullopt);

/// Parse a descriptor's options_json. Errors name the offending entry.
Result<OptionTable> parseOptionTable(const std::string& json);

/// Validate one value against its definition; returns the error text or nullopt.
std::optional<std::string> validateValue(const OptionDef& def, const std::string& value);

const OptionDef* findOption(const OptionTable& table, const std::string& name);

/// One validation problem, keyed by the full config key.
struct ConfigError {
  std::string key;
  std::string message;
};

/// Validate `values` (keys already stripped of `prefix`) against `table`:
/// unknown keys, missing required keys and invalid values. Errors carry
/// prefix+key. Resolved values (with defaults) are written to `resolved`.
void validateAgainst(const OptionTable& table, const std::map<std::string, std::string>& values,
                     const std::string& prefix, std::vector<ConfigError>* errors,
                     std::map<std::string, std::string>* resolved);

/// Render an option table as a Markdown table (the generated plugin docs).
std::string optionsMarkdown(const OptionTable& table);

}  // namespace sluice::config
