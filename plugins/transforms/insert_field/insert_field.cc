#include "insert_field.h"

#include "../common/config_util.h"

namespace sluice::transforms {

namespace {
/// Connect's InsertionSpec: a trailing '!' (required) or '?' (optional) only
/// matters for schemas, so it is stripped. Unset or empty: no insertion.
std::optional<FieldPath> insertionSpec(const Config& c, const char* key) {
  auto v = optionalString(c, key);
  if (!v) return std::nullopt;
  if (v->back() == '!' || v->back() == '?') v->pop_back();
  if (v->empty())
    throw ConfigError(std::string("option '") + key + "' needs a field name before the '!' or '?'");
  return FieldPath::field(*v);
}
}  // namespace

InsertField::InsertField(const Init& init) : RecordTransform(init) {
  const Config& c = config();
  topicField_ = insertionSpec(c, "topic.field");
  partitionField_ = insertionSpec(c, "partition.field");
  offsetField_ = insertionSpec(c, "offset.field");
  timestampField_ = insertionSpec(c, "timestamp.field");
  staticField_ = insertionSpec(c, "static.field");
  if (!topicField_ && !partitionField_ && !offsetField_ && !timestampField_ && !staticField_)
    throw ConfigError(
        "no field insertion configured: set at least one of 'topic.field', 'partition.field', "
        "'offset.field', 'timestamp.field' or 'static.field'");
  if (staticField_) {
    auto v = c.get("static.value");
    if (!v) throw ConfigError("option 'static.value' is required when 'static.field' is set");
    staticValue_ = Value::string(std::string(*v));
  }
  topic_.type = SLUICE_TYPE_STRING;
}

void InsertField::transform(Record& r) {
  if (!objectOrNull(r, "field insertion")) return;  // null key/value: passed through
  const sluice_part p = part();
  if (topicField_) {
    topic_.s.assign(r.topic());
    r.set(p, topicField_->path(), topic_);
  }
  if (partitionField_ && r.partition() >= 0) r.set(p, partitionField_->path(), Value::integer(r.partition()));
  if (offsetField_ && r.offset() >= 0) r.set(p, offsetField_->path(), Value::integer(r.offset()));
  if (timestampField_ && r.timestampMs() >= 0)
    r.set(p, timestampField_->path(), Value::integer(r.timestampMs()));
  if (staticField_) r.set(p, staticField_->path(), staticValue_);
}

}  // namespace sluice::transforms
