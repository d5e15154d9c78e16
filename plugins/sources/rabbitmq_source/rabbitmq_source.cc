#include "rabbitmq_source.h"

#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace sluice_plugins {
namespace {
using sluice::Status;
using Clock = std::chrono::steady_clock;
constexpr amqp_channel_t kChannel = 1;
constexpr uint32_t kAckWaitMs = 10;

std::string_view bytesView(amqp_bytes_t b) { return {static_cast<const char*>(b.bytes), b.len}; }
amqp_bytes_t bytesOf(const std::string& s) { return {s.size(), const_cast<char*>(s.data())}; }

timeval toTimeval(int64_t ms) {
  if (ms < 0) ms = 0;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

template <class T>
void appendNumber(std::string& out, T v) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  if (ec == std::errc()) out.append(buf, p);
}

void appendField(std::string& out, const amqp_field_value_t& f, bool asJson);

// A table as a JSON object (nested tables in headers).
void appendTable(std::string& out, const amqp_table_t& t) {
  out += '{';
  for (int i = 0; i < t.num_entries; ++i) {
    if (i) out += ',';
    out += sluice::jsonString(bytesView(t.entries[i].key));
    out += ':';
    appendField(out, t.entries[i].value, true);
  }
  out += '}';
}

// An AMQP field value as header text: strings and bytes as they are, numbers
// in decimal, booleans as true/false, decimals with their point, timestamps
// as seconds, tables and arrays as JSON. `asJson` quotes strings (inside a
// table or array).
void appendField(std::string& out, const amqp_field_value_t& f, bool asJson) {
  switch (f.kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
      if (asJson) out += sluice::jsonString(bytesView(f.value.bytes));
      else out += bytesView(f.value.bytes);
      break;
    case AMQP_FIELD_KIND_BOOLEAN: out += f.value.boolean ? "true" : "false"; break;
    case AMQP_FIELD_KIND_I8: appendNumber(out, static_cast<int>(f.value.i8)); break;
    case AMQP_FIELD_KIND_U8: appendNumber(out, static_cast<unsigned>(f.value.u8)); break;
    case AMQP_FIELD_KIND_I16: appendNumber(out, f.value.i16); break;
    case AMQP_FIELD_KIND_U16: appendNumber(out, f.value.u16); break;
    case AMQP_FIELD_KIND_I32: appendNumber(out, f.value.i32); break;
    case AMQP_FIELD_KIND_U32: appendNumber(out, f.value.u32); break;
    case AMQP_FIELD_KIND_I64: appendNumber(out, f.value.i64); break;
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP: appendNumber(out, f.value.u64); break;
    case AMQP_FIELD_KIND_F32: appendNumber(out, f.value.f32); break;
    case AMQP_FIELD_KIND_F64: appendNumber(out, f.value.f64); break;
    case AMQP_FIELD_KIND_DECIMAL: {
      std::string digits = std::to_string(f.value.decimal.value);
      size_t d = f.value.decimal.decimals;
      if (d > 0) {
        if (digits.size() <= d) digits.insert(0, d - digits.size() + 1, '0');
        digits.insert(digits.size() - d, ".");
      }
      out += digits;
      break;
    }
    case AMQP_FIELD_KIND_TABLE: appendTable(out, f.value.table); break;
    case AMQP_FIELD_KIND_ARRAY:
      out += '[';
      for (int i = 0; i < f.value.array.num_entries; ++i) {
        if (i) out += ',';
        appendField(out, f.value.array.entries[i], true);
      }
      out += ']';
      break;
    case AMQP_FIELD_KIND_VOID:
    default: out += "null"; break;
  }
}

// Pull an unsigned number that follows `"name":` out of our own offset JSON.
bool numberAfter(std::string_view json, std::string_view name, uint64_t& out) {
  std::string pat = "\"" + std::string(name) + "\":";
  size_t at = json.find(pat);
  if (at == std::string_view::npos) return false;
  const char* b = json.data() + at + pat.size();
  auto [p, ec] = std::from_chars(b, json.data() + json.size(), out);
  return ec == std::errc() && p != b;
}

const char* defaultValueOf(std::string_view key) {
  if (key == "rabbitmq.host") return "localhost";
  if (key == "rabbitmq.port") return "5672";
  if (key == "rabbitmq.virtual.host") return "/";
  if (key == "rabbitmq.username") return "guest";
  if (key == "rabbitmq.password") return "guest";
  return "";
}
}  // namespace

