// java.text.SimpleDateFormat in UTC with English names: compile a pattern
// once, then format epoch milliseconds and parse text (leniently, as Java
// does). Shared by TimestampRouter and TimestampConverter.
//
// Supported letters: G y Y M L w W D d F E u a H k K h m s S z Z X, quoted
// text ('...', '' for a quote) and any other non-letter as a literal.
// Dates use the proleptic Gregorian calendar; weeks follow Locale.US (weeks
// start on Sunday, week 1 contains January 1st).
#pragma once

#include <sluice/cpp/plugin.hpp>

#include "numbers.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::transforms {

namespace civil {
constexpr int64_t kMsPerDay = 86400000;

using ::sluice::transforms::floorDiv;
using ::sluice::transforms::floorMod;

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
inline int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = floorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline void civilFromDays(int64_t z, int64_t& y, int& m, int& d) {
  z += 719468;
  const int64_t era = floorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = yoe + era * 400 + (m <= 2);
}

/// 0 = Sunday ... 6 = Saturday.
inline int dayOfWeek(int64_t days) { return static_cast<int>(floorMod(days + 4, 7)); }
}  // namespace civil

class DateFormat {
 public:
  DateFormat() = default;

  /// Compile `pattern`; errors are ConfigErrors naming `key`.
  DateFormat(std::string_view pattern, const char* key) : pattern_(pattern) {
    compile(key);
    centuryStart_ = currentYear() - 80;
  }

  const std::string& pattern() const { return pattern_; }

  /// Output changes at most once per this many ms (0: never), for caching.
  int64_t granularityMs() const { return granularity_; }

  /// Append the formatted UTC time of `epochMs`.
  void format(int64_t epochMs, std::string& out) const {
    const int64_t days = civil::floorDiv(epochMs, civil::kMsPerDay);
    const int64_t msOfDay = epochMs - days * civil::kMsPerDay;
    int64_t year;
    int month, day;
    civil::civilFromDays(days, year, month, day);
    const int hour = static_cast<int>(msOfDay / 3600000);
    const int dow = civil::dayOfWeek(days);
    for (const Token& t : tokens_) {
      switch (t.letter) {
        case 0: out += t.literal; break;
        case 'G': out += year > 0 ? "AD" : "BC"; break;
        case 'y': appendYear(out, year, t.count); break;
        case 'Y': appendYear(out, weekYear(days, year), t.count); break;
        case 'M':
        case 'L':
          if (t.count >= 4) out += kMonths[month - 1];
          else if (t.count == 3) out.append(kMonths[month - 1], 3);
          else pad(out, month, t.count);
          break;
        case 'w': pad(out, weekOfYear(days, year), t.count); break;
        case 'W': pad(out, (day - 1 + civil::dayOfWeek(days - day + 1)) / 7 + 1, t.count); break;
        case 'D': pad(out, days - civil::daysFromCivil(year, 1, 1) + 1, t.count); break;
        case 'd': pad(out, day, t.count); break;
        case 'F': pad(out, (day - 1) / 7 + 1, t.count); break;
        case 'E':
          if (t.count >= 4) out += kDays[dow]; else out.append(kDays[dow], 3);
          break;
        case 'u': pad(out, (dow + 6) % 7 + 1, t.count); break;
        case 'a': out += hour < 12 ? "AM" : "PM"; break;
        case 'H': pad(out, hour, t.count); break;
        case 'k': pad(out, hour == 0 ? 24 : hour, t.count); break;
        case 'K': pad(out, hour % 12, t.count); break;
        case 'h': pad(out, hour % 12 == 0 ? 12 : hour % 12, t.count); break;
        case 'm': pad(out, (msOfDay / 60000) % 60, t.count); break;
        case 's': pad(out, (msOfDay / 1000) % 60, t.count); break;
        case 'S': pad(out, msOfDay % 1000, t.count); break;
        case 'z': out += t.count >= 4 ? "Coordinated Universal Time" : "UTC"; break;
        case 'Z': out += "+0000"; break;
        case 'X': out += "Z"; break;
        default: break;
      }
    }
  }

