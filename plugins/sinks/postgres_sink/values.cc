#include "values.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sluice_plugins::pgvalues {
namespace json = boost::json;

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};
Civil civilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::string number(double d) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, p) : std::to_string(d);
}

}  // namespace

std::optional<std::string> inferType(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64: return "bigint";
    case json::kind::double_: return "double precision";
    case json::kind::bool_: return "boolean";
    case json::kind::string: return "text";
    case json::kind::object:
    case json::kind::array: return "jsonb";
    case json::kind::null: return std::nullopt;
  }
  return std::nullopt;
}

Category categorize(std::string_view t) {
  if (t == "bigint" || t == "integer" || t == "smallint") return Category::kInteger;
  if (t == "double precision" || t == "real") return Category::kFloat;
  if (t.starts_with("numeric")) return Category::kNumeric;
  if (t == "boolean") return Category::kBoolean;
  if (t == "jsonb" || t == "json") return Category::kJson;
  if (t.starts_with("timestamp")) return Category::kTimestamp;
  if (t == "text" || t.starts_with("character")) return Category::kText;
  return Category::kOther;
}

std::string describe(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64: return "the number " + json::serialize(v);
    case json::kind::double_: return "the number " + number(v.as_double());
    case json::kind::bool_: return v.as_bool() ? "true" : "false";
    case json::kind::string: {
      std::string s = json::serialize(v);
      if (s.size() > 60) s = s.substr(0, 57) + "...\"";
      return "the string " + s;
    }
    case json::kind::object: return "an object";
    case json::kind::array: return "an array";
    case json::kind::null: return "null";
  }
  return "a value";
}

bool render(const json::value& v, Category c, std::string* out, std::string* why) {
  out->clear();
  switch (c) {
    case Category::kInteger:
      if (v.is_int64()) *out = std::to_string(v.as_int64());
      else if (v.is_uint64()) *out = std::to_string(v.as_uint64());
      else if (v.is_double() && std::isfinite(v.as_double()) && v.as_double() == std::trunc(v.as_double()) &&
               std::fabs(v.as_double()) < 9.0e15)
        *out = std::to_string(static_cast<int64_t>(v.as_double()));
      else {
        *why = "expected an integer, got " + describe(v);
        return false;
      }
      return true;
    case Category::kFloat:
    case Category::kNumeric:
      if (v.is_int64()) *out = std::to_string(v.as_int64());
      else if (v.is_uint64()) *out = std::to_string(v.as_uint64());
      else if (v.is_double()) *out = number(v.as_double());
      else {
        *why = "expected a number, got " + describe(v);
        return false;
      }
      return true;
    case Category::kBoolean:
      if (!v.is_bool()) {
        *why = "expected true or false, got " + describe(v);
        return false;
      }
      *out = v.as_bool() ? "t" : "f";
      return true;
    case Category::kJson: *out = json::serialize(v); return true;
    case Category::kTimestamp:
      if (v.is_int64()) *out = formatMillis(v.as_int64());
      else if (v.is_string()) out->assign(v.as_string().data(), v.as_string().size());
      else {
        *why = "expected epoch milliseconds or a timestamp string, got " + describe(v);
        return false;
      }
      break;
    case Category::kText:
    case Category::kOther:
      if (v.is_string()) out->assign(v.as_string().data(), v.as_string().size());
      else if (v.is_double()) *out = number(v.as_double());
      else if (v.is_bool()) *out = v.as_bool() ? "true" : "false";
      else *out = json::serialize(v);  // integers, objects and arrays as JSON text
      break;
  }
  if (out->find('\0') != std::string::npos) {
    *why = "contains a NUL character, which PostgreSQL text cannot hold";
    return false;
  }
  return true;
}