RabbitMqSource::RabbitMqSource(const sluice::Init& init) : SourceTask(init) {
  const sluice::Config& c = config();
  host_ = c.getString("rabbitmq.host", "localhost");
  port_ = static_cast<int>(c.getInt("rabbitmq.port", 5672));
  vhost_ = c.getString("rabbitmq.virtual.host", "/");
  user_ = c.getString("rabbitmq.username", "guest");
  password_ = c.getString("rabbitmq.password", "guest");
  std::string uri = c.getString("rabbitmq.uri");
  if (!uri.empty()) {
    for (const char* key : {"rabbitmq.host", "rabbitmq.port", "rabbitmq.virtual.host", "rabbitmq.username",
                            "rabbitmq.password"}) {
      if (c.getString(key, defaultValueOf(key)) != defaultValueOf(key))
        throw sluice::ConfigError(std::string(key) +
                                  " is set, but rabbitmq.uri already says where and as whom to connect: set one or the other");
    }
    std::vector<char> buf(uri.begin(), uri.end());
    buf.push_back('\0');
    amqp_connection_info info{};
    amqp_default_connection_info(&info);
    // The value is a secret: never quote it.
    if (amqp_parse_url(buf.data(), &info) != AMQP_STATUS_OK)
      throw sluice::ConfigError("rabbitmq.uri is not a valid AMQP URI (expected amqp://user:password@host:port/vhost)");
    if (info.ssl)
      throw sluice::ConfigError("rabbitmq.uri: amqps:// (TLS) is not supported by rabbitmq-source yet; use amqp://");
    host_ = info.host;
    port_ = info.port;
    vhost_ = info.vhost;
    user_ = info.user;
    password_ = info.password;
  }
  if (host_.empty()) throw sluice::ConfigError("rabbitmq.host must not be empty");
  queue_ = c.requireString("rabbitmq.queue");
  declare_ = c.getBool("rabbitmq.queue.declare", false);
  prefetch_ = static_cast<int>(c.getInt("rabbitmq.prefetch.count", 500));
  timeoutMs_ = static_cast<int>(c.getInt("rabbitmq.connection.timeout.ms", 10000));
  heartbeatS_ = static_cast<int>(c.getInt("rabbitmq.requested.heartbeat.seconds", 30));
  topic_ = c.requireString("kafka.topic");
  std::string key = c.getString("kafka.key.source", "none");
  if (key == "none") keySource_ = KeySource::kNone;
  else if (key == "routing.key") keySource_ = KeySource::kRoutingKey;
  else if (key == "message.id") keySource_ = KeySource::kMessageId;
  else if (key == "correlation.id") keySource_ = KeySource::kCorrelationId;
  else if (key == "header") keySource_ = KeySource::kHeader;
  else throw sluice::ConfigError("kafka.key.source must be one of none, routing.key, message.id, correlation.id, header");
  keyHeader_ = c.getString("kafka.key.header");
  if (keySource_ == KeySource::kHeader && keyHeader_.empty())
    throw sluice::ConfigError("kafka.key.header must name a header when kafka.key.source is header");
  partitionJson_ = "{\"queue\":" + sluice::jsonString(queue_) + "}";
}

RabbitMqSource::~RabbitMqSource() { disconnect(false); }

Status RabbitMqSource::start() {
  Status s = connect();
  if (s.code() == SLUICE_RETRIABLE) {
    // Not fatal: the broker may come up later. Polls retry with backoff.
    log(SLUICE_LOG_WARN, "cannot connect to RabbitMQ yet (will retry): " + s.message());
    return Status::ok();
  }
  return s;
}

