#include "host/record/json_index.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>
#include <boost/json/value.hpp>

#include <bit>
#include <charconv>
#include <cstring>
#include <new>

namespace sluice::runtime {
namespace json = boost::json;
namespace {

constexpr int kMaxDepth = 32;    // boost::json::parse_options::max_depth's default
constexpr int kMaxDigits = 18;   // every such integer is an int64 for the parser too

/// The length of the UTF-8 sequence at p (first byte >= 0x80), 0 when it is
/// not well formed (overlong, surrogate, past U+10FFFF, cut off): the
/// sequences Boost.JSON accepts in a string.
size_t utf8Length(const unsigned char* p, const unsigned char* end) {
  auto cont = [&](size_t i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;
    if (c == 0xED && p[1] > 0x9F) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;
    if (c == 0xF4 && p[1] > 0x8F) return 0;
    return 4;
  }
  return 0;
}

/// A mask of the bytes of w (little-endian: the first byte is the lowest)
/// that are '"', '\\', below 0x20 or above 0x7f. The classic "has a zero
/// byte" test: it may also flag a byte above one that matches, never one
/// below, so the lowest flagged byte is always the first that matches.
uint64_t special(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  auto zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  return zero(w ^ (kOnes * '"')) | zero(w ^ (kOnes * '\\')) | ((w - kOnes * 0x20) & ~w & kHigh) | (w & kHigh);
}

/// Checks that text is JSON in the form JsonIndex takes (see the header).
class Scanner {
 public:
  explicit Scanner(std::string_view s)
      : p_(reinterpret_cast<const unsigned char*>(s.data())), end_(p_ + s.size()) {}

  const char* pos() const { return reinterpret_cast<const char*>(p_); }
  bool at(char c) const { return p_ < end_ && *p_ == static_cast<unsigned char>(c); }
  bool atEnd() const { return p_ == end_; }
  bool take(char c) {
    if (!at(c)) return false;
    ++p_;
    return true;
  }

