#include "drop_headers.h"

#include "../common/config_util.h"

#include <algorithm>

namespace sluice::transforms {

DropHeaders::DropHeaders(const Init& init) : RecordTransform(init) {
  headers_ = requireList(config(), "headers");
  std::sort(headers_.begin(), headers_.end());
  headers_.erase(std::unique(headers_.begin(), headers_.end()), headers_.end());
}

void DropHeaders::transform(Record& r) {
  if (r.headerCount() == 0) return;
  for (const std::string& h : headers_) r.removeHeaders(h);
}

}  // namespace sluice::transforms
