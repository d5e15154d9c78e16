#include "host/common/json_util.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <vector>

namespace sluice::jsonutil {
namespace json = boost::json;

void sortKeys(json::value& v) {
  if (v.is_array()) {
    for (auto& e : v.as_array()) sortKeys(e);
  } else if (v.is_object()) {
    auto& o = v.as_object();
    std::vector<std::pair<std::string, json::value>> items;
    items.reserve(o.size());
    for (auto& kv : o) items.emplace_back(std::string(kv.key()), std::move(kv.value()));
    std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
    o.clear();
    for (auto& [k, val] : items) {
      sortKeys(val);
      o.emplace(k, std::move(val));
    }
  }
}

std::optional<std::string> canonical(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return std::nullopt;
  sortKeys(v);
  return json::serialize(v);
}

std::optional<std::string> configString(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return std::nullopt;
  if (v.is_object() || v.is_array()) return std::nullopt;
  if (v.is_double()) {
    // The shortest text that reads back as the same number: 2.5, not
    // Boost.JSON's 2.5E0 (which an int, long or double option would refuse).
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.as_double());
    if (ec == std::errc()) return std::string(buf, end);
  }
  return json::serialize(v);
}

}  // namespace sluice::jsonutil
