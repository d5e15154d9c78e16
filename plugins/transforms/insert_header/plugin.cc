#include "insert_header.h"

#include "../common/config_util.h"

namespace sluice::transforms {

PluginInfo InsertHeader::info() {
  return PluginInfo{"InsertHeader", "1.0.0", "Add a header with a literal value to each record."};
}

std::vector<Option> InsertHeader::options() {
  return {
      requiredOption("header", OptionType::String, "The name of the header."),
      requiredOption("value.literal", OptionType::String,
                     "The literal value that is to be set as the header value on all records (its UTF-8 "
                     "bytes)."),
  };
}

}  // namespace sluice::transforms

SLUICE_PLUGIN(sluice::transforms::InsertHeader)
