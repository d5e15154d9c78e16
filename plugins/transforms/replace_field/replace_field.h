// ReplaceField ($Key/$Value): keep only included fields, drop excluded ones
// and rename fields of the key or value object.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <string>
#include <unordered_set>
#include <vector>

namespace sluice::transforms {

class ReplaceField : public RecordTransform {
 public:
  explicit ReplaceField(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  bool keep(const std::string& name) const {
    return !exclude_.count(name) && (include_.empty() || include_.count(name));
  }

  struct Rename {
    FieldPath from, to, temp;
  };
  std::unordered_set<std::string> exclude_;
  std::unordered_set<std::string> include_;
  std::vector<std::string> names_;  // the record's field names, reused
  std::vector<Rename> renames_;
  bool viaTemp_ = false;  // a rename target is another rename's source: rename in two steps
};

}  // namespace sluice::transforms
