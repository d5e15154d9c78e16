// Sluice C++ plugin SDK: a header-only C++20 wrapper over <sluice/plugin.h>.
//
// Write a plugin by deriving from SourceTask, SinkTask, Transform or
// Predicate, giving the class two static functions -- info() and options() --
// and exporting it with SLUICE_PLUGIN(ClassName) in exactly one .cc file.
// The wrapper builds the C descriptor, turns the option table into the JSON
// the host validates configs against, and catches every exception at the ABI
// boundary, turning it into a status with the exception's message.
//
// Compatibility: this header only uses the C ABI of the same directory; a
// plugin built with it keeps loading in every host of the same ABI major.
// Thread-safety: an instance is called by one task thread at a time.
#pragma once

#include <sluice/plugin.h>

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace sluice {

// ---------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------

/// Outcome of a plugin hook: a code and, when not OK, a message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status ok() { return Status(); }
  static Status retriable(std::string msg) { return Status(SLUICE_RETRIABLE, std::move(msg)); }
  static Status fatal(std::string msg) { return Status(SLUICE_FATAL, std::move(msg)); }
  static Status invalidConfig(std::string msg) {
    return Status(SLUICE_INVALID_CONFIG, std::move(msg));
  }
  static Status badRecord(std::string msg) { return Status(SLUICE_BAD_RECORD, std::move(msg)); }
  static Status fromCode(sluice_status code, std::string msg = {}) {
    return Status(code, std::move(msg));
  }

  bool isOk() const { return code_ == SLUICE_OK; }
  sluice_status code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(sluice_status code, std::string msg) : code_(code), message_(std::move(msg)) {}
  sluice_status code_ = SLUICE_OK;
  std::string message_;
};

/// Thrown from a constructor when the config cannot be used; becomes
/// SLUICE_INVALID_CONFIG with this message.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline sluice_span span(std::string_view s) { return sluice_span{s.data() ? s.data() : "", s.size()}; }
inline sluice_span nullSpan() { return sluice_span{nullptr, 0}; }
inline std::string_view view(sluice_span s) { return std::string_view(s.data ? s.data : "", s.len); }
inline std::optional<std::string_view> optView(sluice_span s) {
  if (s.data == nullptr) return std::nullopt;
  return std::string_view(s.data, s.len);
}

// ---------------------------------------------------------------------------
// Option table
// ---------------------------------------------------------------------------

enum class OptionType { String, Int, Long, Double, Boolean, List, Password };

/// One config option. `name` is dotted (`batch.size`); `defaultValue` is the
/// string form a user would write, absent for "no default".
struct Option {
  std::string name;
  OptionType type = OptionType::String;
  std::optional<std::string> defaultValue;
  std::string doc;
  bool required = false;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> allowed;  // enum validator; empty = any
};

/// Append `s` escaped for use inside a JSON string literal (no quotes).
/// Handy for building source partitions and offsets by hand.
inline void appendJsonEscaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
}

/// `s` as a quoted JSON string.
inline std::string jsonString(std::string_view s) {
  std::string out = "\"";
  appendJsonEscaped(out, s);
  out.push_back('"');
  return out;
}

namespace detail {
inline void jsonEscape(std::string& out, std::string_view s) { out += jsonString(s); }

inline const char* typeName(OptionType t) {
  switch (t) {
    case OptionType::String: return "string";
    case OptionType::Int: return "int";
    case OptionType::Long: return "long";
    case OptionType::Double: return "double";
    case OptionType::Boolean: return "boolean";
    case OptionType::List: return "list";
    case OptionType::Password: return "password";
  }
  return "string";
}

inline std::string number(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

inline std::string optionsToJson(const std::vector<Option>& opts) {
  std::string out = "[";
  for (size_t i = 0; i < opts.size(); ++i) {
    const Option& o = opts[i];
    if (i) out += ",";
    out += "{\"name\":";
    jsonEscape(out, o.name);
    out += ",\"type\":\"";
    out += typeName(o.type);
    out += "\",\"required\":";
    out += o.required ? "true" : "false";
    out += ",\"default\":";
    if (o.defaultValue) jsonEscape(out, *o.defaultValue); else out += "null";
    out += ",\"doc\":";
    jsonEscape(out, o.doc);
    out += ",\"validator\":{";
    bool first = true;
    if (o.min) { out += "\"min\":" + number(*o.min); first = false; }
    if (o.max) { out += std::string(first ? "" : ",") + "\"max\":" + number(*o.max); first = false; }
    if (!o.allowed.empty()) {
      out += std::string(first ? "" : ",") + "\"enum\":[";
      for (size_t j = 0; j < o.allowed.size(); ++j) {
        if (j) out += ",";
        jsonEscape(out, o.allowed[j]);
      }
      out += "]";
    }
    out += "}}";
  }
  out += "]";
  return out;
}
}  // namespace detail

// ---------------------------------------------------------------------------
// Context: host services of one instance
// ---------------------------------------------------------------------------

/// The validated config of an instance. Values have defaults applied and were
/// type-checked by the host against the option table.
class Config {
 public:
  Config(const sluice_host_api* host, sluice_ctx* ctx) : host_(host), ctx_(ctx) {}

