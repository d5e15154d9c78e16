#include "extract_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

ExtractField::ExtractField(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  auto field = c.get("field");
  if (!field) throw ConfigError("missing required option 'field'");
  const std::string version = c.getString("field.syntax.version", "V1");
  FieldSyntax syntax;
  if (equalsIgnoreCase(version, "V1")) syntax = FieldSyntax::V1;
  else if (equalsIgnoreCase(version, "V2")) syntax = FieldSyntax::V2;
  else throw ConfigError("option 'field.syntax.version' must be V1 or V2, got '" + version + "'");
  field_ = FieldPath::parse(*field, syntax, "field");
  for (size_t n = 1; n < field_.depth(); ++n) parents_.push_back(field_.prefix(n));
}

void ExtractField::transform(Record& r) {
  if (!objectOrNull(r, "field extraction")) return;  // null key/value: passed through
  const sluice_part p = part();
  for (const Path& parent : parents_) {
    const Value v = r.get(p, parent);
    if (isNull(v)) {  // a missing parent: the result is null
      r.setRaw(p, std::nullopt);
      return;
    }
    if (v.type != SLUICE_TYPE_OBJECT)
      throw DataError(std::string("only JSON objects are supported for [nested field access] of '") +
                      field_.text() + "', found: " + typeName(v.type));
  }
  if (isNull(r.get(p, field_.path()))) {
    r.setRaw(p, std::nullopt);  // absent or null field: the key/value becomes null
    return;
  }
  r.copy(p, field_.path(), p, Path{});
}

}  // namespace sluice::transforms
