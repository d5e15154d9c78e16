#pragma once
// Small Boost.JSON helpers shared by the host.

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace sluice::jsonutil {

/// Parse and re-serialize with object keys sorted, so equal documents compare
/// equal as strings (source partitions are keys in the offset store).
std::optional<std::string> canonical(std::string_view text);
void sortKeys(boost::json::value& v);

/// The string form a Kafka Connect config value takes: strings as they are,
/// numbers and booleans as their JSON text. nullopt for objects and arrays.
std::optional<std::string> configString(const boost::json::value& v);

}  // namespace sluice::jsonutil
