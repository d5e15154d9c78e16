#include "cast.h"

#include "../common/config_util.h"
#include "../common/numbers.h"

#include <cmath>
#include <limits>

namespace sluice::transforms {

namespace {
const char* const kTypeNames[] = {"int8",    "int16",   "int32",   "int64",
                                  "float32", "float64", "boolean", "string"};

Cast::Type parseType(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  for (int i = 0; i < 8; ++i)
    if (equalsIgnoreCase(t, kTypeNames[i])) return static_cast<Cast::Type>(i);
  throw ConfigError("option 'spec': invalid or unsupported cast type '" + std::string(t) +
                    "'; supported types are int8, int16, int32, int64, float32, float64, boolean, string");
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

/// Number.xxxValue() of an int64 or a double, narrowed like Java.
int64_t toInteger(const Value& v, Cast::Type to) {
  if (v.type == SLUICE_TYPE_INT) {
    switch (to) {
      case Cast::Type::Int8: return static_cast<int8_t>(v.i);
      case Cast::Type::Int16: return static_cast<int16_t>(v.i);
      case Cast::Type::Int32: return static_cast<int32_t>(v.i);
      default: return v.i;
    }
  }
  switch (to) {
    case Cast::Type::Int8: return static_cast<int8_t>(javaDoubleToInt(v.d));
    case Cast::Type::Int16: return static_cast<int16_t>(javaDoubleToInt(v.d));
    case Cast::Type::Int32: return javaDoubleToInt(v.d);
    default: return javaDoubleToLong(v.d);
  }
}

std::pair<int64_t, int64_t> rangeOf(Cast::Type t) {
  switch (t) {
    case Cast::Type::Int8: return {INT8_MIN, INT8_MAX};
    case Cast::Type::Int16: return {INT16_MIN, INT16_MAX};
    case Cast::Type::Int32: return {INT32_MIN, INT32_MAX};
    default: return {INT64_MIN, INT64_MAX};
  }
}
}  // namespace

Cast::Cast(const Init& init) : RecordTransform(init) {
  const std::vector<std::string> spec = config().getList("spec");
  if (spec.empty()) throw ConfigError("option 'spec' must name at least one field to cast, or a single type");
  for (const std::string& item : spec) {
    std::vector<std::string> parts = splitColon(item);
    if (parts.size() > 2)
      throw ConfigError("option 'spec': invalid cast mapping '" + item + "', expected field:type");
    if (parts.size() == 1) {
      whole_ = parseType(parts[0]);
      continue;
    }
    std::string name = trim(parts[0]);
    Type type = parseType(parts[1]);
    std::erase_if(fields_, [&](const FieldCast& f) { return f.field.text() == name; });  // last one wins
    fields_.push_back(FieldCast{FieldPath::field(name), type});
  }
  if (whole_ && spec.size() > 1)
    throw ConfigError(
        "option 'spec': a cast of the entire value to a type must be the only entry of the spec");
}

Value Cast::castValue(const Value& v, Type to) {
  if (v.type == SLUICE_TYPE_OBJECT || v.type == SLUICE_TYPE_ARRAY)
    throw DataError(std::string("cannot cast a value of type ") + typeName(v.type) +
                    " (only numbers, booleans and strings)");
  switch (to) {
    case Type::Int8:
    case Type::Int16:
    case Type::Int32:
    case Type::Int64: {
      if (v.type == SLUICE_TYPE_BOOL) return Value::integer(v.b ? 1 : 0);
      if (v.type == SLUICE_TYPE_STRING) {
        auto [lo, hi] = rangeOf(to);
        auto n = parseJavaInteger(v.s, lo, hi);
        if (!n)
          throw DataError("value (" + v.s + ") is not a number or out of range for " + kTypeNames[int(to)]);
        return Value::integer(*n);
      }
      return Value::integer(toInteger(v, to));
    }
    case Type::Float32:
    case Type::Float64: {
      double d = 0;
      if (v.type == SLUICE_TYPE_BOOL) d = v.b ? 1 : 0;
      else if (v.type == SLUICE_TYPE_INT) d = static_cast<double>(v.i);
      else if (v.type == SLUICE_TYPE_DOUBLE) d = v.d;
      else {
        auto n = parseJavaDouble(v.s);
        if (!n) throw DataError("value (" + v.s + ") is not a number");
        d = *n;
      }
      if (to == Type::Float32) d = roundToFloat(d);
      if (!std::isfinite(d))
        throw DataError("the result of the cast to " + std::string(kTypeNames[int(to)]) +
                        " is not a finite number, which JSON cannot hold");
      return Value::real(d);
    }
    case Type::Boolean:
      switch (v.type) {
        case SLUICE_TYPE_INT: return Value::boolean(v.i != 0);
        case SLUICE_TYPE_DOUBLE: return Value::boolean(javaDoubleToLong(v.d) != 0);  // longValue() != 0
        case SLUICE_TYPE_STRING: return Value::boolean(equalsIgnoreCase(v.s, "true"));
        default: return Value::boolean(v.b);
      }
    case Type::String:
      switch (v.type) {
        case SLUICE_TYPE_INT: return Value::string(std::to_string(v.i));
        case SLUICE_TYPE_DOUBLE: {
          std::string s;
          appendJavaDouble(s, v.d);
          return Value::string(std::move(s));
        }
        case SLUICE_TYPE_BOOL: return Value::string(v.b ? "true" : "false");
        default: return v;
      }
  }
  return v;
}

void Cast::transform(Record& r) {
  const sluice_part p = part();
  const Value doc = r.get(p, Path{});
  if (isNull(doc)) return;  // null key/value: passed through
  if (whole_) {
    r.set(p, Path{}, castValue(doc, *whole_));
    return;
  }
  if (doc.type != SLUICE_TYPE_OBJECT)
    throw DataError(std::string("only JSON objects are supported for [cast types] with field casts, ") +
                    "found: " + typeName(doc.type));
  for (const FieldCast& f : fields_) {
    const Value v = r.get(p, f.field.path());
    if (isNull(v)) continue;  // null stays null; absent fields are not added
    try {
      r.set(p, f.field.path(), castValue(v, f.type));
    } catch (const DataError& e) {
      throw DataError("field '" + f.field.text() + "': " + e.what());
    }
  }
}

}  // namespace sluice::transforms