std::optional<int64_t> parseIsoMillis(std::string_view s) {
  int y, mo, d;
  if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' ||
      !digits(s, 8, 2, &d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t ms = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000LL;
  size_t i = 10;
  if (i == s.size()) return ms;
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
  int h, mi, sec = 0;
  if (!digits(s, i + 1, 2, &h) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, &mi)) return std::nullopt;
  i += 6;
  if (i < s.size() && s[i] == ':') {
    if (!digits(s, i + 1, 2, &sec)) return std::nullopt;
    i += 3;
  }
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  int64_t frac = 0;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    ++i;
    int n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (n < 3) frac = frac * 10 + (s[i] - '0');
      ++n;
      ++i;
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) frac *= 10;
  }
  ms += (h * 3600LL + mi * 60LL + sec) * 1000 + frac;
  if (i == s.size()) return ms;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size() ? std::optional<int64_t>(ms) : std::nullopt;
  if (s[i] != '+' && s[i] != '-') return std::nullopt;
  int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
  if (!digits(s, i + 1, 2, &oh)) return std::nullopt;
  i += 3;
  if (i < s.size() && s[i] == ':') ++i;
  if (i < s.size()) {
    if (!digits(s, i, 2, &om)) return std::nullopt;
    i += 2;
  }
  if (i != s.size() || oh > 23 || om > 59) return std::nullopt;
  return ms - sign * (oh * 3600LL + om * 60LL) * 1000;
}

std::optional<int64_t> timeMillis(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v.as_uint64());
  if (v.is_string()) return parseIsoMillis(std::string_view(v.as_string().data(), v.as_string().size()));
  return std::nullopt;
}

std::string formatMillis(int64_t ms) {
  int64_t days = floorDiv(ms, 86400000);
  int64_t rest = ms - days * 86400000;
  Civil c = civilFromDays(days);
  if (c.y < 0 || c.y > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%03lld+00", static_cast<long long>(c.y), c.m, c.d,
                  static_cast<long long>(rest / 3600000), static_cast<long long>(rest / 60000 % 60),
                  static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
    return buf;
  }
  // "YYYY-MM-DD HH:MM:SS.mmm+00" without printf: this runs once per row.
  char b[27] = "0000-00-00 00:00:00.000+00";
  auto put = [&](int pos, int width, int64_t v) {
    for (int i = pos + width - 1; i >= pos; --i, v /= 10) b[i] = static_cast<char>('0' + v % 10);
  };
  put(0, 4, c.y);
  put(5, 2, c.m);
  put(8, 2, c.d);
  put(11, 2, rest / 3600000);
  put(14, 2, rest / 60000 % 60);
  put(17, 2, rest / 1000 % 60);
  put(20, 3, rest % 1000);
  return std::string(b, 26);
}

Range partitionRange(int64_t ms, Interval interval) {
  char buf[32];
  int64_t days = floorDiv(ms, 86400000);
  Civil c = civilFromDays(days);
  switch (interval) {
    case Interval::kHourly: {
      int64_t start = floorDiv(ms, 3600000) * 3600000;
      std::snprintf(buf, sizeof buf, "_p%04lld%02u%02u%02lld", static_cast<long long>(c.y), c.m, c.d,
                    static_cast<long long>((start - days * 86400000) / 3600000));
      return {start, start + 3600000, buf};
    }
    case Interval::kMonthly: {
      int64_t start = daysFromCivil(c.y, c.m, 1) * 86400000;
      int64_t end = (c.m == 12 ? daysFromCivil(c.y + 1, 1, 1) : daysFromCivil(c.y, c.m + 1, 1)) * 86400000;
      std::snprintf(buf, sizeof buf, "_p%04lld%02u", static_cast<long long>(c.y), c.m);
      return {start, end, buf};
    }
    case Interval::kDaily:
    case Interval::kNone:
    default: {
      std::snprintf(buf, sizeof buf, "_p%04lld%02u%02u", static_cast<long long>(c.y), c.m, c.d);
      return {days * 86400000, (days + 1) * 86400000, buf};
    }
  }
}

void appendCopyEscaped(std::string& out, std::string_view s) {
  // Copy runs of ordinary bytes at once; escape the four special ones.
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char ch = s[i];
    if (ch != '\\' && ch != '\n' && ch != '\r' && ch != '\t') continue;
    out.append(s.data() + start, i - start);
    out += '\\';
    out += ch == '\\' ? '\\' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

}  // namespace sluice_plugins::pgvalues