Status RabbitMqSource::replyStatus(const amqp_rpc_reply_t& r, const char* what) {
  std::string where = std::string(what) + " (" + host_ + ":" + std::to_string(port_) + ", vhost '" + vhost_ + "')";
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL: return Status::ok();
    case AMQP_RESPONSE_NONE: return Status::retriable(where + ": no RPC reply");
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return Status::retriable(where + ": " + amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION: break;
  }
  uint16_t code = 0;
  std::string text;
  if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
    auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
    code = m->reply_code;
    text = std::string(bytesView(m->reply_text));
    amqp_connection_close_ok_t ok{};
    (void)amqp_send_method(conn_, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
  } else if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
    code = m->reply_code;
    text = std::string(bytesView(m->reply_text));
    amqp_channel_close_ok_t ok{};
    (void)amqp_send_method(conn_, kChannel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  }
  std::string msg = where + ": server replied " + std::to_string(code) + " " + text;
  // What a retry cannot fix: refused credentials or permissions (403), a
  // vhost the user may not use (530), no such queue (404), a queue declared
  // with other arguments (406).
  if (code == AMQP_ACCESS_REFUSED || code == AMQP_NOT_ALLOWED || code == AMQP_NOT_FOUND ||
      code == AMQP_PRECONDITION_FAILED) {
    if (code == AMQP_NOT_FOUND && !declare_) msg += " (set rabbitmq.queue.declare=true to create the queue)";
    return Status::fatal(msg);
  }
  return Status::retriable(msg);
}

Status RabbitMqSource::connect() {
  disconnect(false);
  conn_ = amqp_new_connection();
  if (!conn_) return Status::retriable("cannot allocate an AMQP connection");
  amqp_socket_t* sock = amqp_tcp_socket_new(conn_);
  if (!sock) {
    disconnect(false);
    return Status::retriable("cannot create a TCP socket");
  }
  timeval tv = toTimeval(timeoutMs_);
  std::string where = host_ + ":" + std::to_string(port_);
  if (int rc = amqp_socket_open_noblock(sock, host_.c_str(), port_, &tv); rc != AMQP_STATUS_OK) {
    disconnect(false);
    return Status::retriable("cannot connect to RabbitMQ at " + where + ": " + amqp_error_string2(rc));
  }
  (void)amqp_set_handshake_timeout(conn_, &tv);
  (void)amqp_set_rpc_timeout(conn_, &tv);

  // The connection's name in the RabbitMQ management UI and logs.
  std::string name = "sluice " + std::string(connectorName()) + " task " + std::to_string(taskId());
  std::string product = "sluice rabbitmq-source";
  amqp_table_entry_t props[2];
  props[0].key = amqp_cstring_bytes("connection_name");
  props[0].value.kind = AMQP_FIELD_KIND_UTF8;
  props[0].value.value.bytes = bytesOf(name);
  props[1].key = amqp_cstring_bytes("product");
  props[1].value.kind = AMQP_FIELD_KIND_UTF8;
  props[1].value.value.bytes = bytesOf(product);
  amqp_table_t table{2, props};
  amqp_rpc_reply_t r = amqp_login_with_properties(conn_, vhost_.c_str(), 0, AMQP_DEFAULT_FRAME_SIZE, heartbeatS_,
                                                  &table, AMQP_SASL_METHOD_PLAIN, user_.c_str(), password_.c_str());
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    Status s = replyStatus(r, "login");
    // RabbitMQ answers refused credentials by closing the socket during the
    // handshake, which the library reports as a closed connection.
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_CONNECTION_CLOSED)
      s = Status::fatal("login to RabbitMQ at " + where + " as '" + user_ + "' (vhost '" + vhost_ +
                        "') was refused: check rabbitmq.username, rabbitmq.password and rabbitmq.virtual.host");
    disconnect(false);
    return s;
  }
  amqp_channel_open(conn_, kChannel);
  if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL) {
    Status s = replyStatus(r, "channel.open");
    disconnect(false);
    return s;
  }
  amqp_basic_qos(conn_, kChannel, 0, static_cast<uint16_t>(prefetch_), 0);
  if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL) {
    Status s = replyStatus(r, "basic.qos");
    disconnect(false);
    return s;
  }
  // Passive unless asked to declare: a typo in the queue name must be an
  // error, not a new empty queue.
  amqp_queue_declare_ok_t* ok = amqp_queue_declare(conn_, kChannel, bytesOf(queue_), declare_ ? 0 : 1,
                                                   /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL || !ok) {
    Status s = replyStatus(r, ("queue '" + queue_ + "'").c_str());
    disconnect(false);
    return s;
  }
  uint32_t ready = ok->message_count;
  amqp_basic_consume(conn_, kChannel, bytesOf(queue_), amqp_empty_bytes, /*no_local=*/0, /*no_ack=*/0,
                     /*exclusive=*/0, amqp_empty_table);
  if (r = amqp_get_rpc_reply(conn_); r.reply_type != AMQP_RESPONSE_NORMAL) {
    Status s = replyStatus(r, "basic.consume");
    disconnect(false);
    return s;
  }
  ++session_;
  unacked_.clear();
  log(SLUICE_LOG_INFO, "consuming queue '" + queue_ + "' at " + where + " (vhost '" + vhost_ + "', session " +
                           std::to_string(session_) + ", " + std::to_string(ready) + " messages ready, prefetch " +
                           std::to_string(prefetch_) + ")");
  return Status::ok();
}

