// HasHeaderKey (predicate): true when the record has at least one header with
// the configured name.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <string>
#include <vector>

namespace sluice::transforms {

class HasHeaderKey : public Predicate {
 public:
  explicit HasHeaderKey(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

  bool test(const Record& r) override;

 private:
  std::string name_;
};

}  // namespace sluice::transforms
