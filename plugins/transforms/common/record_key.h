// What identifies a record for the stateful transforms: its key (default) or
// a value field. The identity is compared byte for byte: the key's bytes, or
// the field's JSON text (so the string "1" and the number 1 differ).
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <optional>
#include <string>

#include "base.h"
#include "config_util.h"
#include "field_path.h"

namespace sluice::transforms {

class RecordKey {
 public:
  /// `option` names a value-field option; unset or empty selects the record key.
  RecordKey(const Config& c, const char* option) {
    if (auto f = optionalString(c, option)) field_ = FieldPath::parse(*f, FieldSyntax::V2, option);
  }

  struct Parts {
    std::string id;     // identity bytes
    std::string bytes;  // key of records derived from this one: the key bytes, or the field (strings unquoted)
    std::string json;   // the key as JSON
  };

  /// The identity of `r`, or nullopt when it has none (a null key, an absent
  /// or null field).
  std::optional<std::string> id(const Record& r) const {
    if (!field_) return r.raw(SLUICE_PART_KEY);
    if (isNull(r.get(SLUICE_PART_VALUE, field_->path()))) return std::nullopt;
    return r.getJson(SLUICE_PART_VALUE, field_->path());
  }

  /// Like id(), with the forms an output record needs.
  std::optional<Parts> parts(const Record& r) const {
    Parts p;
    if (!field_) {
      auto raw = r.raw(SLUICE_PART_KEY);
      if (!raw) return std::nullopt;
      p.id = std::move(*raw);
      p.bytes = p.id;
      p.json = r.getJson(SLUICE_PART_KEY);
      return p;
    }
    const Value v = r.get(SLUICE_PART_VALUE, field_->path());
    if (isNull(v)) return std::nullopt;
    p.id = r.getJson(SLUICE_PART_VALUE, field_->path());
    p.bytes = v.type == SLUICE_TYPE_STRING ? v.s : p.id;
    p.json = p.id;
    return p;
  }

 private:
  std::optional<FieldPath> field_;
};

}  // namespace sluice::transforms
