#include "record_is_tombstone.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo RecordIsTombstone::info() {
  PluginInfo i{"RecordIsTombstone", "1.0.0",
               "A predicate which is true for records which are tombstones (have a null value)."};
  i.aliases = SLUICE_CONNECT_PREDICATE_ALIAS("RecordIsTombstone");
  return i;
}

std::vector<Option> RecordIsTombstone::options() { return {}; }

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::RecordIsTombstone)
