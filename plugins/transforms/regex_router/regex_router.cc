#include "regex_router.h"

#include "../common/config_util.h"

namespace sluice::transforms {

std::vector<RegexRouter::Piece> RegexRouter::compileReplacement(std::string_view s, unsigned groups) {
  std::vector<Piece> pieces;
  std::string literal;
  auto bad = [&](const std::string& why) {
    return ConfigError("option 'replacement' is not a valid replacement (" + std::string(s) + "): " + why);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\') {
      if (++i >= s.size()) throw bad("character to be escaped is missing");
      literal.push_back(s[i]);
      continue;
    }
    if (c != '$') {
      literal.push_back(c);
      continue;
    }
    if (++i >= s.size()) throw bad("illegal group reference: group index is missing");
    if (s[i] == '{') throw bad("named group references are not supported");
    if (s[i] < '0' || s[i] > '9') throw bad("illegal group reference");
    unsigned ref = static_cast<unsigned>(s[i] - '0');
    while (i + 1 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '9') {
      unsigned next = ref * 10 + static_cast<unsigned>(s[i + 1] - '0');
      if (next > groups) break;
      ref = next;
      ++i;
    }
    if (ref > groups) throw bad("no group " + std::to_string(ref) + " in the regex");
    if (!literal.empty()) pieces.push_back({std::move(literal), -1});
    literal.clear();
    pieces.push_back({{}, static_cast<int>(ref)});
  }
  if (!literal.empty()) pieces.push_back({std::move(literal), -1});
  return pieces;
}

RegexRouter::RegexRouter(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  const std::string regex = c.requireString("regex");
  regex_ = compileJavaRegex(regex, "regex");
  replacement_ = compileReplacement(presentString(c, "replacement"), regex_.mark_count());
}

std::optional<std::string> RegexRouter::route(std::string_view topic) const {
  if (!std::regex_match(topic.begin(), topic.end(), regex_)) return std::nullopt;
  // Java's Matcher.replaceFirst after matches(): replace the first match found by find().
  std::match_results<std::string_view::const_iterator> m;
  std::regex_search(topic.begin(), topic.end(), m, regex_);
  std::string out(m.prefix().first, m.prefix().second);
  for (const Piece& p : replacement_) {
    if (p.group < 0) out += p.literal;
    else if (const auto& g = m[static_cast<size_t>(p.group)]; g.matched) out.append(g.first, g.second);
  }
  out.append(m.suffix().first, m.suffix().second);
  return out;
}

void RegexRouter::transform(Record& r) {
  const auto& routed = cache_.get(r.topic(), [this](std::string_view t) { return route(t); });
  if (routed) r.setTopic(*routed);
}

}  // namespace sluice::transforms
