// ValueToKey: replace the record key with an object made of fields copied
// from the record value.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <vector>

namespace sluice::transforms {

class ValueToKey : public RecordTransform {
 public:
  explicit ValueToKey(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  std::vector<FieldPath> fields_;
};

}  // namespace sluice::transforms
