// HoistField ($Key/$Value): wrap the whole key or value in an object with a
// single field, {"<field>": <old key or value>}.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <vector>

namespace sluice::transforms {

class HoistField : public RecordTransform {
 public:
  explicit HoistField(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  FieldPath field_;
};

}  // namespace sluice::transforms
