#pragma once
// Converters turn key/value bytes into the structured document transforms
// work on and back. They are a pluggable stage: the record path only sees
// this interface, so schema-aware converters can sit beside these later.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "host/common/status.h"

namespace sluice::runtime {

class Converter {
 public:
  virtual ~Converter() = default;
  virtual const char* name() const = 0;
  /// Bytes (nullopt = null) to a document whose nodes and strings live in
  /// `sp` (the default heap when empty). Called at most once per record pass.
  virtual Status toDocument(const std::optional<std::string_view>& bytes, boost::json::value* out,
                            boost::json::storage_ptr sp = {}) const = 0;
  /// Document to bytes; a null document gives nullopt (a tombstone or null key).
  virtual std::optional<std::string> fromDocument(const boost::json::value& doc) const = 0;
  /// Whether the document of these bytes is their JSON (what JsonIndex
  /// indexes without building the document).
  virtual bool indexable() const { return false; }
};

/// `json`, `string`, `bytearray`, or their Kafka Connect class names.
/// Returns nullptr for an unknown name.
std::unique_ptr<Converter> makeConverter(std::string_view name);
bool isKnownConverter(std::string_view name);

}  // namespace sluice::runtime
