#pragma once
// A JSON object's top-level members, indexed over its bytes: what lets the
// transform chain read and change a record's fields without building a
// document and without serializing one.
//
// Most transforms touch a few top-level fields of a small object (InsertField,
// ReplaceField, MaskField, Cast, ValueToKey, HeaderFrom). For those the index
// answers get of the object or a top-level field, get_json, set, remove and
// copy of top-level fields, and the key listing of the object; it keeps
// each change as a new member value, and writes the result by splicing the
// untouched members' bytes between the new ones. Anything else (deeper
// paths, replacing the whole value, JSON text from a plugin, a copy across
// key and value) goes to the full document, built from the spliced bytes.
//
// The index must give, byte for byte, what the document would have given:
// the same values, the same member order, the same serialization. So it only
// takes bytes whose serialization by Boost.JSON is the bytes themselves, and
// declines everything else, which then takes the document path exactly as
// before:
// - an object at the top, no whitespace outside strings;
// - strings without escapes or control characters, in valid UTF-8;
// - numbers that are integers of at most 18 digits, and not "-0";
// - nesting no deeper than the parser's limit (32);
// - at most kMaxMembers top-level members, no top-level key twice.
// Bytes it declines are either invalid (the document path then reports the
// same error as always, so a bad record still reaches the dead letter queue)
// or valid but written differently from how Boost.JSON writes them.
// A nested object with a duplicate key is the one case where the output
// differs: an untouched member's bytes pass through as they came, as they
// do when no transform touches the record at all, where the document would
// have kept the last of the duplicates.
//
// Member order follows boost::json::object: a new key goes at the end, a
// set of an existing key keeps its place, and removing a member moves the
// last one into its place.
//
// Everything lives in the batch arena (the monotonic resource the documents
// use): the index, its members, the texts of new keys and values. It is
// trivially destructible and never freed on its own.

#include <sluice/plugin.h>

#include <boost/json/monotonic_resource.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::runtime {

class JsonIndex {
 public:
  static constexpr uint32_t kMaxMembers = 32;

  /// The index of `bytes` (which must outlive it), built in `arena`;
  /// nullptr when the bytes are not a top-level object in the form above.
  static JsonIndex* build(std::string_view bytes, boost::json::monotonic_resource& arena);

  /// Whether any member was set, removed or added since the index was built.
  bool changed() const { return changed_; }
  /// The object as Boost.JSON would serialize it.
  std::string serialize() const;

  /// get with depth 0 (the object itself) or 1 (path[0]).
  void get(size_t depth, std::string_view key, sluice_value* out) const;
  /// Set member `key` (depth 1) to a value a plugin gave.
  void set(std::string_view key, const sluice_value& v);
  /// Remove member `key`; false when there is none.
  bool remove(std::string_view key);
  /// Copy (or move) member `from` to member `to`; false when `from` is absent.
  bool copy(std::string_view from, std::string_view to, bool move);
  /// The member's JSON text, as the document would serialize it; false when
  /// absent.
  bool json(std::string_view key, std::string_view* out) const;
  /// The keys, in order: fills up to `cap`, returns how many there are.
  size_t keys(sluice_span* out, size_t cap) const;

 private:
  struct Member {
    std::string_view key;      // unescaped
    std::string_view keyJson;  // as written: quoted, escaped where needed
    std::string_view raw;      // the value as written
    uint32_t count;            // children of an object or array from the bytes
    /// Set by a plugin: `value` is what get returns (a string's bytes
    /// unescaped, in the arena).
    bool typed;
    sluice_value value;
  };

  explicit JsonIndex(boost::json::monotonic_resource& arena) : arena_(&arena) {}
  Member* find(std::string_view key) const;
  Member& append(std::string_view key);
  std::string_view copyText(std::string_view s);
  /// `s` as a JSON string, in the arena.
  std::string_view quote(std::string_view s);

  boost::json::monotonic_resource* arena_;
  Member* members_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
  bool changed_ = false;
};

}  // namespace sluice::runtime
