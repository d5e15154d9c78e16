// MaskField ($Key/$Value): replace field values with the empty value of their
// type (0, false, "", {} or []) or with a configured replacement.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <optional>
#include <string>
#include <vector>

namespace sluice::transforms {

class MaskField : public RecordTransform {
 public:
  explicit MaskField(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  Value masked(const Value& v, const FieldPath& field) const;

  std::vector<FieldPath> fields_;
  std::optional<std::string> replacement_;
  // The replacement converted up front for numeric fields (nullopt: not a number).
  std::optional<int64_t> replacementInt_;
  std::optional<double> replacementDouble_;
};

}  // namespace sluice::transforms
