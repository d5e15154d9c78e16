// DropHeaders: remove every header whose name is in a list.
#pragma once

#include "../common/base.h"

#include <string>
#include <vector>

namespace sluice::transforms {

class DropHeaders : public RecordTransform {
 public:
  explicit DropHeaders(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  std::vector<std::string> headers_;
};

}  // namespace sluice::transforms