void RabbitMqSource::disconnect(bool graceful) {
  if (!conn_) return;
  if (graceful) {
    (void)amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
    (void)amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(conn_);
  conn_ = nullptr;
  // Whatever this session did not ack, RabbitMQ requeues and redelivers.
  unacked_.clear();
}

Status RabbitMqSource::commitRecord(const sluice::RecordView& rec) {
  uint64_t session = 0, tag = 0;
  if (!numberAfter(rec.sourceOffset(), "session", session) || !numberAfter(rec.sourceOffset(), "tag", tag))
    return Status::fatal("commitRecord: unexpected source offset " + std::string(rec.sourceOffset()));
  if (session != session_ || !conn_) {
    ++staleCommits_;  // its connection is gone: RabbitMQ redelivers the message
    return Status::ok();
  }
  auto it = std::lower_bound(unacked_.begin(), unacked_.end(), tag,
                             [](const Delivery& d, uint64_t t) { return d.tag < t; });
  if (it != unacked_.end() && it->tag == tag) it->committed = true;
  return Status::ok();
}

Status RabbitMqSource::flushAcks() {
  if (!conn_) return Status::ok();
  size_t n = 0;
  while (n < unacked_.size() && unacked_[n].committed) ++n;
  if (n == 0) return Status::ok();
  uint64_t last = unacked_[n - 1].tag;
  if (int rc = amqp_basic_ack(conn_, kChannel, last, /*multiple=*/1); rc != AMQP_STATUS_OK) {
    std::string why = std::string("basic.ack failed (the connection is gone; RabbitMQ redelivers what was not acked): ") +
                      amqp_error_string2(rc);
    disconnect(false);
    return Status::retriable(why);
  }
  unacked_.erase(unacked_.begin(), unacked_.begin() + static_cast<std::ptrdiff_t>(n));
  acked_ += n;
  return Status::ok();
}

Status RabbitMqSource::handleOtherFrame() {
  amqp_frame_t frame;
  // The frame is already buffered: this does not block.
  if (int rc = amqp_simple_wait_frame(conn_, &frame); rc != AMQP_STATUS_OK) {
    disconnect(false);
    return Status::retriable(std::string("connection to RabbitMQ lost: ") + amqp_error_string2(rc));
  }
  if (frame.frame_type != AMQP_FRAME_METHOD) return Status::ok();
  switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: {
      amqp_rpc_reply_t r{};
      r.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
      r.reply = frame.payload.method;
      Status s = replyStatus(r, "consumer");
      disconnect(false);
      // A broker shutting down (320) or closing the channel for a reason a
      // reconnect can cure is retriable; replyStatus says which.
      return s;
    }
    case AMQP_BASIC_CANCEL_METHOD:
      // The broker cancelled our consumer (the queue was deleted, or a node
      // failed over): reconnecting finds out which.
      disconnect(false);
      return Status::retriable("RabbitMQ cancelled the consumer of queue '" + queue_ + "'");
    default: return Status::ok();  // e.g. basic.ack of publisher confirms: not ours
  }
}