  std::optional<std::string_view> get(const char* key) const {
    sluice_span s{};
    if (!host_->host_config_get(ctx_, key, &s)) return std::nullopt;
    return view(s);
  }
  std::string getString(const char* key, std::string_view def = {}) const {
    auto v = get(key);
    return std::string(v ? *v : def);
  }
  std::string requireString(const char* key) const {
    auto v = get(key);
    if (!v || v->empty()) throw ConfigError(std::string("missing required option '") + key + "'");
    return std::string(*v);
  }
  int64_t getInt(const char* key, int64_t def = 0) const {
    auto v = get(key);
    if (!v || v->empty()) return def;
    int64_t out = 0;
    auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
    if (ec != std::errc() || p != v->data() + v->size())
      throw ConfigError(std::string("option '") + key + "' is not an integer: " + std::string(*v));
    return out;
  }
  double getDouble(const char* key, double def = 0) const {
    auto v = get(key);
    if (!v || v->empty()) return def;
    try {
      size_t used = 0;
      double d = std::stod(std::string(*v), &used);
      if (used == v->size()) return d;
    } catch (const std::exception&) {
    }
    throw ConfigError(std::string("option '") + key + "' is not a number: " + std::string(*v));
  }
  bool getBool(const char* key, bool def = false) const {
    auto v = get(key);
    if (!v || v->empty()) return def;
    if (*v == "true" || *v == "TRUE" || *v == "True") return true;
    if (*v == "false" || *v == "FALSE" || *v == "False") return false;
    throw ConfigError(std::string("option '") + key + "' must be true or false: " + std::string(*v));
  }
  /// Comma-separated list, items trimmed, empty items dropped.
  std::vector<std::string> getList(const char* key) const {
    std::vector<std::string> out;
    auto v = get(key);
    if (!v) return out;
    std::string_view s = *v;
    while (!s.empty()) {
      size_t comma = s.find(',');
      std::string_view item = s.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
    return out;
  }

 private:
  const sluice_host_api* host_;
  sluice_ctx* ctx_;
};

/// Everything an instance is created with.
struct Init {
  const sluice_host_api* host;
  sluice_ctx* ctx;
  std::string_view connectorName;
  int taskId;
  int taskCount;
  sluice_variant variant;
  Config config;
};

/// Operator state of one plugin instance (ABI 1.1): scoped to the connector,
/// task and instance, committed atomically with the task's offsets at each
/// checkpoint and rewound with them on replay. Reads see this instance's own
/// uncommitted writes. Use it from the plugin's hooks only (the task thread).
class State {
 public:
  State(const sluice_host_api* host, sluice_ctx* ctx) : h_(host), ctx_(ctx) {}
  /// False when the host predates ABI 1.1 (then every call throws).
  bool available() const {
    return h_->struct_size >= offsetof(sluice_host_api, host_batch_emit) + sizeof(void*);
  }
  /// The value of `key`, copied out; nullopt when absent.
  std::optional<std::string> get(std::string_view key) const {
    need();
    sluice_span out{};
    int32_t found = h_->host_state_get(ctx_, span(key), &out);
    if (found < 0) throw std::runtime_error("operator state could not be read");
    if (found == 0) return std::nullopt;
    return std::string(view(out));
  }
  void put(std::string_view key, std::string_view value) {
    need();
    check(h_->host_state_put(ctx_, span(key), span(value)));
  }
  void erase(std::string_view key) {
    need();
    check(h_->host_state_delete(ctx_, span(key)));
  }
  /// Visit keys starting with `prefix` in byte order; `fn(key, value)` returns
  /// false to stop. Do not modify state inside `fn`: collect, then change.
  template <class F>
  void scan(std::string_view prefix, F&& fn) const {
    need();
    using Fn = std::remove_reference_t<F>;
    auto visit = [](void* user, sluice_span k, sluice_span v) -> int32_t {
      return (*static_cast<Fn*>(user))(view(k), view(v)) ? 0 : 1;
    };
    check(h_->host_state_scan(ctx_, span(prefix), visit, const_cast<void*>(static_cast<const void*>(&fn))));
  }
  /// The task's event-time watermark (ms), INT64_MIN before any record.
  int64_t watermark() const {
    need();
    return h_->host_watermark(ctx_);
  }

