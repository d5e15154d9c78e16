#include "mask_field.h"

#include "../common/config_util.h"
#include "../common/numbers.h"

#include <cmath>

namespace sluice::transforms {

MaskField::MaskField(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  for (const std::string& f : requireList(c, "fields")) fields_.push_back(FieldPath::field(f));
  if (auto v = c.get("replacement")) {
    if (v->empty()) throw ConfigError("option 'replacement' must be a non-empty string when set");
    replacement_ = std::string(*v);
    // Connect converts the replacement to the field's number type (Values.convertToLong/Double):
    // integers parse as such, decimals are truncated for integer fields.
    replacementDouble_ = parseJavaDouble(*replacement_);
    if (replacementDouble_ && !std::isfinite(*replacementDouble_)) replacementDouble_.reset();
    replacementInt_ = parseJavaInteger(*replacement_);
    if (!replacementInt_ && replacementDouble_) replacementInt_ = javaDoubleToLong(*replacementDouble_);
  }
}

Value MaskField::masked(const Value& v, const FieldPath& field) const {
  if (!replacement_) {
    switch (v.type) {
      case SLUICE_TYPE_BOOL: return Value::boolean(false);
      case SLUICE_TYPE_INT: return Value::integer(0);
      case SLUICE_TYPE_DOUBLE: return Value::real(0);
      case SLUICE_TYPE_STRING: return Value::string({});
      default: return emptyOf(v.type);  // OBJECT / ARRAY: set empty
    }
  }
  switch (v.type) {
    case SLUICE_TYPE_STRING: return Value::string(*replacement_);
    case SLUICE_TYPE_INT:
      if (replacementInt_) return Value::integer(*replacementInt_);
      break;
    case SLUICE_TYPE_DOUBLE:
      if (replacementDouble_) return Value::real(*replacementDouble_);
      break;
    default:
      throw DataError("cannot mask field '" + field.text() + "' of type " + typeName(v.type) +
                      " with a custom replacement (only numbers and strings)");
  }
  throw DataError("cannot mask numeric field '" + field.text() + "': replacement '" + *replacement_ +
                  "' is not a number");
}

void MaskField::transform(Record& r) {
  requireObject(r, "mask fields");
  const sluice_part p = part();
  for (const FieldPath& f : fields_) {
    const Value v = r.get(p, f.path());
    if (isNull(v)) continue;  // null stays null; absent fields are not added
    r.set(p, f.path(), masked(v, f));
  }
}

}  // namespace sluice::transforms
