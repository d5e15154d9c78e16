#include "topic_name_matches.h"

namespace sluice::transforms {

TopicNameMatches::TopicNameMatches(const Init& init) : Predicate(init) {
  pattern_ = compileJavaRegex(config().requireString("pattern"), "pattern");
}

bool TopicNameMatches::test(const Record& r) {
  return cache_.get(r.topic(),
                    [this](std::string_view t) { return std::regex_match(t.begin(), t.end(), pattern_); });
}

}  // namespace sluice::transforms
