// Flatten ($Key/$Value): turn nested objects into top-level fields whose
// names join the path with a delimiter ({"a":{"b":1}} -> {"a.b":1}). Arrays
// and their contents are left as they are.
#pragma once

#include "../common/base.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::transforms {

class Flatten : public RecordTransform {
 public:
  explicit Flatten(const Init& init);
  static PluginInfo info();
  static std::vector<Option> options();

 protected:
  void transform(Record& r) override;

 private:
  void walk(std::string_view json, size_t& i, const std::string& prefix);
  void add(std::string name, std::string_view valueJson);

  std::string delimiter_;  // JSON-escaped, so it can be joined with escaped names
  // Scratch state of one record, kept to reuse its memory.
  struct Entry {
    std::string name;  // JSON-escaped
    std::string_view value;
  };
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
  std::string out_;
};

}  // namespace sluice::transforms
