#include "value_to_key.h"

#include "../common/config_util.h"

namespace sluice::transforms {

ValueToKey::ValueToKey(const Init& init) : RecordTransform(init) {
  for (const std::string& f : requireList(config(), "fields")) fields_.push_back(FieldPath::field(f));
}

void ValueToKey::transform(Record& r) {
  const Value doc = r.get(SLUICE_PART_VALUE, Path{});
  if (doc.type != SLUICE_TYPE_OBJECT)
    throw DataError(std::string("only JSON objects are supported for [copying fields from value to key], ") +
                    "found: " + typeName(doc.type));
  // Check every field before touching the key, so a failure leaves the record as it was.
  for (const FieldPath& f : fields_)
    if (r.get(SLUICE_PART_VALUE, f.path()).absent()) throw DataError("field does not exist: " + f.text());
  r.set(SLUICE_PART_KEY, Path{}, Value::object());
  for (const FieldPath& f : fields_) r.copy(SLUICE_PART_VALUE, f.path(), SLUICE_PART_KEY, f.path());
}

}  // namespace sluice::transforms