 private:
  void need() const {
    if (!available()) throw std::runtime_error("operator state needs a host with ABI 1.1 or newer");
  }
  static void check(sluice_status s) {
    if (s != SLUICE_OK) throw std::runtime_error("operator state call failed");
  }
  const sluice_host_api* h_;
  sluice_ctx* ctx_;
};

/// Base of every plugin class: logging and the config.
class PluginBase {
 public:
  explicit PluginBase(const Init& init)
      : host_(init.host), ctx_(init.ctx), config_(init.config), taskId_(init.taskId),
        taskCount_(init.taskCount), variant_(init.variant),
        connectorName_(init.connectorName) {}
  virtual ~PluginBase() = default;
  PluginBase(const PluginBase&) = delete;
  PluginBase& operator=(const PluginBase&) = delete;

  virtual Status start() { return Status::ok(); }
  virtual Status stop() { return Status::ok(); }

  void log(sluice_log_level level, std::string_view msg) const {
    host_->host_log(ctx_, level, msg.data(), msg.size());
  }
  const Config& config() const { return config_; }
  int taskId() const { return taskId_; }
  int taskCount() const { return taskCount_; }
  sluice_variant variant() const { return variant_; }
  std::string_view connectorName() const { return connectorName_; }
  const sluice_host_api* host() const { return host_; }
  sluice_ctx* ctx() const { return ctx_; }
  /// This instance's operator state (see State).
  State state() const { return State(host_, ctx_); }

  /// The last committed source offset (JSON) for a source partition (JSON).
  std::optional<std::string> committedOffset(std::string_view partitionJson) const {
    sluice_span out{};
    if (!host_->host_offset_get(ctx_, span(partitionJson), &out)) return std::nullopt;
    return std::string(view(out));
  }

  /// Sources and sinks, in the constructor only (ABI 1.3): whether this
  /// instance's values are text, overriding PluginInfo's
  /// SLUICE_FLAG_TEXT_VALUES (e.g. an option saying the input holds JSON
  /// documents rather than lines of text).
  void setTextValues(bool text) {
    if (host_->struct_size < offsetof(sluice_host_api, host_set_text_values) + sizeof(void*) ||
        host_->host_set_text_values(ctx_, text ? 1 : 0) != SLUICE_OK)
      throw std::runtime_error("setTextValues: the host refused it (only sources and sinks, only in the constructor)");
  }

