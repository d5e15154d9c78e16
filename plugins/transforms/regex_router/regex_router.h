// RegexRouter: when the whole topic matches a regex, replace it using a
// Java-style replacement string ($1 refers to group 1).
#pragma once

#include "../common/base.h"
#include "../common/java_regex.h"

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace sluice::transforms {

class RegexRouter : public RecordTransform {
 public:
  explicit RegexRouter(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  /// The replacement compiled into literal text and group references.
  struct Piece {
    std::string literal;
    int group = -1;  // >= 0: a group reference, literal unused
  };
  /// Java's Matcher replacement syntax: a backslash makes the next character
  /// literal; "$n" is a group reference (more digits are taken while the
  /// number stays a valid group). Named groups (${name}) are not supported.
  /// Errors are ConfigErrors naming 'replacement'.
  static std::vector<Piece> compileReplacement(std::string_view s, unsigned groups);
  std::optional<std::string> route(std::string_view topic) const;

  std::regex regex_;
  std::vector<Piece> replacement_;
  TopicCache<std::optional<std::string>> cache_;  // topic -> new topic (nullopt: no match)
};

}  // namespace sluice::transforms
