#pragma once
// Small string helpers shared by the host.

#include <string>
#include <string_view>
#include <vector>

namespace sluice::strings {

/// `s` without leading and trailing spaces, tabs and carriage returns.
inline std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

/// A comma-separated list: each item trimmed, empty items dropped.
inline std::vector<std::string> splitList(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string_view::npos) comma = s.size();
    if (auto item = trim(s.substr(pos, comma - pos)); !item.empty()) out.push_back(std::move(item));
    pos = comma + 1;
  }
  return out;
}

}  // namespace sluice::strings
