#include "host/record/converter.h"

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
  bool textIsBytes() const override { return false; }
  std::string fromText(std::string_view text) const override { return jsonStringOfText(text); }
  Status toText(std::string_view bytes, std::optional<std::string>* out) const override {
    // Most values are short strings: parse into a buffer on the stack, not
    // a heap block per record (the resource takes the heap only past it).
    unsigned char buf[4096];
    json::monotonic_resource scratch(buf, sizeof buf);
    json::value doc;
    if (Status s = toDocument(bytes, &doc, &scratch); !s) return s;
    if (doc.is_null()) out->reset();
    else if (doc.is_string()) out->emplace(doc.get_string());
    else out->emplace(bytes);  // an object, array, number or boolean: its JSON text
    return Status::ok();
  }
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

std::string jsonStringOfText(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence, decoded as Java's UTF-8 decoder decodes it
    // (Connect reads the file with it): the lead byte says how many
    // continuation bytes follow and the range of the first (no overlong
    // forms, nothing above U+10FFFF). A malformed sequence becomes one
    // U+FFFD per malformed subpart; an encoded surrogate (ED A0..BF xx)
    // becomes one U+FFFD for its three bytes, as Java makes it.
    size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 1;
    else if (c == 0xE0) need = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEF) need = 2;
    else if (c == 0xF0) need = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) need = 3;
    else if (c == 0xF4) need = 3, hi = 0x8F;
    size_t j = i + 1;
    for (size_t k = 0; k < need && j < n && s[j] >= lo && s[j] <= hi; ++k, ++j) lo = 0x80, hi = 0xBF;
    if (need == 0 || j - i != need + 1 || (c == 0xED && s[i + 1] >= 0xA0)) {
      out += "\xEF\xBF\xBD";
    } else if (need == 3) {
      // Above U+FFFF: Jackson writes the UTF-16 surrogate pair as two
      // escapes (its default, without COMBINE_UNICODE_SURROGATES_IN_UTF8).
      uint32_t cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
      cp -= 0x10000;
      for (uint32_t unit : {0xD800u + (cp >> 10), 0xDC00u + (cp & 0x3FFu)}) {
        out += "\\u";
        for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
      }
    } else {
      out.append(text.data() + i, j - i);
    }
    i = j;
  }
  out.push_back('"');
  return out;
}

const Converter* textValueConverter(bool textValues, const Converter* value) {
  return textValues && value && !value->textIsBytes() ? value : nullptr;
}

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
