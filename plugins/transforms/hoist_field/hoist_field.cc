#include "hoist_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

HoistField::HoistField(const Init& init) : RecordTransform(init) {
  auto field = config().get("field");
  if (!field) throw ConfigError("missing required option 'field'");
  field_ = FieldPath::field(*field);
}

void HoistField::transform(Record& r) {
  const sluice_part p = part();
  if (isNull(r.get(p, Path{}))) {  // a null key/value becomes {"field": null}
    r.set(p, Path{}, Value::object());
    r.set(p, field_.path(), Value::null());
    return;
  }
  // Moving the whole document into one of its own fields leaves {"field": old}.
  r.copy(p, Path{}, p, field_.path(), /*move=*/true);
}

}  // namespace sluice::transforms
