// Filter: drop every record it is applied to. Use it with a predicate (and
// negate) so the host applies it only to the records to filter out.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <vector>

namespace sluice::transforms {

class Filter : public Transform {
 public:
  explicit Filter(const Init& init) : Transform(init) {}
  static PluginInfo info();
  static std::vector<Option> options();

  Status apply(Batch& batch) override;
};

}  // namespace sluice::transforms
