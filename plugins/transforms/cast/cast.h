// Cast ($Key/$Value): cast fields, or the whole key or value, to int8,
// int16, int32, int64, float32, float64, boolean or string.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <optional>
#include <vector>

namespace sluice::transforms {

class Cast : public RecordTransform {
 public:
  enum class Type { Int8, Int16, Int32, Int64, Float32, Float64, Boolean, String };

  explicit Cast(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

  /// Java's conversions of a (non-null) value; throws DataError when they fail.
  static Value castValue(const Value& v, Type to);

 protected:
  void transform(Record& r) override;

 private:
  struct FieldCast {
    FieldPath field;
    Type type;
  };
  std::optional<Type> whole_;
  std::vector<FieldCast> fields_;
};

}  // namespace sluice::transforms
