// Shared base for the built-in transforms: per-record errors, type names and
// the "operating document must be an object" checks Connect's Requirements do.
#pragma once

#include <sluice/cpp/plugin.hpp>

#include <stdexcept>
#include <string>

namespace sluice::transforms {

/// A problem with one record (Connect's DataException). RecordTransform turns
/// it into SLUICE_BAD_RECORD so the host's error handling can deal with it.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline const char* typeName(sluice_type t) {
  switch (t) {
    case SLUICE_TYPE_ABSENT: return "absent";
    case SLUICE_TYPE_NULL: return "null";
    case SLUICE_TYPE_BOOL: return "boolean";
    case SLUICE_TYPE_INT: return "integer";
    case SLUICE_TYPE_DOUBLE: return "double";
    case SLUICE_TYPE_STRING: return "string";
    case SLUICE_TYPE_OBJECT: return "object";
    case SLUICE_TYPE_ARRAY: return "array";
  }
  return "unknown";
}

/// Null and absent both mean "no value" (a tombstone, a null key, a missing field).
inline bool isNull(const Value& v) {
  return v.type == SLUICE_TYPE_NULL || v.type == SLUICE_TYPE_ABSENT;
}

/// An empty value of a container type (Value has factories for objects only).
inline Value emptyOf(sluice_type t) {
  Value v;
  v.type = t;
  return v;
}

/// For transforms with operator state: run `fn` on one record, turning a
/// problem with that record (DataError, RecordError) into its status, so
/// errors.tolerance can skip it. Anything else -- state that cannot be read,
/// written or decoded -- propagates and fails the task.
template <class F>
Status recordErrorsOnly(F&& fn) {
  try {
    fn();
    return Status::ok();
  } catch (const DataError& e) {
    return Status::badRecord(e.what());
  } catch (const RecordError& e) {
    return Status::fromCode(e.code(), e.what());
  }
}

/// Base of the record-at-a-time transforms: any exception thrown by
/// transform() fails that record with SLUICE_BAD_RECORD and its message (the
/// host adds the transform's alias and plugin name).
class RecordTransform : public Transform {
 public:
  using Transform::Transform;

  Status applyOne(Record& r) final {
    try {
      transform(r);
      return Status::ok();
    } catch (const std::exception& e) {
      return Status::badRecord(e.what());
    }
  }

 protected:
  virtual void transform(Record& r) = 0;

  /// Connect's requireMapOrNull on the key/value this instance works on:
  /// false for a null document, true for an object, DataError otherwise.
  bool objectOrNull(const Record& r, const char* purpose) const {
    const Value v = r.get(part(), Path{});
    if (isNull(v)) return false;
    if (v.type != SLUICE_TYPE_OBJECT) throw notAnObject(v, purpose);
    return true;
  }

  /// Connect's requireMap: the document must be an object (null is an error too).
  void requireObject(const Record& r, const char* purpose) const {
    const Value v = r.get(part(), Path{});
    if (v.type != SLUICE_TYPE_OBJECT) throw notAnObject(v, purpose);
  }

 private:
  DataError notAnObject(const Value& v, const char* purpose) const {
    return DataError(std::string("only JSON objects are supported for [") + purpose + "] in the record " +
                     (part() == SLUICE_PART_KEY ? "key" : "value") + ", found: " + typeName(v.type));
  }
};

}  // namespace sluice::transforms
