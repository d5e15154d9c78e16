// Minimal JSON text helpers: escaping names into JSON, and scanning the
// (host-serialized, hence valid) JSON text of a document.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <cstdio>
#include <string>
#include <string_view>

namespace sluice::transforms::json {

/// Append `s` escaped for use inside a JSON string literal, without quotes.
inline void appendEscaped(std::string& out, std::string_view s) { sluice::appendJsonEscaped(out, s); }

/// Append `s` as a quoted JSON string.
inline void appendString(std::string& out, std::string_view s) {
  out.push_back('"');
  appendEscaped(out, s);
  out.push_back('"');
}

inline size_t skipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) ++i;
  return i;
}

/// `s[i]` is the opening quote; returns the index just past the closing quote.
inline size_t skipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') ++i;
    else if (s[i] == '"') return i + 1;
  }
  return s.size();
}

/// Skip one JSON value starting at `s[i]`; returns the index just past it.
inline size_t skipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return i;
  if (s[i] == '"') return skipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') { i = skipString(s, i); continue; }
      if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t')
    ++i;
  return i;
}

}  // namespace sluice::transforms::json
