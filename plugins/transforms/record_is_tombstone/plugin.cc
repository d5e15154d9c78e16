#include "record_is_tombstone.h"

namespace sluice::transforms {

PluginInfo RecordIsTombstone::info() {
  return PluginInfo{"RecordIsTombstone", "1.0.0",
                    "A predicate which is true for records which are tombstones (have a null value)."};
}

std::vector<Option> RecordIsTombstone::options() { return {}; }

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::RecordIsTombstone)
