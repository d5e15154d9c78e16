// InsertHeader: add a header with a literal value to every record.
#pragma once

#include "../common/base.h"

#include <string>
#include <vector>

namespace sluice::transforms {

class InsertHeader : public RecordTransform {
 public:
  explicit InsertHeader(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  std::string header_;
  std::string value_;
};

}  // namespace sluice::transforms
