#pragma once
// Config providers: `${env:VAR}` and `${file:PATH:KEY}` (a Java-properties
// file, like Kafka Connect's FileConfigProvider). Stored configs keep the
// placeholders; values are resolved only when a connector starts or is
// validated, so secrets never reach the state store or the REST API.

#include <map>
#include <string>

#include "host/common/status.h"

namespace sluice::config {

/// Resolve every placeholder in one value. Errors name the placeholder.
Result<std::string> resolveValue(const std::string& value);

/// True when `value` is nothing but provider references (`${env:X}`,
/// `${file:P:K}`, one or more): it names where a secret lives and holds none,
/// so the REST API may show it.
bool onlyProviderReferences(const std::string& value);

/// Read a Java-properties file (key=value or key: value, # and ! comments).
Result<std::map<std::string, std::string>> readProperties(const std::string& path);

}  // namespace sluice::config
