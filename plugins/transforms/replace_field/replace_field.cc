#include "replace_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

namespace {
/// The list under `key`, or under its deprecated alias when only that is set.
std::vector<std::string> listWithAlias(const Config& c, const char* key, const char* alias) {
  std::vector<std::string> v = c.getList(key);
  return v.empty() ? c.getList(alias) : v;
}
}  // namespace

ReplaceField::ReplaceField(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  for (auto& f : listWithAlias(c, "exclude", "blacklist")) exclude_.insert(std::move(f));
  for (auto& f : listWithAlias(c, "include", "whitelist")) include_.insert(std::move(f));

  std::unordered_set<std::string> sources;
  for (const std::string& mapping : c.getList("renames")) {
    std::vector<std::string> parts = splitColon(mapping);
    if (parts.size() != 2)
      throw ConfigError("option 'renames': invalid rename mapping '" + mapping + "', expected old:new");
    // Connect keeps renames in a map: a later mapping of the same field wins.
    std::erase_if(renames_, [&](const Rename& r) { return r.from.text() == parts[0]; });
    if (parts[0] == parts[1]) continue;  // renaming a field to itself changes nothing
    sources.insert(parts[0]);
    renames_.push_back(Rename{FieldPath::field(parts[0]), FieldPath::field(parts[1]), {}});
  }
  for (size_t i = 0; i < renames_.size(); ++i) {
    if (sources.count(renames_[i].to.text())) viaTemp_ = true;
    // A name no JSON document produced by a converter will contain.
    renames_[i].temp = FieldPath::field("\x01sluice.rename." + std::to_string(i));
  }
}

void ReplaceField::transform(Record& r) {
  if (!objectOrNull(r, "field replacement")) return;  // null key/value: passed through
  const sluice_part p = part();
  if (!include_.empty() || !exclude_.empty()) {
    r.keys(p, Path{}, names_);
    for (const std::string& name : names_)
      if (!keep(name)) r.removeField(p, name);
  }
  if (renames_.empty()) return;
  if (!viaTemp_) {
    for (const Rename& rn : renames_)
      if (!r.get(p, rn.from.path()).absent()) r.copy(p, rn.from.path(), p, rn.to.path(), true);
    return;
  }
  // Chained or swapped renames (a:b,b:a): move every source aside first.
  std::vector<const Rename*> moved;
  for (const Rename& rn : renames_) {
    if (r.get(p, rn.from.path()).absent()) continue;
    r.copy(p, rn.from.path(), p, rn.temp.path(), true);
    moved.push_back(&rn);
  }
  for (const Rename* rn : moved) r.copy(p, rn->temp.path(), p, rn->to.path(), true);
}

}  // namespace sluice::transforms
