#include "insert_header.h"

#include "../common/config_util.h"

namespace sluice::transforms {

InsertHeader::InsertHeader(const Init& init) : RecordTransform(init) {
  header_ = presentString(config(), "header");
  value_ = presentString(config(), "value.literal");
}

void InsertHeader::transform(Record& r) { r.addHeader(header_, value_); }

}  // namespace sluice::transforms
