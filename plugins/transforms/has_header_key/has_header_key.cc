#include "has_header_key.h"

namespace sluice::transforms {

HasHeaderKey::HasHeaderKey(const Init& init) : Predicate(init), name_(config().requireString("name")) {}

bool HasHeaderKey::test(const Record& r) { return r.hasHeader(name_); }

}  // namespace sluice::transforms