 private:
  const sluice_host_api* host_;
  sluice_ctx* ctx_;
  Config config_;
  int taskId_;
  int taskCount_;
  sluice_variant variant_;
  std::string_view connectorName_;
};

// ---------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------

/// A record a source emits. Views must stay valid only until emit() returns.
struct SourceRecord {
  std::string_view topic;  // empty: the connector's `topic`
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int64_t timestampMs = 0;
  int32_t partition = -1;
  std::string_view sourcePartition;  // JSON object
  std::string_view sourceOffset;     // JSON value
  std::span<const sluice_header> headers;
};

/// The C view of a SourceRecord (valid while `r` is).
inline sluice_record toC(const SourceRecord& r) {
  sluice_record rec{};
  rec.struct_size = sizeof(sluice_record);
  rec.partition = r.partition;
  rec.offset = -1;
  rec.timestamp_ms = r.timestampMs;
  rec.topic = r.topic.empty() ? nullSpan() : span(r.topic);
  rec.key = r.key ? span(*r.key) : nullSpan();
  rec.value = r.value ? span(*r.value) : nullSpan();
  rec.headers = r.headers.data();
  rec.header_count = static_cast<uint32_t>(r.headers.size());
  rec.source_partition = span(r.sourcePartition);
  rec.source_offset = span(r.sourceOffset);
  return rec;
}

class Emitter {
 public:
  Emitter(const sluice_host_api* host, sluice_emitter* out) : host_(host), out_(out) {}
  Status emit(const SourceRecord& r) {
    sluice_record rec = toC(r);
    sluice_status s = host_->host_emit(out_, &rec);
    ++emitted_;
    return Status::fromCode(s, s == SLUICE_OK ? "" : "record refused by host");
  }
  size_t emitted() const { return emitted_; }

 private:
  const sluice_host_api* host_;
  sluice_emitter* out_;
  size_t emitted_ = 0;
};

/// A source derives from SourceTask and implements poll(). To hear when Kafka
/// acknowledged each record it emitted (ABI 1.2, Kafka Connect's
/// commitRecord), it also declares, non-virtual, in its own class:
///
///   sluice::Status commitRecord(const sluice::RecordView& rec);
///
/// `rec` has the record's sourcePartition() and sourceOffset() and, when it
/// was written to its topic, topic(), partition() and offset() (else an empty
/// topic and -1). See on_commit_record in plugin.h for when it is called.
/// Sources without it cost the host nothing per record.
class SourceTask : public PluginBase {
 public:
  using PluginBase::PluginBase;
  static constexpr sluice_kind kKind = SLUICE_KIND_SOURCE;
  /// Emit up to `maxRecords` records, waiting at most `timeoutMs` for data.
  virtual Status poll(Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) = 0;
};


// ---------------------------------------------------------------------------
// Sinks
// ---------------------------------------------------------------------------

/// Read-only view of a record handed to a sink.
class RecordView {
 public:
  explicit RecordView(const sluice_record* r) : r_(r) {}
  std::string_view topic() const { return view(r_->topic); }
  int32_t partition() const { return r_->partition; }
  int64_t offset() const { return r_->offset; }
  int64_t timestampMs() const { return r_->timestamp_ms; }
  std::optional<std::string_view> key() const { return optView(r_->key); }
  std::optional<std::string_view> value() const { return optView(r_->value); }
  std::span<const sluice_header> headers() const { return {r_->headers, r_->header_count}; }
  /// Sources' records (commitRecord): the source partition and offset JSON.
  std::string_view sourcePartition() const { return view(r_->source_partition); }
  std::string_view sourceOffset() const { return view(r_->source_offset); }
  const sluice_record* raw() const { return r_; }

 private:
  const sluice_record* r_;
};

class SinkTask : public PluginBase {
 public:
  using PluginBase::PluginBase;
  static constexpr sluice_kind kKind = SLUICE_KIND_SINK;
  /// Report a record of the current put that cannot be delivered (KIP-610);
  /// false when the task will fail because of it (errors.tolerance=none).
  bool reportErrant(const sluice_record* rec, std::string_view why) {
    if (host()->struct_size < offsetof(sluice_host_api, host_report_errant) + sizeof(void*))
      throw std::runtime_error(std::string("errant record (host too old to report it): ") + std::string(why));
    return host()->host_report_errant(ctx(), rec, why.data(), why.size()) == SLUICE_OK;
  }
  /// Take a batch; Status::retriable() asks the host to offer it again later.
  virtual Status put(std::span<const sluice_record* const> records) = 0;
  /// Make everything put so far durable.
  virtual Status flush() = 0;
};

// ---------------------------------------------------------------------------
// Transforms and predicates
// ---------------------------------------------------------------------------

/// A field path: a sequence of field names. `Path{}` is the whole document.
/// A Path owns its names, so it may be built once (in a constructor) and
/// reused for every record without allocating.
class Path {
 public:
  Path() = default;
  Path(std::initializer_list<std::string_view> segs) {
    for (auto s : segs) segs_.emplace_back(s);
    rebuild();
  }
  Path(const Path& o) : segs_(o.segs_) { rebuild(); }
  Path& operator=(const Path& o) {
    segs_ = o.segs_;
    rebuild();
    return *this;
  }
  Path(Path&& o) noexcept : segs_(std::move(o.segs_)) { rebuild(); }
  Path& operator=(Path&& o) noexcept {
    segs_ = std::move(o.segs_);
    rebuild();
    return *this;
  }
  /// A single top-level field (Connect's default field syntax).
  static Path field(std::string_view name) { return Path{name}; }
  /// Split on '.' (Connect's field.syntax.version=V2 style nesting).
  static Path dotted(std::string_view s) {
    Path p;
    while (true) {
      size_t dot = s.find('.');
      p.segs_.emplace_back(s.substr(0, dot));
      if (dot == std::string_view::npos) break;
      s.remove_prefix(dot + 1);
    }
    p.rebuild();
    return p;
  }
  Path child(std::string_view name) const {
    Path p = *this;
    p.segs_.emplace_back(name);
    p.rebuild();
    return p;
  }
  const sluice_span* data() const { return spans_.data(); }
  size_t depth() const { return segs_.size(); }
  const std::vector<std::string>& segments() const { return segs_; }

