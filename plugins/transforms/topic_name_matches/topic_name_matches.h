// TopicNameMatches (predicate): true when the whole topic name matches a
// regular expression.
#pragma once

#include "../common/java_regex.h"

#include <regex>
#include <vector>

namespace sluice::transforms {

class TopicNameMatches : public Predicate {
 public:
  explicit TopicNameMatches(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

  bool test(const Record& r) override;

 private:
  std::regex pattern_;
  TopicCache<bool> cache_;
};

}  // namespace sluice::transforms
