// InsertField ($Key/$Value): insert record metadata (topic, partition,
// offset, timestamp) and/or a static string as fields of the key or value.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <optional>
#include <vector>

namespace sluice::transforms {

class InsertField : public RecordTransform {
 public:
  explicit InsertField(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  std::optional<FieldPath> topicField_;
  std::optional<FieldPath> partitionField_;
  std::optional<FieldPath> offsetField_;
  std::optional<FieldPath> timestampField_;
  std::optional<FieldPath> staticField_;
  Value staticValue_;
  Value topic_;  // reused buffer for the topic name
};

}  // namespace sluice::transforms