 private:
  void rebuild() {
    spans_.clear();
    for (const auto& s : segs_) spans_.push_back(span(s));
  }
  std::vector<std::string> segs_;
  std::vector<sluice_span> spans_;
};

/// Thrown by Record accessors when the host refuses an operation; carries
/// the status (SLUICE_BAD_RECORD for a value that does not convert or a path
/// through a non-object). The boundary thunk returns that status.
class RecordError : public std::runtime_error {
 public:
  RecordError(sluice_status code, const std::string& what) : std::runtime_error(what), code_(code) {}
  sluice_status code() const { return code_; }

 private:
  sluice_status code_;
};

/// A structured value read from or written to a record.
struct Value {
  sluice_type type = SLUICE_TYPE_ABSENT;
  bool b = false;
  int64_t i = 0;  // INT, or member count of OBJECT/ARRAY
  double d = 0;
  std::string s;  // STRING

  static Value null() { Value v; v.type = SLUICE_TYPE_NULL; return v; }
  static Value boolean(bool x) { Value v; v.type = SLUICE_TYPE_BOOL; v.b = x; return v; }
  static Value integer(int64_t x) { Value v; v.type = SLUICE_TYPE_INT; v.i = x; return v; }
  static Value real(double x) { Value v; v.type = SLUICE_TYPE_DOUBLE; v.d = x; return v; }
  static Value string(std::string x) { Value v; v.type = SLUICE_TYPE_STRING; v.s = std::move(x); return v; }
  static Value object() { Value v; v.type = SLUICE_TYPE_OBJECT; return v; }
  bool absent() const { return type == SLUICE_TYPE_ABSENT; }
  bool isNumber() const { return type == SLUICE_TYPE_INT || type == SLUICE_TYPE_DOUBLE; }
  double asDouble() const { return type == SLUICE_TYPE_INT ? static_cast<double>(i) : d; }

  sluice_value toC() const {
    sluice_value v{};
    v.type = type;
    v.b = b;
    v.i = i;
    v.d = d;
    v.str = span(s);
    return v;
  }
};

/// One record of a transform batch. Structured access goes through the host,
/// which parses key or value at most once per pass through the chain.
class Record {
 public:
  Record(const sluice_host_api* host, sluice_rec* rec) : h_(host), r_(rec) {}

  std::string_view topic() const { return view(h_->host_rec_topic(r_)); }
  void setTopic(std::string_view t) { h_->host_rec_set_topic(r_, span(t)); }
  int32_t partition() const { return h_->host_rec_partition(r_); }
  int64_t offset() const { return h_->host_rec_offset(r_); }
  int64_t timestampMs() const { return h_->host_rec_timestamp(r_); }
  void setTimestampMs(int64_t ts) { h_->host_rec_set_timestamp(r_, ts); }

