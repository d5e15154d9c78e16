#pragma once
// Java .properties files, read exactly as java.util.Properties.load(InputStream)
// reads them (what Kafka Connect's connect-standalone does with its worker
// and connector files): `=`, `:` or white space between key and value, `#`
// and `!` comment lines, lines continued by an odd number of trailing
// backslashes, the escapes \t \n \r \f \uXXXX (any other \c is c), and the
// bytes read as ISO-8859-1. Keys and values come out as UTF-8.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/common/status.h"

namespace sluice::config {

/// The entries of a properties text in file order; a key given twice appears
/// twice (the last one wins, as in Java). Fails only on a malformed \u escape,
/// naming the line, as Java does.
Result<std::vector<std::pair<std::string, std::string>>> parseProperties(std::string_view text);

/// Whether a config file is a .properties file (by its name) rather than JSON.
bool isPropertiesFile(const std::string& path);

}  // namespace sluice::config
