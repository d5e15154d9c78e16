// ExtractField ($Key/$Value): replace the key or value with one of its
// fields (nested fields with field.syntax.version=V2).
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <vector>

namespace sluice::transforms {

class ExtractField : public RecordTransform {
 public:
  explicit ExtractField(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  FieldPath field_;
  std::vector<Path> parents_;  // the proper prefixes of field_, shortest first (V2 nesting)
};

}  // namespace sluice::transforms