  /// Read a value; throws std::runtime_error when the bytes do not convert.
  Value get(sluice_part part, const Path& path = {}) const {
    sluice_value v{};
    check(h_->host_rec_get(r_, part, path.data(), path.depth(), &v), "read");
    Value out;
    out.type = static_cast<sluice_type>(v.type);
    out.b = v.b != 0;
    out.i = v.i;
    out.d = v.d;
    if (v.type == SLUICE_TYPE_STRING) out.s.assign(v.str.data ? v.str.data : "", v.str.len);
    return out;
  }
  void set(sluice_part part, const Path& path, const Value& value) {
    sluice_value v = value.toC();
    check(h_->host_rec_set(r_, part, path.data(), path.depth(), &v), "set");
  }
  /// Returns false when the field was absent.
  bool remove(sluice_part part, const Path& path) { return removeAt(part, path.data(), path.depth()); }
  void copy(sluice_part fromPart, const Path& from, sluice_part toPart, const Path& to, bool move = false) {
    check(h_->host_rec_copy(r_, fromPart, from.data(), from.depth(), toPart, to.data(),
                            to.depth(), move ? 1 : 0),
          "copy");
  }
  std::string getJson(sluice_part part, const Path& path = {}) const {
    sluice_span out{};
    check(h_->host_rec_get_json(r_, part, path.data(), path.depth(), &out), "serialize");
    return std::string(view(out));
  }
  void setJson(sluice_part part, const Path& path, std::string_view json) {
    check(h_->host_rec_set_json(r_, part, path.data(), path.depth(), span(json)), "set");
  }
  std::vector<std::string> keys(sluice_part part, const Path& path = {}) const {
    std::vector<std::string> out;
    keys(part, path, out);
    return out;
  }
  /// The keys into `out`, reusing its strings: no allocation per record once
  /// it has grown (for transforms that look at every field of every record).
  void keys(sluice_part part, const Path& path, std::vector<std::string>& out) const {
    sluice_span small[32];
    std::vector<sluice_span> big;
    sluice_span* buf = small;
    const sluice_span* p = path.data();
    size_t n = h_->host_rec_keys(r_, part, p, path.depth(), buf, 32);
    if (n > 32) {
      big.resize(n);
      buf = big.data();
      n = h_->host_rec_keys(r_, part, p, path.depth(), buf, n);
    }
    out.resize(n);
    for (size_t i = 0; i < n; ++i) out[i].assign(view(buf[i]));
  }
  /// Remove the top-level field `name` without building a Path; false when
  /// it was absent.
  bool removeField(sluice_part part, std::string_view name) {
    const sluice_span seg = span(name);
    return removeAt(part, &seg, 1);
  }
  std::optional<std::string> raw(sluice_part part) const {
    sluice_span out{};
    check(h_->host_rec_get_raw(r_, part, &out), "serialize");
    if (!out.data) return std::nullopt;
    return std::string(out.data, out.len);
  }
  void setRaw(sluice_part part, std::optional<std::string_view> bytes) {
    check(h_->host_rec_set_raw(r_, part, bytes ? span(*bytes) : nullSpan()), "set");
  }
  bool isTombstone() const {
    sluice_span out{};
    check(h_->host_rec_get_raw(r_, SLUICE_PART_VALUE, &out), "read");
    return out.data == nullptr;
  }

  uint32_t headerCount() const { return h_->host_rec_header_count(r_); }
  std::pair<std::string_view, std::optional<std::string_view>> header(uint32_t i) const {
    sluice_header hd{};
    h_->host_rec_header_at(r_, i, &hd);
    return {view(hd.key), optView(hd.value)};
  }
  bool hasHeader(std::string_view key) const {
    for (uint32_t i = 0, n = headerCount(); i < n; ++i)
      if (header(i).first == key) return true;
    return false;
  }
  void addHeader(std::string_view key, std::optional<std::string_view> value) {
    h_->host_rec_header_add(r_, span(key), value ? span(*value) : nullSpan());
  }
  uint32_t removeHeaders(std::string_view key) { return h_->host_rec_header_remove(r_, span(key)); }
  void drop() { h_->host_rec_drop(r_); }