  std::string format(int64_t epochMs) const {
    std::string s;
    format(epochMs, s);
    return s;
  }

  /// SimpleDateFormat.parse(String): lenient (out-of-range values roll over),
  /// whitespace before numbers skipped, trailing text ignored. Day names,
  /// week fields and day-of-week numbers are read but do not change the date.
  std::optional<int64_t> parse(std::string_view text) const {
    size_t pos = 0;
    int64_t year = 1970, month = 1, day = 1, doy = 0, hour = 0, minute = 0, second = 0, millis = 0;
    int64_t hour12 = -1, offsetMin = 0;
    bool bc = false, pm = false, monthSet = false, daySet = false, doySet = false;
    for (size_t ti = 0; ti < tokens_.size(); ++ti) {
      const Token& t = tokens_[ti];
      if (t.letter == 0) {
        if (text.substr(pos, t.literal.size()) != t.literal) return std::nullopt;
        pos += t.literal.size();
        continue;
      }
      while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
      if (pos >= text.size()) return std::nullopt;
      if (isNumeric(t)) {
        const bool obey = ti + 1 < tokens_.size() && isNumeric(tokens_[ti + 1]);
        const size_t start = pos;
        auto v = parseNumber(text, pos, obey ? static_cast<size_t>(t.count) : 0);
        if (!v) return std::nullopt;
        switch (t.letter) {
          case 'y':
            year = *v;
            if (t.count <= 2 && pos - start == 2 && isDigit(text[start]) && isDigit(text[start + 1])) {
              const int64_t amb = centuryStart_ % 100;
              year += (centuryStart_ / 100) * 100 + (year < amb ? 100 : 0);
            }
            break;
          case 'M': case 'L': month = *v; monthSet = true; break;
          case 'd': day = *v; daySet = true; break;
          case 'D': doy = *v; doySet = true; break;
          case 'H': hour = *v; break;
          case 'k': hour = *v == 24 ? 0 : *v; break;
          case 'h': hour12 = *v == 12 ? 0 : *v; break;
          case 'K': hour12 = *v; break;
          case 'm': minute = *v; break;
          case 's': second = *v; break;
          case 'S': millis = *v; break;
          default: break;  // Y w W F u: read, not used
        }
        continue;
      }
      switch (t.letter) {
        case 'M':
        case 'L': {
          int i = matchName(text, pos, kMonths, 12);
          if (i < 0) return std::nullopt;
          month = i + 1;
          monthSet = true;
          break;
        }
        case 'E':
          if (matchName(text, pos, kDays, 7) < 0) return std::nullopt;
          break;
        case 'a': {
          static const char* const kAmPm[] = {"AM", "PM"};
          int i = matchName(text, pos, kAmPm, 2);
          if (i < 0) return std::nullopt;
          pm = i == 1;
          break;
        }
        case 'G': {
          static const char* const kEras[] = {"BC", "AD"};
          int i = matchName(text, pos, kEras, 2);
          if (i < 0) return std::nullopt;
          bc = i == 0;
          break;
        }
        case 'z': case 'Z': case 'X': {
          auto off = parseZone(text, pos);
          if (!off) return std::nullopt;
          offsetMin = *off;
          break;
        }
        default: return std::nullopt;
      }
    }
    if (bc) year = 1 - year;
    int64_t days;
    if (doySet && !monthSet && !daySet) {
      days = civil::daysFromCivil(year, 1, 1) + doy - 1;
    } else {
      const int64_t m0 = month - 1;
      days = civil::daysFromCivil(year + civil::floorDiv(m0, 12), civil::floorMod(m0, 12) + 1, 1) + day - 1;
    }
    if (hour12 >= 0) hour = hour12 + (pm ? 12 : 0);
    using wide = __int128;  // lenient fields can be large: check the range once at the end
    const wide ms = wide(days) * civil::kMsPerDay + wide(hour) * 3600000 + wide(minute) * 60000 +
                    wide(second) * 1000 + millis - wide(offsetMin) * 60000;
    if (ms > INT64_MAX || ms < INT64_MIN) return std::nullopt;
    return static_cast<int64_t>(ms);
  }

