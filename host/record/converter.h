#pragma once
// Converters turn key/value bytes into the structured document transforms
// work on and back. They are a pluggable stage: the record path only sees
// this interface, so schema-aware converters can sit beside these later.

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
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

  // Text values (plugins with SLUICE_FLAG_TEXT_VALUES: a line of a file is
  // a string, as Kafka Connect's FileStream connectors see it).
  /// Whether text and bytes are the same (string, bytearray): then nothing
  /// is encoded or decoded.
  virtual bool textIsBytes() const { return true; }
  /// The bytes of a text value: the JSON converter gives a JSON string (as
  /// Kafka Connect's JsonConverter writes it); the others the text itself.
  virtual std::string fromText(std::string_view text) const { return std::string(text); }
  /// The text of a value's bytes: a JSON string's content; another JSON
  /// value's text as it is; nullopt for a null value. An error names what
  /// is not JSON.
  virtual Status toText(std::string_view bytes, std::optional<std::string>* out) const {
    out->emplace(bytes);
    return Status::ok();
  }
};

/// `text` as a JSON string literal, escaped as Jackson (Kafka Connect's
/// JsonConverter) escapes it: `\"`, `\\`, `\b \t \n \f \r`, other control
/// characters as `\u00XX`; everything else as UTF-8, with each malformed
/// sequence replaced by U+FFFD as Java's UTF-8 decoder does.
std::string jsonStringOfText(std::string_view text);

/// `value` when a plugin instance whose values are text
/// (SLUICE_FLAG_TEXT_VALUES) needs it: when text and bytes differ for it;
/// else null.
const Converter* textValueConverter(bool textValues, const Converter* value);

/// `json`, `string`, `bytearray`, or their Kafka Connect class names.
/// Returns nullptr for an unknown name.
std::unique_ptr<Converter> makeConverter(std::string_view name);
bool isKnownConverter(std::string_view name);

}  // namespace sluice::runtime