 private:
  bool removeAt(sluice_part part, const sluice_span* path, size_t depth) {
    sluice_status s = h_->host_rec_remove(r_, part, path, depth);
    if (s == SLUICE_NOT_FOUND) return false;
    check(s, "remove");
    return true;
  }
  static void check(sluice_status s, const char* what) {
    if (s != SLUICE_OK && s != SLUICE_NOT_FOUND)
      throw RecordError(s, std::string("cannot ") + what + " record field" +
                               (s == SLUICE_BAD_RECORD ? ": the value does not convert or the path crosses a non-object" : ""));
  }
  const sluice_host_api* h_;
  sluice_rec* r_;
};

/// The records given to a transform or predicate.
class Batch {
 public:
  Batch(const sluice_host_api* host, sluice_batch* b) : h_(host), b_(b) {}
  size_t size() const { return h_->host_batch_size(b_); }
  Record operator[](size_t i) const { return Record(h_, h_->host_batch_at(b_, i)); }
  /// Add a new record (ABI 1.1); it joins the batch after apply() returns, so
  /// size() does not count it and later stages see it. `topic` is required.
  void emit(const SourceRecord& r) {
    sluice_record rec = toC(r);
    if (h_->host_batch_emit(b_, &rec) != SLUICE_OK)
      throw RecordError(SLUICE_BAD_RECORD, "the host refused a record emitted by a transform (does it have a topic?)");
  }

 private:
  const sluice_host_api* h_;
  sluice_batch* b_;
};

class Transform : public PluginBase {
 public:
  using PluginBase::PluginBase;
  static constexpr sluice_kind kKind = SLUICE_KIND_TRANSFORM;
  /// Edit the batch in place. The default applies `applyOne` to each record.
  virtual Status apply(Batch& batch) {
    for (size_t i = 0, n = batch.size(); i < n; ++i) {
      Record r = batch[i];
      Status s = applyOne(r);
      if (!s.isOk()) return s;
    }
    return Status::ok();
  }
  virtual Status applyOne(Record&) { return Status::ok(); }