Status RabbitMqSource::poll(sluice::Emitter& out, uint32_t maxRecords, uint32_t timeoutMs) {
  if (!conn_) {
    if (Status s = connect(); !s.isOk()) return s;
  }
  if (Status s = flushAcks(); !s.isOk()) return s;
  // While deliveries wait for Kafka, return soon: the host serves Kafka's
  // acknowledgements only between polls, and RabbitMQ sends nothing more
  // once the prefetch window is full, so a long wait here would stall the
  // flow for the whole timeout.
  uint32_t waitMs = unacked_.empty() ? timeoutMs : std::min(timeoutMs, kAckWaitMs);
  auto deadline = Clock::now() + std::chrono::milliseconds(waitMs);
  uint32_t emitted = 0;
  while (emitted < maxRecords) {
    // Wait for the first message up to the deadline; after that take only
    // what is already there, so a batch goes out as soon as the flow pauses.
    int64_t leftMs = 0;
    if (emitted == 0)
      leftMs = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    timeval tv = toTimeval(leftMs);
    amqp_maybe_release_buffers(conn_);
    amqp_envelope_t env;
    amqp_rpc_reply_t r = amqp_consume_message(conn_, &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      Status s = emit(out, env);
      amqp_destroy_envelope(&env);
      if (!s.isOk()) return s;
      ++emitted;
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) break;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      if (Status s = handleOtherFrame(); !s.isOk()) return emitted ? Status::ok() : s;  // report it at the next poll
      if (!conn_) break;
      continue;
    }
    // Lost connection, heartbeat timeout, socket error. What was emitted
    // stays emitted: its acknowledgements belong to a session that is gone,
    // so RabbitMQ redelivers those messages (duplicates, never loss).
    std::string why = std::string("connection to RabbitMQ lost: ") +
                      (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error)
                                                                      : "unexpected reply");
    disconnect(false);
    if (emitted) {
      log(SLUICE_LOG_WARN, why + "; reconnecting at the next poll");
      return Status::ok();
    }
    return Status::retriable(why);
  }
  return Status::ok();
}

