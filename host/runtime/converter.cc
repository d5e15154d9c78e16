#include "host/runtime/converter.h"

#include <boost/json.hpp>

namespace sluice::runtime {
namespace json = boost::json;
namespace {

class JsonConverter final : public Converter {
 public:
  const char* name() const override { return "json"; }
  Status toDocument(const std::optional<std::string_view>& bytes, json::value* out,
                    json::storage_ptr sp) const override {
    if (!bytes) {
      *out = nullptr;
      return Status::ok();
    }
    // One parser per thread, reused: its state and temporary stack are set
    // up once instead of per document.
    thread_local json::parser parser;
    parser.reset(std::move(sp));
    boost::system::error_code ec;
    parser.write(*bytes, ec);
    if (ec) {
      parser.reset();  // drop the partial document now, not at the next record
      return Status::invalid("value is not valid JSON: " + ec.message());
    }
    *out = parser.release();
    parser.reset();  // holds no pointer to `sp` (an arena) past this call
    return Status::ok();
  }
  std::optional<std::string> fromDocument(const json::value& doc) const override {
    if (doc.is_null()) return std::nullopt;
    return json::serialize(doc);
  }
  bool indexable() const override { return true; }
};

// String and bytes: the document is a JSON string holding the bytes; a
// transform that makes it something else gets that serialized as JSON text.
class StringConverter final : public Converter {
 public:
  explicit StringConverter(const char* n) : name_(n) {}
  const char* name() const override { return name_; }
  Status toDocument(const std::optional<std::string_view>& bytes, json::value* out,
                    json::storage_ptr sp) const override {
    if (!bytes) *out = nullptr; else *out = json::string(*bytes, std::move(sp));
    return Status::ok();
  }
  std::optional<std::string> fromDocument(const json::value& doc) const override {
    if (doc.is_null()) return std::nullopt;
    if (doc.is_string()) return std::string(doc.as_string());
    return json::serialize(doc);
  }

 private:
  const char* name_;
};

std::string_view canonical(std::string_view n) {
  if (n == "org.apache.kafka.connect.json.JsonConverter") return "json";
  if (n == "org.apache.kafka.connect.storage.StringConverter") return "string";
  if (n == "org.apache.kafka.connect.converters.ByteArrayConverter") return "bytearray";
  return n;
}
}  // namespace

std::unique_ptr<Converter> makeConverter(std::string_view name) {
  auto n = canonical(name);
  if (n == "json") return std::make_unique<JsonConverter>();
  if (n == "string") return std::make_unique<StringConverter>("string");
  if (n == "bytearray") return std::make_unique<StringConverter>("bytearray");
  return nullptr;
}

bool isKnownConverter(std::string_view name) {
  auto n = canonical(name);
  return n == "json" || n == "string" || n == "bytearray";
}

}  // namespace sluice::runtime