 private:
  struct Token {
    char letter = 0;  // 0: literal text
    int count = 0;
    std::string literal;
  };

  static constexpr const char* kMonths[12] = {"January", "February", "March",     "April",
                                              "May",     "June",     "July",      "August",
                                              "September", "October", "November", "December"};
  static constexpr const char* kDays[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                           "Thursday", "Friday", "Saturday"};

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

  static bool isNumeric(const Token& t) {
    switch (t.letter) {
      case 'M': case 'L': return t.count <= 2;
      case 'y': case 'Y': case 'd': case 'D': case 'F': case 'w': case 'W': case 'u':
      case 'H': case 'k': case 'K': case 'h': case 'm': case 's': case 'S':
        return true;
      default: return false;
    }
  }

  static int64_t unitMs(char letter) {
    switch (letter) {
      case 'S': return 1;
      case 's': return 1000;
      case 'm': return 60000;
      case 'H': case 'k': case 'K': case 'h': case 'a': return 3600000;
      case 'G': case 'z': case 'Z': case 'X': return 0;
      default: return civil::kMsPerDay;
    }
  }

  void compile(const char* key) {
    auto bad = [&](const std::string& why) {
      return ConfigError(std::string("option '") + key + "' is not a valid SimpleDateFormat pattern (" +
                         pattern_ + "): " + why);
    };
    std::string literal;
    auto flush = [&] {
      if (!literal.empty()) tokens_.push_back(Token{0, 0, std::move(literal)});
      literal.clear();
    };
    const std::string_view p = pattern_;
    for (size_t i = 0; i < p.size(); ++i) {
      const char c = p[i];
      if (c == '\'') {
        if (i + 1 < p.size() && p[i + 1] == '\'') {
          literal.push_back('\'');
          ++i;
          continue;
        }
        for (++i;; ++i) {
          if (i >= p.size()) throw bad("unterminated quote");
          if (p[i] == '\'') {
            if (i + 1 < p.size() && p[i + 1] == '\'') {
              literal.push_back('\'');
              ++i;
              continue;
            }
            break;
          }
          literal.push_back(p[i]);
        }
        continue;
      }
      if (!isAsciiLetter(c)) {
        literal.push_back(c);
        continue;
      }
      if (std::string_view("GyYMLwWDdFEuaHkKhmsSzZX").find(c) == std::string_view::npos)
        throw bad(std::string("illegal pattern character '") + c + "'");
      size_t j = i;
      while (j < p.size() && p[j] == c) ++j;
      const int count = static_cast<int>(j - i);
      if (c == 'X' && count > 3) throw bad("invalid ISO 8601 format: length=" + std::to_string(count));
      flush();
      tokens_.push_back(Token{c, count, {}});
      const int64_t u = unitMs(c);
      if (u > 0 && (granularity_ == 0 || u < granularity_)) granularity_ = u;
      i = j - 1;
    }
    flush();
  }

