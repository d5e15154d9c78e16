#include "filter.h"

namespace sluice::transforms {

Status Filter::apply(Batch& batch) {
  for (size_t i = 0, n = batch.size(); i < n; ++i) batch[i].drop();
  return Status::ok();
}

}  // namespace sluice::transforms
