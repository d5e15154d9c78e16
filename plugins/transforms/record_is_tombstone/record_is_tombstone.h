// RecordIsTombstone (predicate): true for records with a null value.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <vector>

namespace sluice::transforms {

class RecordIsTombstone : public Predicate {
 public:
  explicit RecordIsTombstone(const Init& init) : Predicate(init) {}
  static PluginInfo info();
  static std::vector<Option> options();

  bool test(const Record& r) override;
};

}  // namespace sluice::transforms
