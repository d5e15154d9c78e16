#include "record_is_tombstone.h"

namespace sluice::transforms {

bool RecordIsTombstone::test(const Record& r) { return r.isTombstone(); }

}  // namespace sluice::transforms