  static void pad(std::string& out, int64_t v, int minDigits) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    const int len = static_cast<int>(r.ptr - buf);
    if (len < minDigits) out.append(static_cast<size_t>(minDigits - len), '0');
    out.append(buf, r.ptr);
  }

  static void appendYear(std::string& out, int64_t year, int count) {
    const int64_t yoe = year > 0 ? year : 1 - year;  // year of era
    if (count == 2) pad(out, yoe % 100, 2); else pad(out, yoe, count);
  }

  /// Locale.US week numbering: weeks start on Sunday; week 1 holds January 1st.
  static int64_t weekYear(int64_t days, int64_t year) {
    const int64_t weekStart = days - civil::dayOfWeek(days);
    return weekStart + 6 >= civil::daysFromCivil(year + 1, 1, 1) ? year + 1 : year;
  }
  static int64_t weekOfYear(int64_t days, int64_t year) {
    if (weekYear(days, year) != year) return 1;
    const int64_t jan1 = civil::daysFromCivil(year, 1, 1);
    return (days - (jan1 - civil::dayOfWeek(jan1))) / 7 + 1;
  }

  /// Digits (with an optional leading '-'); at most `width` characters when
  /// width > 0 (abutting numeric fields, as in "yyyyMMdd").
  static std::optional<int64_t> parseNumber(std::string_view text, size_t& pos, size_t width) {
    const size_t end = width > 0 ? std::min(text.size(), pos + width) : text.size();
    size_t i = pos;
    bool neg = false;
    if (i < end && text[i] == '-') {
      neg = true;
      ++i;
    }
    const size_t digitsStart = i;
    int64_t v = 0;
    while (i < end && isDigit(text[i])) {
      if (i - digitsStart >= 18) return std::nullopt;
      v = v * 10 + (text[i] - '0');
      ++i;
    }
    if (i == digitsStart) return std::nullopt;
    pos = i;
    return neg ? -v : v;
  }

  /// Longest case-insensitive match of a full or 3-letter name; advances pos.
  static int matchName(std::string_view text, size_t& pos, const char* const* names, int n) {
    int best = -1;
    size_t bestLen = 0;
    for (int i = 0; i < n; ++i) {
      const std::string_view full(names[i]);
      for (size_t len : {full.size(), std::min<size_t>(3, full.size())}) {
        if (len <= bestLen || pos + len > text.size()) continue;
        bool eq = true;
        for (size_t k = 0; k < len && eq; ++k)
          eq = (text[pos + k] | 0x20) == (full[k] | 0x20);
        if (eq) {
          best = i;
          bestLen = len;
        }
      }
    }
    if (best >= 0) pos += bestLen;
    return best;
  }

  /// "Z", "UTC", "GMT", "UT", optionally followed by (or just) +hh, +hhmm, +hh:mm.
  static std::optional<int64_t> parseZone(std::string_view text, size_t& pos) {
    size_t i = pos;
    bool prefixed = false;
    for (std::string_view pre : {"UTC", "GMT", "UT"}) {
      if (text.substr(i, pre.size()) == pre) {
        i += pre.size();
        prefixed = true;
        break;
      }
    }
    if (!prefixed && i < text.size() && text[i] == 'Z') {
      pos = i + 1;
      return 0;
    }
    if (i >= text.size() || (text[i] != '+' && text[i] != '-')) {
      if (!prefixed) return std::nullopt;
      pos = i;
      return 0;
    }
    const int sign = text[i] == '-' ? -1 : 1;
    ++i;
    auto two = [&](size_t at) -> int {
      if (at + 1 >= text.size() || !isDigit(text[at]) || !isDigit(text[at + 1])) return -1;
      return (text[at] - '0') * 10 + (text[at + 1] - '0');
    };
    int hh = two(i);
    if (hh < 0) {  // a single hour digit, e.g. GMT+1
      if (i >= text.size() || !isDigit(text[i])) return std::nullopt;
      hh = text[i] - '0';
      ++i;
    } else {
      i += 2;
    }
    int mm = 0;
    if (i < text.size() && text[i] == ':') {
      mm = two(i + 1);
      if (mm < 0) return std::nullopt;
      i += 3;
    } else if (int m2 = two(i); m2 >= 0) {
      mm = m2;
      i += 2;
    }
    if (hh > 23 || mm > 59) return std::nullopt;
    pos = i;
    return sign * (hh * 60 + mm);
  }

  static int64_t currentYear() {
    const auto now = std::chrono::system_clock::now();
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    int64_t y;
    int m, d;
    civil::civilFromDays(civil::floorDiv(ms, civil::kMsPerDay), y, m, d);
    return y;
  }

  std::string pattern_;
  std::vector<Token> tokens_;
  int64_t granularity_ = 0;
  int64_t centuryStart_ = 1945;
};

}  // namespace sluice::transforms
