#include "flatten.h"

#include "../common/json.h"

namespace sluice::transforms {

namespace {
/// Whether any top-level member of the object text `s` is itself an object.
bool hasNestedObject(std::string_view s) {
  size_t i = json::skipWs(s, 0);
  if (i >= s.size() || s[i] != '{') return false;
  i = json::skipWs(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    i = json::skipWs(s, json::skipString(s, i));
    i = json::skipWs(s, i + 1);  // past ':'
    if (i < s.size() && s[i] == '{') return true;
    i = json::skipWs(s, json::skipValue(s, i));
    if (i < s.size() && s[i] == ',') i = json::skipWs(s, i + 1);
  }
  return false;
}
}  // namespace

Flatten::Flatten(const Init& init) : RecordTransform(init) {
  json::appendEscaped(delimiter_, config().getString("delimiter", "."));
}

void Flatten::add(std::string name, std::string_view valueJson) {
  // Like Connect's LinkedHashMap: a repeated name keeps its place, the later value wins.
  auto [it, inserted] = index_.try_emplace(name, entries_.size());
  if (inserted) entries_.push_back(Entry{std::move(name), valueJson});
  else entries_[it->second].value = valueJson;
}

void Flatten::walk(std::string_view s, size_t& i, const std::string& prefix) {
  // s[i] is the '{' of an object.
  i = json::skipWs(s, i + 1);
  while (i < s.size() && s[i] == '"') {
    const size_t keyEnd = json::skipString(s, i);
    const std::string_view key = s.substr(i + 1, keyEnd - i - 2);
    std::string name = prefix.empty() ? std::string(key) : prefix + delimiter_ + std::string(key);
    i = json::skipWs(s, json::skipWs(s, keyEnd) + 1);  // past ':'
    if (i < s.size() && s[i] == '{') {
      walk(s, i, name);  // an empty object contributes no field, as in Connect
    } else {
      const size_t start = i;
      i = json::skipValue(s, i);
      add(std::move(name), s.substr(start, i - start));
    }
    i = json::skipWs(s, i);
    if (i < s.size() && s[i] == ',') i = json::skipWs(s, i + 1);
  }
  if (i < s.size() && s[i] == '}') ++i;
}

void Flatten::transform(Record& r) {
  if (!objectOrNull(r, "flattening")) return;  // null key/value: passed through
  const std::string doc = r.getJson(part(), Path{});
  if (!hasNestedObject(doc)) return;  // already flat
  entries_.clear();
  index_.clear();
  size_t i = json::skipWs(doc, 0);
  walk(doc, i, std::string());
  out_.assign(1, '{');
  for (size_t k = 0; k < entries_.size(); ++k) {
    if (k) out_.push_back(',');
    out_.push_back('"');
    out_ += entries_[k].name;
    out_ += "\":";
    out_ += entries_[k].value;
  }
  out_.push_back('}');
  r.setJson(part(), Path{}, out_);
}

}  // namespace sluice::transforms