  /// A string at the current position; *inner is its content.
  bool string(std::string_view* inner) {
    if (!take('"')) return false;
    const unsigned char* p = p_;
    const unsigned char* const start = p;
    for (;;) {
      if (end_ - p >= 8) {
        // Eight bytes at a time to the first one that may end the string or
        // needs a closer look.
        uint64_t w;
        std::memcpy(&w, p, 8);
        const uint64_t m = special(w);
        if (m == 0) {
          p += 8;
          continue;
        }
        p += std::countr_zero(m) >> 3;
      } else if (p == end_) {
        return false;  // the text ends inside the string
      }
      const unsigned char c = *p;
      if (c == '"') {
        *inner = std::string_view(reinterpret_cast<const char*>(start), static_cast<size_t>(p - start));
        p_ = p + 1;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      if (c < 0x80) {
        ++p;  // near the end, where bytes are looked at one by one
        continue;
      }
      const size_t n = utf8Length(p, end_);
      if (n == 0) return false;
      p += n;
    }
  }

  /// A value whose container, if it is one, is at nesting `depth`. *count
  /// (when given) is the number of an object's or array's children.
  bool value(int depth, uint32_t* count) {
    if (p_ >= end_) return false;
    std::string_view s;
    switch (*p_) {
      case '"': return string(&s);
      case '{': return container(depth, '}', true, count);
      case '[': return container(depth, ']', false, count);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return integer();
    }
  }

 private:
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  bool integer() {
    const unsigned char* start = p_;
    const bool negative = take('-');
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
    if (*p_ == '0') {
      ++p_;
      if (negative) return false;  // "-0" is written back as "0"
    } else {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    }
    // A fraction or exponent is a double, written back in another form; a
    // digit after a leading zero is not JSON.
    if (p_ < end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
    return p_ - start - (negative ? 1 : 0) <= kMaxDigits;
  }

  bool container(int depth, char close, bool object, uint32_t* count) {
    if (depth > kMaxDepth) return false;
    ++p_;
    uint32_t n = 0;
    if (!take(close)) {
      for (;;) {
        if (object) {
          std::string_view key;
          if (!string(&key) || !take(':')) return false;
        }
        if (!value(depth + 1, nullptr)) return false;
        ++n;
        if (take(',')) continue;
        if (take(close)) break;
        return false;
      }
    }
    if (count) *count = n;
    return true;
  }

  const unsigned char* p_;
  const unsigned char* end_;
};

/// Key equality without a call: keys are short and differ early.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

bool plain(std::string_view s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

JsonIndex* JsonIndex::build(std::string_view bytes, json::monotonic_resource& arena) {
  // Members as scanned; plain data, so the array costs nothing to set up.
  struct Found {
    const char* key;
    const char* raw;
    uint32_t keyLen;
    uint32_t rawLen;
    uint32_t count;
  };
  Found found[kMaxMembers];
  uint32_t n = 0;
  Scanner s(bytes);
  if (!s.take('{')) return nullptr;
  if (!s.take('}')) {
    for (;;) {
      if (n == kMaxMembers) return nullptr;
      std::string_view key;
      if (!s.string(&key) || !s.take(':')) return nullptr;
      for (uint32_t i = 0; i < n; ++i)
        if (same(std::string_view(found[i].key, found[i].keyLen), key)) return nullptr;  // a duplicate: the document decides
      const char* start = s.pos();
      uint32_t count = 0;
      if (!s.value(2, &count)) return nullptr;
      found[n++] = Found{key.data(), start, static_cast<uint32_t>(key.size()), static_cast<uint32_t>(s.pos() - start), count};
      if (s.take(',')) continue;
      if (s.take('}')) break;
      return nullptr;
    }
  }
  if (!s.atEnd()) return nullptr;
  // The index and its members in one allocation, with room for a few new
  // fields before the members have to move.
  static_assert(sizeof(JsonIndex) % alignof(Member) == 0);
  const uint32_t cap = n + 4;
  void* mem = arena.allocate(sizeof(JsonIndex) + sizeof(Member) * cap, alignof(JsonIndex));
  auto* ix = new (mem) JsonIndex(arena);
  ix->members_ = reinterpret_cast<Member*>(static_cast<char*>(mem) + sizeof(JsonIndex));
  ix->capacity_ = cap;
  ix->size_ = n;
  for (uint32_t i = 0; i < n; ++i) {
    Member& m = ix->members_[i];
    m.key = std::string_view(found[i].key, found[i].keyLen);
    m.keyJson = std::string_view(found[i].key - 1, found[i].keyLen + 2);
    m.raw = std::string_view(found[i].raw, found[i].rawLen);
    m.count = found[i].count;
    m.typed = false;
  }
  return ix;
}

JsonIndex::Member* JsonIndex::find(std::string_view key) const {
  for (uint32_t i = 0; i < size_; ++i)
    if (same(members_[i].key, key)) return &members_[i];
  return nullptr;
}

std::string_view JsonIndex::copyText(std::string_view s) {
  if (s.empty()) return std::string_view("", 0);  // never a null pointer: plugins see a string
  auto* p = static_cast<char*>(arena_->allocate(s.size(), 1));
  std::memcpy(p, s.data(), s.size());
  return std::string_view(p, s.size());
}

std::string_view JsonIndex::quote(std::string_view s) {
  if (!plain(s)) return copyText(json::serialize(json::string_view(s.data(), s.size())));
  auto* p = static_cast<char*>(arena_->allocate(s.size() + 2, 1));
  p[0] = '"';
  std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '"';
  return std::string_view(p, s.size() + 2);
}

JsonIndex::Member& JsonIndex::append(std::string_view key) {
  if (size_ == capacity_) {
    const uint32_t cap = capacity_ * 2;
    auto* grown = static_cast<Member*>(arena_->allocate(sizeof(Member) * cap, alignof(Member)));
    std::memcpy(static_cast<void*>(grown), members_, sizeof(Member) * size_);
    members_ = grown;
    capacity_ = cap;
  }
  Member& m = members_[size_++];
  m = Member{};
  m.keyJson = quote(key);
  // A plain key's text holds the key itself between its quotes.
  m.key = m.keyJson.size() == key.size() + 2 ? m.keyJson.substr(1, key.size()) : copyText(key);
  return m;
}

void JsonIndex::get(size_t depth, std::string_view key, sluice_value* out) const {
  *out = sluice_value{};
  if (depth == 0) {
    out->type = SLUICE_TYPE_OBJECT;
    out->i = size_;
    return;
  }
  const Member* m = find(key);
  if (!m) {
    out->type = SLUICE_TYPE_ABSENT;
    return;
  }
  if (m->typed) {
    *out = m->value;
    return;
  }
  const std::string_view r = m->raw;
  switch (r.front()) {
    case '"':
      out->type = SLUICE_TYPE_STRING;
      out->str = sluice_span{r.data() + 1, r.size() - 2};
      break;
    case 't': out->type = SLUICE_TYPE_BOOL; out->b = 1; break;
    case 'f': out->type = SLUICE_TYPE_BOOL; out->b = 0; break;
    case 'n': out->type = SLUICE_TYPE_NULL; break;
    case '{': out->type = SLUICE_TYPE_OBJECT; out->i = m->count; break;
    case '[': out->type = SLUICE_TYPE_ARRAY; out->i = m->count; break;
    default:
      out->type = SLUICE_TYPE_INT;
      std::from_chars(r.data(), r.data() + r.size(), out->i);
      break;
  }
}

void JsonIndex::set(std::string_view key, const sluice_value& v) {
  Member* m = find(key);
  if (!m) m = &append(key);
  m->typed = true;
  m->count = 0;
  m->value = sluice_value{};
  m->value.type = v.type;
  // The text is written now, as the document's serializer would write it.
  switch (v.type) {
    case SLUICE_TYPE_BOOL:
      m->value.b = v.b != 0;
      m->raw = m->value.b ? "true" : "false";
      break;
    case SLUICE_TYPE_INT: {
      m->value.i = v.i;
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.i);
      m->raw = copyText(std::string_view(buf, static_cast<size_t>(r.ptr - buf)));
      break;
    }
    case SLUICE_TYPE_DOUBLE:
      m->value.d = v.d;
      m->raw = copyText(json::serialize(json::value(v.d)));
      break;
    case SLUICE_TYPE_STRING: {
      std::string_view str(v.str.data ? v.str.data : "", v.str.len);
      m->raw = quote(str);
      std::string_view kept = m->raw.size() == str.size() + 2 ? m->raw.substr(1, str.size()) : copyText(str);
      m->value.str = sluice_span{kept.data(), kept.size()};
      break;
    }
    case SLUICE_TYPE_OBJECT: m->raw = "{}"; break;  // objects and arrays start empty
    case SLUICE_TYPE_ARRAY: m->raw = "[]"; break;
    default: m->raw = "null"; break;
  }
  changed_ = true;
}

bool JsonIndex::remove(std::string_view key) {
  Member* m = find(key);
  if (!m) return false;
  Member* last = &members_[size_ - 1];
  if (m != last) *m = *last;  // as boost::json::object::erase does
  --size_;
  changed_ = true;
  return true;
}

bool JsonIndex::copy(std::string_view from, std::string_view to, bool move) {
  const Member* src = find(from);
  if (!src) return false;
  const Member v = *src;  // before remove or append move members
  if (move) remove(from);
  Member* t = find(to);
  if (!t) t = &append(to);
  t->typed = v.typed;
  t->raw = v.raw;
  t->count = v.count;
  if (v.typed) t->value = v.value;  // (a member from the bytes leaves it unset)
  changed_ = true;
  return true;
}

bool JsonIndex::json(std::string_view key, std::string_view* out) const {
  const Member* m = find(key);
  if (!m) return false;
  *out = m->raw;
  return true;
}

size_t JsonIndex::keys(sluice_span* out, size_t cap) const {
  for (uint32_t i = 0; i < size_ && i < cap; ++i) out[i] = sluice_span{members_[i].key.data(), members_[i].key.size()};
  return size_;
}

std::string JsonIndex::serialize() const {
  size_t total = 2 + (size_ ? size_ - 1 : 0);
  for (uint32_t i = 0; i < size_; ++i) total += members_[i].keyJson.size() + 1 + members_[i].raw.size();
  std::string out(total, '\0');
  char* w = out.data();
  auto put = [&w](std::string_view t) {
    std::memcpy(w, t.data(), t.size());
    w += t.size();
  };
  *w++ = '{';
  for (uint32_t i = 0; i < size_; ++i) {
    if (i) *w++ = ',';
    put(members_[i].keyJson);
    *w++ = ':';
    put(members_[i].raw);
  }
  *w++ = '}';
  return out;
}

}  // namespace sluice::runtime
