#include "host/runtime/record.h"

namespace sluice::runtime {

boost::json::value* RecordPart::doc(const Converter& conv, Status* err) {
  if (!doc_) {
    boost::json::value v;
    Status s = conv.toDocument(rawBytes(), &v);
    if (!s.isOk()) {
      *err = std::move(s);
      return nullptr;
    }
    doc_ = std::move(v);
  }
  return &*doc_;
}

std::optional<std::string_view> RecordPart::bytes(const Converter& conv) {
  if (dirty_ && doc_) {
    owned_ = conv.fromDocument(*doc_);
    borrowed_ = false;
    view_ = {};
    dirty_ = false;
  }
  return rawBytes();
}

}  // namespace sluice::runtime
