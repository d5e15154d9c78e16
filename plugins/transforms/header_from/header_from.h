// HeaderFrom ($Key/$Value): copy or move fields of the key or value into
// headers. Strings become their raw bytes, other values their JSON text.
#pragma once

#include "../common/base.h"
#include "../common/field_path.h"

#include <string>
#include <vector>

namespace sluice::transforms {

class HeaderFrom : public RecordTransform {
 public:
  explicit HeaderFrom(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  struct Mapping {
    FieldPath field;
    std::string header;
  };
  std::vector<Mapping> mappings_;
  bool move_ = false;
};

}  // namespace sluice::transforms
