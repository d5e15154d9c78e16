#include "header_from.h"

#include "../common/config_util.h"

namespace sluice::transforms {

HeaderFrom::HeaderFrom(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  const std::vector<std::string> fields = requireList(c, "fields");
  const std::vector<std::string> headers = requireList(c, "headers");
  if (fields.size() != headers.size())
    throw ConfigError("option 'fields' must have the same number of elements as option 'headers'");
  for (size_t i = 0; i < fields.size(); ++i)
    mappings_.push_back(Mapping{FieldPath::field(fields[i]), headers[i]});
  const std::string op = c.requireString("operation");
  if (op == "move") move_ = true;
  else if (op != "copy") throw ConfigError("option 'operation' must be 'move' or 'copy', got '" + op + "'");
}

void HeaderFrom::transform(Record& r) {
  requireObject(r, move_ ? "header move" : "header copy");
  const sluice_part p = part();
  for (const Mapping& m : mappings_) {
    const Value v = r.get(p, m.field.path());
    if (isNull(v)) r.addHeader(m.header, std::nullopt);  // absent or null field: a null header
    else if (v.type == SLUICE_TYPE_STRING) r.addHeader(m.header, v.s);
    else r.addHeader(m.header, r.getJson(p, m.field.path()));
  }
  if (move_)  // after all headers are read, so a field listed twice feeds both
    for (const Mapping& m : mappings_) r.remove(p, m.field.path());
}

}  // namespace sluice::transforms
