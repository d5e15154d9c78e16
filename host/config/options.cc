#include "host/config/options.h"

#include "host/common/json_util.h"
#include "host/config/providers.h"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace sluice::config {
namespace json = boost::json;

Result<OptionTable> parseOptionTable(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status::invalid("options_json is not valid JSON: " + ec.message());
  if (!v.is_array()) return Status::invalid("options_json must be a JSON array");
  OptionTable out;
  static const char* kTypes[] = {"string", "int", "long", "double", "boolean", "list", "password", "class"};
  for (const auto& item : v.as_array()) {
    if (!item.is_object()) return Status::invalid("options_json entries must be objects");
    const auto& o = item.as_object();
    OptionDef d;
    auto str = [&](const char* k) -> std::optional<std::string> {
      auto* p = o.if_contains(k);
      if (!p || !p->is_string()) return std::nullopt;
      return std::string(p->as_string());
    };
    auto name = str("name");
    if (!name || name->empty()) return Status::invalid("options_json entry without a name");
    d.name = *name;
    d.type = str("type").value_or("string");
    bool known = false;
    for (auto* t : kTypes) known = known || d.type == t;
    if (!known) return Status::invalid("option '" + d.name + "' has unknown type '" + d.type + "'");
    if (auto* dv = o.if_contains("default"); dv && !dv->is_null()) {
      // Numbers and booleans are accepted as their text, like config values.
      if (dv->is_string()) d.defaultValue = std::string(dv->as_string());
      else if (dv->is_object() || dv->is_array())
        return Status::invalid("option '" + d.name + "' has a default that is not a string, number or boolean");
      else d.defaultValue = jsonutil::configString(*dv);
    }
    if (auto* r = o.if_contains("required"); r && r->is_bool()) d.required = r->as_bool();
    if (auto* r = o.if_contains("secret"); r && r->is_bool()) d.secretFlag = r->as_bool();
    d.doc = str("doc").value_or("");
    if (auto* val = o.if_contains("validator"); val && val->is_object()) {
      const auto& vo = val->as_object();
      if (auto* m = vo.if_contains("min"); m && m->is_number()) d.min = m->to_number<double>();
      if (auto* m = vo.if_contains("max"); m && m->is_number()) d.max = m->to_number<double>();
      if (auto* e = vo.if_contains("enum"); e && e->is_array())
        for (const auto& s : e->as_array())
          if (s.is_string()) d.allowed.emplace_back(s.as_string());
    }
    out.push_back(std::move(d));
  }
  return out;
}

namespace {
bool parseInteger(const std::string& s, long long* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
bool parseDouble(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(*out);
}
}  // namespace

std::optional<std::string> validateValue(const OptionDef& def, const std::string& value) {
  // `value` is resolved (providers applied): a secret's must not reach the message.
  auto invalid = [&](const std::string& why) {
    return "Invalid value " + (def.secret() ? std::string(kHiddenValue) : value) + " for configuration " + def.name + ": " + why;
  };
  auto number = [](double d) {
    std::ostringstream os;
    os << d;
    return os.str();
  };
  double num = 0;
  bool numeric = false;
  if (def.type == "int" || def.type == "long") {
    long long i = 0;
    if (!parseInteger(value, &i)) return invalid(std::string("Not a number of type ") + (def.type == "int" ? "INT" : "LONG"));
    if (def.type == "int" && (i < INT32_MIN || i > INT32_MAX)) return invalid("out of range for INT");
    num = static_cast<double>(i);
    numeric = true;
  } else if (def.type == "double") {
    if (!parseDouble(value, &num)) return invalid("Not a number of type DOUBLE");
    numeric = true;
  } else if (def.type == "boolean") {
    if (value != "true" && value != "false" && value != "TRUE" && value != "FALSE" && value != "True" && value != "False")
      return invalid("Expected value to be either true or false");
  }
  if (numeric && def.min && num < *def.min) return invalid("Value must be at least " + number(*def.min));
  if (numeric && def.max && num > *def.max) return invalid("Value must be no more than " + number(*def.max));
  if (!def.allowed.empty()) {
    bool ok = false;
    for (const auto& a : def.allowed) ok = ok || a == value;
    if (!ok) {
      std::string list;
      for (const auto& a : def.allowed) list += (list.empty() ? "" : ", ") + a;
      return invalid("String must be one of: " + list);
    }
  }
  return std::nullopt;
}

std::string shownValue(const OptionDef& def, const std::string& value) {
  return def.secret() && !onlyProviderReferences(value) ? kHiddenValue : value;
}

const OptionDef* findOption(const OptionTable& table, const std::string& name) {
  for (const auto& d : table)
    if (d.name == name) return &d;
  return nullptr;
}

void validateAgainst(const OptionTable& table, const std::map<std::string, std::string>& values,
                     const std::string& prefix, std::vector<ConfigError>* errors,
                     std::map<std::string, std::string>* resolved) {
  for (const auto& [k, v] : values) {
    const OptionDef* d = findOption(table, k);
    if (!d) {
      errors->push_back({prefix + k, "Unknown configuration '" + prefix + k + "'"});
      continue;
    }
    if (auto err = validateValue(*d, v)) {
      // Report with the full key so the user sees where it is.
      OptionDef full = *d;
      full.name = prefix + k;
      errors->push_back({prefix + k, *validateValue(full, v)});
      continue;
    }
    if (resolved) (*resolved)[k] = v;
  }
  for (const auto& d : table) {
    if (values.count(d.name)) continue;
    if (d.defaultValue) {
      if (resolved) (*resolved)[d.name] = *d.defaultValue;
    } else if (d.required) {
      errors->push_back({prefix + d.name, "Missing required configuration \"" + prefix + d.name +
                                              "\" which has no default value."});
    }
  }
}

OptionDef hostOption(std::string name, std::string type, std::optional<std::string> defaultValue, std::string doc,
                     std::vector<std::string> allowed, std::optional<double> min, std::optional<double> max) {
  OptionDef d;
  d.name = std::move(name);
  d.type = std::move(type);
  d.defaultValue = std::move(defaultValue);
  d.doc = std::move(doc);
  d.allowed = std::move(allowed);
  d.min = min;
  d.max = max;
  return d;
}

std::string optionsMarkdown(const OptionTable& table) {
  auto cell = [](std::string s) {
    std::string out;
    for (char c : s) {
      if (c == '|') out += "\\|";
      else if (c == '\n') out += ' ';
      else out += c;
    }
    return out;
  };
  std::string out = "| option | type | default | required | description |\n|---|---|---|---|---|\n";
  for (const auto& d : table) {
    std::string def = d.defaultValue ? "`" + cell(*d.defaultValue) + "`" : "";
    if (d.defaultValue && d.defaultValue->empty()) def = "\"\"";
    std::string doc = cell(d.doc);
    if (!d.allowed.empty()) {
      doc += " One of:";
      for (size_t i = 0; i < d.allowed.size(); ++i) doc += (i ? ", `" : " `") + cell(d.allowed[i]) + "`";
      doc += ".";
    }
    auto num = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.15g", v);
      return std::string(buf);
    };
    if (d.min) doc += " Minimum " + num(*d.min) + ".";
    if (d.max) doc += " Maximum " + num(*d.max) + ".";
    out += "| `" + d.name + "` | " + d.type + " | " + def + " | " + (d.required ? "yes" : "no") + " | " + doc + " |\n";
  }
  return out;
}

}  // namespace sluice::config