Status RabbitMqSource::emit(sluice::Emitter& out, const amqp_envelope_t& env) {
  const amqp_basic_properties_t& p = env.message.properties;
  headerText_.clear();
  headers_.clear();
  // Every header is two strings in headerText_: reserve so views stay put.
  size_t app = (p._flags & AMQP_BASIC_HEADERS_FLAG) ? static_cast<size_t>(p.headers.num_entries) : 0;
  headerText_.reserve(2 * (app + 16));
  std::vector<bool> null;
  auto add = [&](std::string key, std::string value, bool isNull = false) {
    headerText_.push_back(std::move(key));
    headerText_.push_back(std::move(value));
    null.push_back(isNull);
  };
  auto prop = [&](amqp_flags_t flag, const char* key, amqp_bytes_t v) {
    if (p._flags & flag) add(key, std::string(bytesView(v)));
  };
  prop(AMQP_BASIC_CONTENT_TYPE_FLAG, "rabbitmq.content.type", p.content_type);
  prop(AMQP_BASIC_CONTENT_ENCODING_FLAG, "rabbitmq.content.encoding", p.content_encoding);
  if (p._flags & AMQP_BASIC_DELIVERY_MODE_FLAG) add("rabbitmq.delivery.mode", std::to_string(p.delivery_mode));
  if (p._flags & AMQP_BASIC_PRIORITY_FLAG) add("rabbitmq.priority", std::to_string(p.priority));
  prop(AMQP_BASIC_CORRELATION_ID_FLAG, "rabbitmq.correlation.id", p.correlation_id);
  prop(AMQP_BASIC_REPLY_TO_FLAG, "rabbitmq.reply.to", p.reply_to);
  prop(AMQP_BASIC_EXPIRATION_FLAG, "rabbitmq.expiration", p.expiration);
  prop(AMQP_BASIC_MESSAGE_ID_FLAG, "rabbitmq.message.id", p.message_id);
  if (p._flags & AMQP_BASIC_TIMESTAMP_FLAG) add("rabbitmq.timestamp", std::to_string(p.timestamp));
  prop(AMQP_BASIC_TYPE_FLAG, "rabbitmq.type", p.type);
  prop(AMQP_BASIC_USER_ID_FLAG, "rabbitmq.user.id", p.user_id);
  prop(AMQP_BASIC_APP_ID_FLAG, "rabbitmq.app.id", p.app_id);
  add("rabbitmq.exchange", std::string(bytesView(env.exchange)));
  add("rabbitmq.routing.key", std::string(bytesView(env.routing_key)));
  add("rabbitmq.redelivered", env.redelivered ? "true" : "false");
  std::optional<std::string> headerKey;
  for (size_t i = 0; i < app; ++i) {
    const amqp_table_entry_t& e = p.headers.entries[i];
    std::string value;
    appendField(value, e.value, false);
    bool isNull = e.value.kind == AMQP_FIELD_KIND_VOID;
    if (keySource_ == KeySource::kHeader && !isNull && bytesView(e.key) == keyHeader_) headerKey = value;
    add(std::string(bytesView(e.key)), std::move(value), isNull);
  }
  for (size_t i = 0; i < null.size(); ++i) {
    sluice_header h;
    h.key = sluice::span(headerText_[2 * i]);
    h.value = null[i] ? sluice::nullSpan() : sluice::span(headerText_[2 * i + 1]);
    headers_.push_back(h);
  }

  std::optional<std::string> key;
  switch (keySource_) {
    case KeySource::kNone: break;
    case KeySource::kRoutingKey: key = std::string(bytesView(env.routing_key)); break;
    case KeySource::kMessageId:
      if (p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) key = std::string(bytesView(p.message_id));
      break;
    case KeySource::kCorrelationId:
      if (p._flags & AMQP_BASIC_CORRELATION_ID_FLAG) key = std::string(bytesView(p.correlation_id));
      break;
    case KeySource::kHeader: key = headerKey; break;
  }

  char offset[96];
  int len = std::snprintf(offset, sizeof offset, "{\"session\":%" PRIu64 ",\"tag\":%" PRIu64 "}", session_,
                          static_cast<uint64_t>(env.delivery_tag));
  sluice::SourceRecord rec;
  rec.topic = topic_;
  if (key) rec.key = *key;
  rec.value = std::string_view(env.message.body.len ? static_cast<const char*>(env.message.body.bytes) : "",
                               env.message.body.len);
  // AMQP timestamps are seconds since the epoch.
  if ((p._flags & AMQP_BASIC_TIMESTAMP_FLAG) && p.timestamp > 0 && p.timestamp < INT64_MAX / 1000)
    rec.timestampMs = static_cast<int64_t>(p.timestamp) * 1000;
  rec.sourcePartition = partitionJson_;
  rec.sourceOffset = std::string_view(offset, static_cast<size_t>(len));
  rec.headers = headers_;
  if (Status s = out.emit(rec); !s.isOk()) return s;
  unacked_.push_back({env.delivery_tag, false});
  return Status::ok();
}

Status RabbitMqSource::stop() {
  // The host has waited for outstanding Kafka acknowledgements and passed
  // them to commitRecord: ack those, then leave cleanly. The rest is
  // redelivered to the next consumer.
  if (conn_) {
    Status s = flushAcks();
    if (!s.isOk()) log(SLUICE_LOG_WARN, s.message());
  }
  size_t left = unacked_.size();
  disconnect(true);
  log(SLUICE_LOG_INFO, "stopped: " + std::to_string(acked_) + " messages acked to RabbitMQ, " + std::to_string(left) +
                           " left unacked for redelivery, " + std::to_string(staleCommits_) +
                           " acknowledgements of an earlier connection dropped");
  return Status::ok();
}

}  // namespace sluice_plugins
