// The host services table: what plugins call back into. Every function here
// is noexcept in effect: nothing may throw across the C boundary.
#include "host/abi/host_api.h"

#include <boost/json.hpp>

#include <chrono>
#include <cstring>

#include "host/abi/plugin_instance.h"
#include "host/common/json_util.h"

namespace sluice::runtime {
namespace json = boost::json;
namespace {

InstanceContext* C(sluice_ctx* c) { return reinterpret_cast<InstanceContext*>(c); }
Record* R(sluice_rec* r) { return reinterpret_cast<Record*>(r); }
sluice_span S(std::string_view s) { return sluice_span{s.data(), s.size()}; }
std::string_view V(sluice_span s) { return std::string_view(s.data ? s.data : "", s.len); }
/// Answer SLUICE_FATAL to a plugin's call: the hook it is in fails (see
/// InstanceContext::fault), and the plugin gets `why` as its last error.
sluice_status fatalAnswer(std::string& fault, std::string& lastError, std::string why) {
  if (fault.empty()) fault = why;
  lastError = std::move(why);
  return SLUICE_FATAL;
}
sluice_status fatalAnswer(InstanceContext* c, std::string why) { return fatalAnswer(c->fault, c->lastError, std::move(why)); }
std::string what(const char* call) {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::string(call) + " failed: " + e.what();
  } catch (...) {
    return std::string(call) + " failed";
  }
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void hostLog(sluice_ctx* ctx, int32_t level, const char* msg, size_t len) {
  auto lvl = static_cast<log::Level>(std::clamp<int32_t>(level, 0, 4));
  auto* c = C(ctx);
  if (log::enabled(c->tag, lvl)) log::write(c->tag, lvl, std::string_view(msg ? msg : "", msg ? len : 0));
}

void hostSetError(sluice_ctx* ctx, const char* msg, size_t len) {
  C(ctx)->lastError.assign(msg ? msg : "", msg ? len : 0);
}

int32_t hostConfigGet(sluice_ctx* ctx, const char* key, sluice_span* out) {
  auto* c = C(ctx);
  if (!key) return 0;
  auto it = c->config.find(key);
  if (it == c->config.end()) return 0;
  *out = S(it->second);
  return 1;
}

int32_t hostOffsetGet(sluice_ctx* ctx, sluice_span partition, sluice_span* out) {
  auto* c = C(ctx);
  if (!c->offsetReader) return 0;
  auto canon = jsonutil::canonical(V(partition));
  if (!canon) return 0;
  try {
    auto off = c->offsetReader(*canon);
    if (!off) return 0;
    c->offsetScratch = std::move(*off);
  } catch (...) {
    return 0;
  }
  *out = S(c->offsetScratch);
  return 1;
}

// Partition, timestamp, key, value and headers of a plugin's record; a text
// value (SLUICE_FLAG_TEXT_VALUES) is encoded by `text`, the value converter.
void copyContent(const sluice_record& in, Record& r, const Converter* text = nullptr) {
  r.partition = in.partition;
  // 0 means "now": resolve it here so transforms (TimestampRouter,
  // InsertField timestamp.field) see the time the record will carry.
  r.timestampMs = in.timestamp_ms > 0 ? in.timestamp_ms : nowMs();
  if (in.key.data) r.key = RecordPart(std::string(V(in.key)));
  if (in.value.data) r.value = RecordPart(text ? text->fromText(V(in.value)) : std::string(V(in.value)));
  for (uint32_t i = 0; i < in.header_count; ++i) {
    const auto& h = in.headers[i];
    Header hd{std::string(V(h.key)), std::nullopt};
    if (h.value.data) hd.value = std::string(V(h.value));
    r.headers.push_back(std::move(hd));
  }
}

sluice_status hostEmit(sluice_emitter* e, const sluice_record* in) {
  auto* t = reinterpret_cast<EmitTarget*>(e);
  if (!in || in->struct_size < offsetof(sluice_record, source_offset) + sizeof(sluice_span)) {
    ++t->refused;
    t->lastRefusal = "record struct_size too small";
    return SLUICE_BAD_RECORD;
  }
  try {
    Record r;
    r.ctx = t->rctx;
    r.topic = in->topic.data ? std::string(V(in->topic)) : *t->defaultTopic;
    if (r.topic.empty()) {
      ++t->refused;
      t->lastRefusal = "record has no topic and the connector sets no default topic";
      return SLUICE_BAD_RECORD;
    }
    copyContent(*in, r, t->textValues);
    if (in->source_partition.data && in->source_partition.len) {
      std::string_view raw = V(in->source_partition);
      if (raw != t->partitionRaw || !t->partitionCanonical) {
        auto canon = jsonutil::canonical(raw);
        if (!canon) {
          ++t->refused;
          t->lastRefusal = "source_partition is not valid JSON: " + std::string(raw);
          return SLUICE_BAD_RECORD;
        }
        t->partitionRaw.assign(raw);
        t->partitionCanonical = &*t->partitions.insert(std::move(*canon)).first;
      }
      r.sourcePartition = t->partitionCanonical;
      r.sourceOffset = std::string(V(in->source_offset));
    }
    t->out->push_back(std::move(r));
    return SLUICE_OK;
  } catch (const std::exception& ex) {
    ++t->refused;
    t->lastRefusal = ex.what();
    return SLUICE_FATAL;
  }
}

size_t hostBatchSize(sluice_batch* b) { return reinterpret_cast<BatchView*>(b)->records.size(); }
sluice_rec* hostBatchAt(sluice_batch* b, size_t i) {
  auto* v = reinterpret_cast<BatchView*>(b);
  return i < v->records.size() ? reinterpret_cast<sluice_rec*>(v->records[i]) : nullptr;
}

sluice_span hostRecTopic(sluice_rec* r) { return S(R(r)->topic); }
void hostRecSetTopic(sluice_rec* r, sluice_span t) { R(r)->topic.assign(V(t)); }
int32_t hostRecPartition(sluice_rec* r) { return R(r)->partition; }
int64_t hostRecOffset(sluice_rec* r) { return R(r)->offset; }
int64_t hostRecTimestamp(sluice_rec* r) { return R(r)->timestampMs; }
void hostRecSetTimestamp(sluice_rec* r, int64_t ts) { R(r)->timestampMs = ts; }

// --- structured access --------------------------------------------------

json::value* docOf(Record* r, int32_t part) {
  if (part != SLUICE_PART_KEY && part != SLUICE_PART_VALUE) return nullptr;
  RecordPart& p = r->partRef(part);
  if (json::value* doc = p.parsedDoc()) return doc;  // every access after the first
  static const std::shared_ptr<json::monotonic_resource> kHeap;
  Status err;
  json::value* doc = p.doc(r->converter(part), &err, r->ctx ? r->ctx->arena : kHeap);
  if (!doc && r->ctx) r->ctx->failed = r;  // names the record in the task's error
  return doc;
}

// The part's index (json_index.h), when it answers paths of this depth
// (0: the value itself, 1: a top-level field); nullptr sends the call to the
// document.
JsonIndex* indexOf(Record* r, int32_t part, size_t depth) {
  if (depth > 1 || !r->ctx || !r->ctx->arena) return nullptr;
  if (part != SLUICE_PART_KEY && part != SLUICE_PART_VALUE) return nullptr;
  RecordPart& p = r->partRef(part);
  if (p.parsedDoc()) return nullptr;
  return p.index(r->converter(part), r->ctx->arena);
}

// Walk to the node at path; nullptr when absent.
json::value* walk(json::value* root, const sluice_span* path, size_t depth) {
  json::value* cur = root;
  for (size_t i = 0; i < depth && cur; ++i) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(V(path[i]));
  }
  return cur;
}

// Walk to the parent object of path, creating objects on the way.
json::object* parentFor(json::value* root, const sluice_span* path, size_t depth, bool create) {
  json::value* cur = root;
  for (size_t i = 0; i + 1 < depth; ++i) {
    if (cur->is_null() && create) *cur = json::object();
    if (!cur->is_object()) return nullptr;
    auto& o = cur->as_object();
    json::value* next = o.if_contains(V(path[i]));
    if (!next) {
      if (!create) return nullptr;
      next = &o.emplace(V(path[i]), json::object()).first->value();
    }
    cur = next;
  }
  if (cur->is_null() && create) *cur = json::object();
  return cur->is_object() ? &cur->as_object() : nullptr;
}

void fill(const json::value& v, sluice_value* out) {
  *out = sluice_value{};
  switch (v.kind()) {
    case json::kind::null: out->type = SLUICE_TYPE_NULL; break;
    case json::kind::bool_: out->type = SLUICE_TYPE_BOOL; out->b = v.get_bool(); break;
    case json::kind::int64: out->type = SLUICE_TYPE_INT; out->i = v.get_int64(); break;
    case json::kind::uint64:
      out->type = SLUICE_TYPE_INT;
      out->i = static_cast<int64_t>(v.get_uint64());
      break;
    case json::kind::double_: out->type = SLUICE_TYPE_DOUBLE; out->d = v.get_double(); break;
    case json::kind::string: out->type = SLUICE_TYPE_STRING; out->str = S(v.get_string()); break;
    case json::kind::object:
      out->type = SLUICE_TYPE_OBJECT;
      out->i = static_cast<int64_t>(v.get_object().size());
      break;
    case json::kind::array:
      out->type = SLUICE_TYPE_ARRAY;
      out->i = static_cast<int64_t>(v.get_array().size());
      break;
  }
}

// `out` is built in the storage of the document it goes into (moving a
// value across resources copies it).
bool toJson(const sluice_value* in, json::value* out) {
  switch (in->type) {
    case SLUICE_TYPE_NULL: *out = nullptr; return true;
    case SLUICE_TYPE_BOOL: *out = in->b != 0; return true;
    case SLUICE_TYPE_INT: *out = in->i; return true;
    case SLUICE_TYPE_DOUBLE: *out = in->d; return true;
    case SLUICE_TYPE_STRING: out->emplace_string().assign(V(in->str)); return true;
    case SLUICE_TYPE_OBJECT: out->emplace_object(); return true;
    case SLUICE_TYPE_ARRAY: out->emplace_array(); return true;
  }
  return false;
}

// Place `v` at path (depth 0 = root) of the document `root` of the part.
sluice_status place(Record* r, json::value* root, int32_t part, const sluice_span* path, size_t depth,
                    json::value v) {
  if (depth == 0) {
    *root = std::move(v);
  } else {
    json::object* parent = parentFor(root, path, depth, true);
    if (!parent) return SLUICE_BAD_RECORD;
    parent->insert_or_assign(V(path[depth - 1]), std::move(v));
  }
  r->partRef(part).touch();
  return SLUICE_OK;
}

sluice_status hostRecGet(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                         sluice_value* out) {
  if (JsonIndex* ix = indexOf(R(rec), part, depth)) {
    ix->get(depth, depth ? V(path[0]) : std::string_view(), out);
    return SLUICE_OK;
  }
  json::value* root = docOf(R(rec), part);
  if (!root) return SLUICE_BAD_RECORD;
  json::value* node = walk(root, path, depth);
  if (!node) {
    *out = sluice_value{};
    out->type = SLUICE_TYPE_ABSENT;
    return SLUICE_OK;
  }
  fill(*node, out);
  return SLUICE_OK;
}

sluice_status hostRecSet(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                         const sluice_value* value) {
  if (!value || value->type < SLUICE_TYPE_NULL || value->type > SLUICE_TYPE_ARRAY) return SLUICE_BAD_RECORD;
  if (depth == 1) {
    if (JsonIndex* ix = indexOf(R(rec), part, depth)) {
      ix->set(V(path[0]), *value);
      return SLUICE_OK;
    }
  }
  json::value* root = docOf(R(rec), part);
  if (!root) return SLUICE_BAD_RECORD;
  json::value v(root->storage());
  if (!toJson(value, &v)) return SLUICE_BAD_RECORD;
  return place(R(rec), root, part, path, depth, std::move(v));
}

sluice_status hostRecRemove(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth) {
  Record* r = R(rec);
  if (depth == 1) {
    if (JsonIndex* ix = indexOf(r, part, depth)) return ix->remove(V(path[0])) ? SLUICE_OK : SLUICE_NOT_FOUND;
  }
  json::value* root = docOf(r, part);
  if (!root) return SLUICE_BAD_RECORD;
  if (depth == 0) {
    *root = nullptr;
    r->partRef(part).touch();
    return SLUICE_OK;
  }
  json::object* parent = parentFor(root, path, depth, false);
  if (!parent || parent->erase(V(path[depth - 1])) == 0) return SLUICE_NOT_FOUND;
  r->partRef(part).touch();
  return SLUICE_OK;
}

sluice_status hostRecCopy(sluice_rec* rec, int32_t fromPart, const sluice_span* from,
                          size_t fromDepth, int32_t toPart, const sluice_span* to, size_t toDepth,
                          int32_t move) {
  Record* r = R(rec);
  if (fromPart == toPart && fromDepth == 1 && toDepth == 1) {
    if (JsonIndex* ix = indexOf(r, fromPart, 1))
      return ix->copy(V(from[0]), V(to[0]), move != 0) ? SLUICE_OK : SLUICE_NOT_FOUND;
  }
  json::value* root = docOf(r, fromPart);
  if (!root) return SLUICE_BAD_RECORD;
  json::value* node = walk(root, from, fromDepth);
  if (!node) return SLUICE_NOT_FOUND;
  json::value* target = docOf(r, toPart);
  if (!target) return SLUICE_BAD_RECORD;
  json::value copy(*node, target->storage());  // copy first: source and target may overlap
  if (move) {
    sluice_status s = hostRecRemove(rec, fromPart, from, fromDepth);
    if (s != SLUICE_OK) return s;
  }
  return place(r, target, toPart, to, toDepth, std::move(copy));
}

sluice_status hostRecGetJson(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                             sluice_span* out) {
  Record* r = R(rec);
  if (depth == 1) {
    if (JsonIndex* ix = indexOf(r, part, depth)) {
      std::string_view text;
      if (!ix->json(V(path[0]), &text)) {
        *out = sluice_span{nullptr, 0};
        return SLUICE_NOT_FOUND;
      }
      *out = S(text);
      return SLUICE_OK;
    }
  }
  json::value* root = docOf(r, part);
  if (!root) return SLUICE_BAD_RECORD;
  json::value* node = walk(root, path, depth);
  if (!node) {
    *out = sluice_span{nullptr, 0};
    return SLUICE_NOT_FOUND;
  }
  r->ctx->scratch.push_back(json::serialize(*node));
  *out = S(r->ctx->scratch.back());
  return SLUICE_OK;
}

sluice_status hostRecSetJson(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                             sluice_span text) {
  json::value* root = docOf(R(rec), part);
  if (!root) return SLUICE_BAD_RECORD;
  boost::system::error_code ec;
  json::value v = json::parse(V(text), ec, root->storage());
  if (ec) return SLUICE_BAD_RECORD;
  return place(R(rec), root, part, path, depth, std::move(v));
}

size_t hostRecKeys(sluice_rec* rec, int32_t part, const sluice_span* path, size_t depth,
                   sluice_span* out, size_t cap) {
  if (depth == 0) {
    if (JsonIndex* ix = indexOf(R(rec), part, depth)) return ix->keys(out, cap);
  }
  json::value* root = docOf(R(rec), part);
  if (!root) return 0;
  json::value* node = walk(root, path, depth);
  if (!node || !node->is_object()) return 0;
  const auto& o = node->as_object();
  size_t i = 0;
  for (const auto& kv : o) {
    if (i < cap) out[i] = S(kv.key());
    ++i;
  }
  return o.size();
}

sluice_status hostRecGetRaw(sluice_rec* rec, int32_t part, sluice_span* out) {
  Record* r = R(rec);
  if (part != SLUICE_PART_KEY && part != SLUICE_PART_VALUE) return SLUICE_BAD_RECORD;
  auto b = r->partRef(part).bytes(r->converter(part));
  *out = b ? S(*b) : sluice_span{nullptr, 0};
  return SLUICE_OK;
}

sluice_status hostRecSetRaw(sluice_rec* rec, int32_t part, sluice_span bytes) {
  Record* r = R(rec);
  if (part != SLUICE_PART_KEY && part != SLUICE_PART_VALUE) return SLUICE_BAD_RECORD;
  if (bytes.data) r->partRef(part).setBytes(std::string(V(bytes)));
  else r->partRef(part).setBytes(std::nullopt);
  return SLUICE_OK;
}

uint32_t hostRecHeaderCount(sluice_rec* r) { return static_cast<uint32_t>(R(r)->headers.size()); }
int32_t hostRecHeaderAt(sluice_rec* rec, uint32_t i, sluice_header* out) {
  Record* r = R(rec);
  if (i >= r->headers.size()) return 0;
  const auto& h = r->headers[i];
  out->key = S(h.key);
  out->value = h.value ? S(*h.value) : sluice_span{nullptr, 0};
  return 1;
}
void hostRecHeaderAdd(sluice_rec* rec, sluice_span key, sluice_span value) {
  Header h{std::string(V(key)), std::nullopt};
  if (value.data) h.value = std::string(V(value));
  R(rec)->headers.push_back(std::move(h));
}
uint32_t hostRecHeaderRemove(sluice_rec* rec, sluice_span key) {
  auto& hs = R(rec)->headers;
  auto k = V(key);
  auto before = hs.size();
  std::erase_if(hs, [&](const Header& h) { return h.key == k; });
  return static_cast<uint32_t>(before - hs.size());
}
void hostRecDrop(sluice_rec* rec) { R(rec)->dropped = true; }

// ---- operator state (ABI 1.1) ----

sluice_status noState(InstanceContext* c) {
  return fatalAnswer(c, "operator state is not available to this plugin instance");
}

int32_t hostStateGet(sluice_ctx* ctx, sluice_span key, sluice_span* out) {
  auto* c = C(ctx);
  if (!c->state || !out) return 0;
  try {
    auto v = c->state->get(c->stateScope + std::string(V(key)));
    if (!v) return 0;
    *out = S(*v);
    return 1;
  } catch (const std::exception& e) {
    c->lastError = std::string("operator state read failed: ") + e.what();
    return -1;
  } catch (...) {
    c->lastError = "operator state read failed";
    return -1;
  }
}

sluice_status hostStatePut(sluice_ctx* ctx, sluice_span key, sluice_span value) {
  auto* c = C(ctx);
  if (!c->state) return noState(c);
  try {
    c->state->put(c->stateScope + std::string(V(key)), std::string(V(value)));
    return SLUICE_OK;
  } catch (...) {
    return fatalAnswer(c, what("host_state_put"));
  }
}

sluice_status hostStateDelete(sluice_ctx* ctx, sluice_span key) {
  auto* c = C(ctx);
  if (!c->state) return noState(c);
  try {
    c->state->erase(c->stateScope + std::string(V(key)));
    return SLUICE_OK;
  } catch (...) {
    return fatalAnswer(c, what("host_state_delete"));
  }
}

sluice_status hostStateScan(sluice_ctx* ctx, sluice_span prefix,
                            int32_t (*visit)(void*, sluice_span, sluice_span), void* user) {
  auto* c = C(ctx);
  if (!c->state) return noState(c);
  if (!visit) return fatalAnswer(c, "host_state_scan was called without a visit function");
  try {
    size_t scope = c->stateScope.size();
    c->state->scan(c->stateScope + std::string(V(prefix)), [&](std::string_view k, std::string_view v) {
      return visit(user, S(k.substr(scope)), S(v)) == 0;
    });
    return SLUICE_OK;
  } catch (...) {
    return fatalAnswer(c, what("host_state_scan"));
  }
}

int64_t hostWatermark(sluice_ctx* ctx) {
  auto* c = C(ctx);
  return c->watermark ? *c->watermark : INT64_MIN;
}

sluice_status hostBatchEmit(sluice_batch* b, const sluice_record* in) {
  auto* batch = reinterpret_cast<BatchView*>(b);
  if (!in || in->struct_size < offsetof(sluice_record, header_count) + sizeof(uint32_t) || !in->topic.data ||
      in->topic.len == 0)
    return SLUICE_BAD_RECORD;
  try {
    Record r;
    r.ctx = batch->rctx;
    r.topic = std::string(V(in->topic));
    copyContent(*in, r);
    batch->emitted.push_back(std::move(r));
    return SLUICE_OK;
  } catch (...) {
    std::string ignored;
    return fatalAnswer(batch->fault, ignored, what("host_batch_emit"));
  }
}

sluice_status hostSetTextValues(sluice_ctx* ctx, int32_t text) {
  auto* c = C(ctx);
  if (!c->creating) return fatalAnswer(c, "host_set_text_values was called outside on_create");
  if (c->kind != SLUICE_KIND_SOURCE && c->kind != SLUICE_KIND_SINK)
    return fatalAnswer(c, "host_set_text_values is for sources and sinks");
  c->textValues = text != 0;
  return SLUICE_OK;
}

sluice_status hostReportErrant(sluice_ctx* ctx, const sluice_record* rec, const char* msg, size_t len) {
  auto* c = C(ctx);
  if (!c->errantReporter)
    return fatalAnswer(c, "host_report_errant was called outside on_put (errant records can only be reported from a "
                          "sink's put, about that put's records)");
  try {
    Status s = c->errantReporter(rec, std::string(msg ? msg : "", msg ? len : 0));
    return s ? SLUICE_OK : fatalAnswer(c, s.message());
  } catch (...) {
    return fatalAnswer(c, what("host_report_errant"));
  }
}

const sluice_host_api kApi = [] {
  sluice_host_api a{};
  a.struct_size = sizeof(sluice_host_api);
  a.abi_major = SLUICE_ABI_MAJOR;
  a.abi_minor = SLUICE_ABI_MINOR;
  a.host_log = hostLog;
  a.host_set_error = hostSetError;
  a.host_config_get = hostConfigGet;
  a.host_offset_get = hostOffsetGet;
  a.host_emit = hostEmit;
  a.host_batch_size = hostBatchSize;
  a.host_batch_at = hostBatchAt;
  a.host_rec_topic = hostRecTopic;
  a.host_rec_set_topic = hostRecSetTopic;
  a.host_rec_partition = hostRecPartition;
  a.host_rec_offset = hostRecOffset;
  a.host_rec_timestamp = hostRecTimestamp;
  a.host_rec_set_timestamp = hostRecSetTimestamp;
  a.host_rec_get = hostRecGet;
  a.host_rec_set = hostRecSet;
  a.host_rec_remove = hostRecRemove;
  a.host_rec_copy = hostRecCopy;
  a.host_rec_get_json = hostRecGetJson;
  a.host_rec_set_json = hostRecSetJson;
  a.host_rec_keys = hostRecKeys;
  a.host_rec_get_raw = hostRecGetRaw;
  a.host_rec_set_raw = hostRecSetRaw;
  a.host_rec_header_count = hostRecHeaderCount;
  a.host_rec_header_at = hostRecHeaderAt;
  a.host_rec_header_add = hostRecHeaderAdd;
  a.host_rec_header_remove = hostRecHeaderRemove;
  a.host_rec_drop = hostRecDrop;
  a.host_state_get = hostStateGet;
  a.host_state_put = hostStatePut;
  a.host_state_delete = hostStateDelete;
  a.host_state_scan = hostStateScan;
  a.host_watermark = hostWatermark;
  a.host_batch_emit = hostBatchEmit;
  a.host_report_errant = hostReportErrant;
  a.host_set_text_values = hostSetTextValues;
  return a;
}();

}  // namespace

const sluice_host_api* hostApi() { return &kApi; }

}  // namespace sluice::runtime