  /// The part ($Key / $Value) this instance works on; $Value when unspecified.
  sluice_part part() const {
    return variant() == SLUICE_VARIANT_KEY ? SLUICE_PART_KEY : SLUICE_PART_VALUE;
  }
};

class Predicate : public PluginBase {
 public:
  using PluginBase::PluginBase;
  static constexpr sluice_kind kKind = SLUICE_KIND_PREDICATE;
  virtual bool test(const Record& r) = 0;
};

/// What the descriptor says about a plugin besides its options.
struct PluginInfo {
  const char* name;
  const char* version;
  const char* description;
  const char* aliases = nullptr;  // comma-separated
  uint32_t flags = 0;             // SLUICE_FLAG_*
  uint32_t maxTasks = 0;          // 0 = unlimited
};

// ---------------------------------------------------------------------------
// Boundary thunks: every exception stops here.
// ---------------------------------------------------------------------------
namespace detail {

/// A source that declares `Status commitRecord(const RecordView&)`.
template <class T>
concept CommitsRecords = requires(T& t, const RecordView& r) {
  { t.commitRecord(r) } -> std::same_as<Status>;
};

inline void setError(const sluice_host_api* h, sluice_ctx* ctx, std::string_view msg) {
  h->host_set_error(ctx, msg.data(), msg.size());
}

inline PluginBase* self(sluice_instance* i) { return reinterpret_cast<PluginBase*>(i); }

template <class F>
sluice_status guard(PluginBase* p, F&& f) noexcept {
  try {
    Status s = f();
    if (!s.isOk()) setError(p->host(), p->ctx(), s.message());
    return s.code();
  } catch (const ConfigError& e) {
    setError(p->host(), p->ctx(), e.what());
    return SLUICE_INVALID_CONFIG;
  } catch (const RecordError& e) {
    setError(p->host(), p->ctx(), e.what());
    return e.code();
  } catch (const std::exception& e) {
    setError(p->host(), p->ctx(), e.what());
    return SLUICE_FATAL;
  } catch (...) {
    setError(p->host(), p->ctx(), "unknown exception");
    return SLUICE_FATAL;
  }
}

template <class T>
sluice_status onCreate(const sluice_create_args* a, sluice_instance** out) noexcept {
  try {
    Init init{a->host,
              a->ctx,
              view(a->connector_name),
              a->task_id,
              a->task_count,
              static_cast<sluice_variant>(a->variant),
              Config(a->host, a->ctx)};
    PluginBase* p = new T(init);
    *out = reinterpret_cast<sluice_instance*>(p);
    return SLUICE_OK;
  } catch (const ConfigError& e) {
    setError(a->host, a->ctx, e.what());
    return SLUICE_INVALID_CONFIG;
  } catch (const std::exception& e) {
    setError(a->host, a->ctx, e.what());
    return SLUICE_FATAL;
  } catch (...) {
    setError(a->host, a->ctx, "unknown exception in constructor");
    return SLUICE_FATAL;
  }
}

inline void onDestroy(sluice_instance* i) noexcept { delete self(i); }
inline sluice_status onStart(sluice_instance* i) noexcept {
  return guard(self(i), [&] { return self(i)->start(); });
}
inline sluice_status onStop(sluice_instance* i) noexcept {
  return guard(self(i), [&] { return self(i)->stop(); });
}

template <class T>
const sluice_plugin_descriptor* describe() {
  static const std::string options = optionsToJson(T::options());
  static const PluginInfo info = T::info();
  static sluice_plugin_descriptor d = [] {
    sluice_plugin_descriptor x{};
    x.struct_size = sizeof(sluice_plugin_descriptor);
    x.abi_major = SLUICE_ABI_MAJOR;
    x.abi_minor = SLUICE_ABI_MINOR;
    x.kind = T::kKind;
    x.flags = info.flags;
    x.name = info.name;
    x.version = info.version;
    x.description = info.description;
    x.aliases = info.aliases;
    x.options_json = options.c_str();
    x.max_tasks = info.maxTasks;
    x.on_create = &onCreate<T>;
    x.on_destroy = &onDestroy;
    x.on_start = &onStart;
    x.on_stop = &onStop;
    if constexpr (std::is_base_of_v<SourceTask, T>) {
      x.on_poll = [](sluice_instance* i, sluice_emitter* e, uint32_t max,
                     uint32_t timeout) noexcept -> sluice_status {
        auto* p = static_cast<SourceTask*>(self(i));
        return guard(p, [&] {
          Emitter em(p->host(), e);
          return p->poll(em, max, timeout);
        });
      };
      if constexpr (CommitsRecords<T>) {
        x.on_commit_record = [](sluice_instance* i, const sluice_record* rec) noexcept -> sluice_status {
          auto* p = static_cast<T*>(static_cast<SourceTask*>(self(i)));
          return guard(p, [&] { return p->commitRecord(RecordView(rec)); });
        };
      }
    }
    if constexpr (std::is_base_of_v<SinkTask, T>) {
      x.on_put = [](sluice_instance* i, const sluice_record* const* recs,
                    size_t n) noexcept -> sluice_status {
        auto* p = static_cast<SinkTask*>(self(i));
        return guard(p, [&] { return p->put(std::span<const sluice_record* const>(recs, n)); });
      };
      x.on_flush = [](sluice_instance* i) noexcept -> sluice_status {
        auto* p = static_cast<SinkTask*>(self(i));
        return guard(p, [&] { return p->flush(); });
      };
    }
    if constexpr (std::is_base_of_v<Transform, T>) {
      x.on_apply = [](sluice_instance* i, sluice_batch* b) noexcept -> sluice_status {
        auto* p = static_cast<Transform*>(self(i));
        return guard(p, [&] {
          Batch batch(p->host(), b);
          return p->apply(batch);
        });
      };
    }
    if constexpr (std::is_base_of_v<Predicate, T>) {
      x.on_test = [](sluice_instance* i, sluice_batch* b, uint8_t* results) noexcept
          -> sluice_status {
        auto* p = static_cast<Predicate*>(self(i));
        return guard(p, [&] {
          Batch batch(p->host(), b);
          for (size_t k = 0, n = batch.size(); k < n; ++k) results[k] = p->test(batch[k]) ? 1 : 0;
          return Status::ok();
        });
      };
    }
    return x;
  }();
  return &d;
}

}  // namespace detail
}  // namespace sluice

/// Export CLASS as this library's plugin. Use once per shared library.
#define SLUICE_PLUGIN(CLASS)                                                        \
  extern "C" SLUICE_EXPORT const sluice_plugin_descriptor* sluice_plugin_entry(void) { \
    return ::sluice::detail::describe<CLASS>();                                     \
  }
