// Java-compatible number parsing and formatting (Long.parseLong,
// Double.parseDouble, Double.toString and the narrowing casts of
// java.lang.Number), used where Connect's behaviour depends on them, plus
// floor division and saturating arithmetic for time computations.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::transforms {

/// Division rounding toward negative infinity (Java's Math.floorDiv).
inline int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
/// The remainder of floorDiv, with the sign of `b` (computed without overflow).
inline int64_t floorMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

/// a + b clamped to the int64 range (event times near the limits must not wrap).
inline int64_t saturatingAdd(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_add_overflow(a, b, &r)) return r;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}
inline int64_t saturatingSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (!__builtin_sub_overflow(a, b, &r)) return r;
  return b < 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

/// Long.parseLong / Integer.parseInt / ...: optional sign, ASCII digits only,
/// no whitespace; nullopt when malformed or outside [min, max].
inline std::optional<int64_t> parseJavaInteger(std::string_view s,
                                               int64_t min = std::numeric_limits<int64_t>::min(),
                                               int64_t max = std::numeric_limits<int64_t>::max()) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s.front() == '+' || s.front() == '-') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t mag = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    mag = mag * 10 + d;
  }
  if (neg) {
    if (mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) return std::nullopt;
    int64_t v = mag == 0 ? 0 : static_cast<int64_t>(0 - mag);  // two's complement wrap is defined in C++20
    if (v < min) return std::nullopt;
    return v;
  }
  if (mag > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  int64_t v = static_cast<int64_t>(mag);
  if (v > max) return std::nullopt;
  return v;
}

/// Double.parseDouble for decimal input: surrounding whitespace (chars <= ' ')
/// is ignored, an optional sign, digits with an optional fraction and
/// exponent, an optional f/F/d/D suffix, or NaN / Infinity.
inline std::optional<double> parseJavaDouble(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s.front() == '+' || s.front() == '-') {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "Infinity") return neg ? -HUGE_VAL : HUGE_VAL;
  if (!s.empty() && (s.back() == 'f' || s.back() == 'F' || s.back() == 'd' || s.back() == 'D'))
    s.remove_suffix(1);
  // Validate the grammar ourselves: from_chars accepts forms Java does not ("inf", "nan").
  size_t i = 0, digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t expDigits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++expDigits;
    if (expDigits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string buf(s);
  if (buf.front() == '+') buf.erase(0, 1);
  double v = 0;
  auto [p, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec == std::errc::result_out_of_range) {
    // Java rounds overflow to infinity and underflow to zero.
    bool tiny = buf.find_first_of("eE") != std::string::npos &&
                buf.find('-', buf.find_first_of("eE")) != std::string::npos;
    v = tiny ? 0.0 : HUGE_VAL;
  } else if (ec != std::errc() || p != buf.data() + buf.size()) {
    return std::nullopt;
  }
  return neg ? -v : v;
}

/// (long) d in Java: NaN -> 0, saturating at the int64 range, truncating toward zero.
inline int64_t javaDoubleToLong(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

/// (int) d in Java: NaN -> 0, saturating at the int32 range.
inline int32_t javaDoubleToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

/// Double.toString: shortest round-trip digits, plain notation for
/// 1e-3 <= |d| < 1e7 (always with a fractional part, "1.0"), otherwise
/// computerized scientific notation ("1.0E10", "1.234E-5").
inline void appendJavaDouble(std::string& out, double d) {
  if (std::isnan(d)) { out += "NaN"; return; }
  if (std::isinf(d)) { out += d > 0 ? "Infinity" : "-Infinity"; return; }
  if (d == 0) { out += std::signbit(d) ? "-0.0" : "0.0"; return; }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(d), std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));  // e.g. "1.2345e+10", "5e-07"
  size_t e = sci.find('e');
  std::string digits(1, sci[0]);
  if (e > 1) digits.append(sci.substr(2, e - 2));
  std::string_view expText = sci.substr(e + 1);
  if (!expText.empty() && expText.front() == '+') expText.remove_prefix(1);
  int exp = 0;
  std::from_chars(expText.data(), expText.data() + expText.size(), exp);
  if (d < 0) out.push_back('-');
  const double a = std::fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    if (exp >= 0) {
      size_t intLen = static_cast<size_t>(exp) + 1;
      if (digits.size() <= intLen) {
        out += digits;
        out.append(intLen - digits.size(), '0');
        out += ".0";
      } else {
        out.append(digits, 0, intLen);
        out.push_back('.');
        out.append(digits, intLen, std::string::npos);
      }
    } else {
      out += "0.";
      out.append(static_cast<size_t>(-exp - 1), '0');
      out += digits;
    }
  } else {
    out.push_back(digits[0]);
    out.push_back('.');
    if (digits.size() > 1) out.append(digits, 1, std::string::npos); else out.push_back('0');
    out.push_back('E');
    out += std::to_string(exp);
  }
}

/// Float.floatValue() of a value, kept in a double whose shortest decimal form
/// equals the float's ("1.1" stays 1.1 rather than 1.100000023841858), which is
/// how a float32 reaches JSON through Connect's JsonConverter.
inline double roundToFloat(double d) {
  if (std::isnan(d)) return d;
  if (std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max()))
    return d > 0 ? HUGE_VAL : -HUGE_VAL;  // Java's float overflow; the caller rejects infinities
  float f = static_cast<float>(d);
  if (!std::isfinite(f)) return static_cast<double>(f);
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, f);
  double out = 0;
  std::from_chars(buf, res.ptr, out);
  return out;
}

}  // namespace sluice::transforms
