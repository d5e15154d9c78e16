#include "host/runtime/record.h"

namespace sluice::runtime {

boost::json::value* RecordPart::doc(const Converter& conv, Status* err) {
  if (!doc_) {
    boost::json::value v;
    Status s = conv.toDocument(bytes_, &v);
    if (!s.isOk()) {
      *err = std::move(s);
      return nullptr;
    }
    doc_ = std::move(v);
  }
  return &*doc_;
}

const std::optional<std::string>& RecordPart::bytes(const Converter& conv) {
  if (dirty_ && doc_) {
    bytes_ = conv.fromDocument(*doc_);
    dirty_ = false;
  }
  return bytes_;
}

}  // namespace sluice::runtime
