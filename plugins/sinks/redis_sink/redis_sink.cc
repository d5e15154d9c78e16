#include "redis_sink.h"

#include <boost/json.hpp>

#include <cerrno>
#include <deque>
#include <cstring>

#include "../common/sigpipe_guard.h"

namespace sluice_plugins {
namespace {
namespace json = boost::json;

// Error answers by their first word. "Not now" answers make the batch
// retriable; refused credentials or a server without the command end the
// task; everything else belongs to the one record.
enum class ReplyClass { Record, Retriable, Fatal };

ReplyClass classify(std::string_view err) {
  std::string_view word = err.substr(0, err.find(' '));
  for (std::string_view w : {"LOADING", "BUSY", "MASTERDOWN", "READONLY", "TRYAGAIN", "CLUSTERDOWN", "OOM",
                             "NOREPLICAS", "MISCONF", "MOVED", "ASK"})
    if (word == w) return ReplyClass::Retriable;
  for (std::string_view w : {"NOAUTH", "WRONGPASS", "NOPERM"})
    if (word == w) return ReplyClass::Fatal;
  if (err.starts_with("ERR unknown command")) return ReplyClass::Fatal;
  return ReplyClass::Record;
}

const char* commandName(RedisSink::Command c) {
  switch (c) {
    case RedisSink::Command::Set: return "SET";
    case RedisSink::Command::Hset: return "HSET";
    case RedisSink::Command::Xadd: return "XADD";
  }
  return "SET";
}

std::string printable(std::string_view s, size_t max = 80) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(static_cast<unsigned char>(c) < 0x20 ? '?' : c);
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

RedisSink::RedisSink(const sluice::Init& init) : SinkTask(init) {
  std::string error;
  auto uri = parseRedisUri(config().getString("redis.uri"), error);
  if (!uri) throw sluice::ConfigError(error);
  uri_ = *uri;
  std::string cmd = config().getString("redis.command", "SET");
  if (cmd == "SET") command_ = Command::Set;
  else if (cmd == "HSET") command_ = Command::Hset;
  else if (cmd == "XADD") command_ = Command::Xadd;
  else throw sluice::ConfigError("redis.command must be SET, HSET or XADD, not '" + cmd + "'");
  prefix_ = config().getString("redis.key.prefix");
  ttlSeconds_ = config().getInt("redis.ttl.seconds", 0);
  streamKey_ = config().getString("redis.stream.key");
  maxlen_ = config().getInt("redis.stream.maxlen", 0);
  maxlenApproximate_ = config().getBool("redis.stream.maxlen.approximate", true);
  timeoutMs_ = static_cast<int>(config().getInt("redis.timeout.ms", 5000));
  if (command_ == Command::Xadd && ttlSeconds_ > 0)
    throw sluice::ConfigError("redis.ttl.seconds applies to SET and HSET, not to XADD (bound a stream with redis.stream.maxlen)");
  if (command_ != Command::Xadd && maxlen_ > 0)
    throw sluice::ConfigError(std::string("redis.stream.maxlen applies to XADD only, not to ") + commandName(command_));
  if (command_ != Command::Xadd && !streamKey_.empty())
    throw sluice::ConfigError(std::string("redis.stream.key applies to XADD only, not to ") + commandName(command_) +
                              " (the record key names the Redis key)");
  ttlText_ = std::to_string(ttlSeconds_);
  maxlenText_ = std::to_string(maxlen_);
}

RedisSink::~RedisSink() { disconnect(); }

void RedisSink::disconnect() {
  if (c_) redisFree(c_);
  c_ = nullptr;
}

sluice::Status RedisSink::connect() {
  disconnect();
  timeval tv{timeoutMs_ / 1000, (timeoutMs_ % 1000) * 1000};
  redisContext* c = uri_.unixPath.empty() ? redisConnectWithTimeout(uri_.host.c_str(), uri_.port, tv)
                                          : redisConnectUnixWithTimeout(uri_.unixPath.c_str(), tv);
  if (!c) return sluice::Status::retriable("cannot allocate a connection to redis at " + uri_.describe());
  if (c->err) {
    std::string msg = "cannot connect to redis at " + uri_.describe() + ": " + c->errstr;
    redisFree(c);
    return sluice::Status::retriable(msg);
  }
  redisSetTimeout(c, tv);
  if (uri_.unixPath.empty()) redisEnableKeepAlive(c);
  c_ = c;

  // One blocking command; nullptr after an I/O error (the connection is gone).
  auto call = [&](std::vector<std::string> args, std::string& err) -> bool {
    std::vector<const char*> argv;
    std::vector<size_t> argl;
    for (const auto& a : args) {
      argv.push_back(a.data());
      argl.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), argl.data()));
    if (!r) {
      err = std::string("connection lost: ") + c_->errstr;
      return false;
    }
    bool ok = r->type != REDIS_REPLY_ERROR;
    if (!ok) err.assign(r->str, r->len);
    freeReplyObject(r);
    return ok;
  };
  std::string err;
  if (uri_.password) {
    std::vector<std::string> args{"AUTH"};
    if (!uri_.user.empty()) args.push_back(uri_.user);
    args.push_back(*uri_.password);
    if (!call(std::move(args), err)) {
      bool io = c_->err != 0;
      disconnect();
      // The server's answer never contains the password.
      std::string msg = "redis at " + uri_.describe() + " refused the credentials of redis.uri" +
                        (uri_.user.empty() ? "" : " (user '" + uri_.user + "')") + ": " + err;
      if (io || classify(err) == ReplyClass::Retriable) return sluice::Status::retriable(msg);
      return sluice::Status::fatal(msg);
    }
  }
  if (uri_.db != 0 && !call({"SELECT", std::to_string(uri_.db)}, err)) {
    bool io = c_->err != 0;
    disconnect();
    std::string msg = "redis at " + uri_.describe() + " refused SELECT " + std::to_string(uri_.db) + ": " + err;
    if (io || classify(err) == ReplyClass::Retriable) return sluice::Status::retriable(msg);
    return sluice::Status::fatal(msg);
  }
  // Name the connection for CLIENT LIST; a server that refuses is fine.
  std::string name = "sluice:" + std::string(connectorName()) + ":" + std::to_string(taskId());
  for (char& ch : name)
    if (ch == ' ' || static_cast<unsigned char>(ch) < 0x21) ch = '_';
  if (!call({"CLIENT", "SETNAME", name}, err) && c_->err) {
    std::string msg = "lost the connection to redis at " + uri_.describe() + ": " + err;
    disconnect();
    return sluice::Status::retriable(msg);
  }
  return sluice::Status::ok();
}

sluice::Status RedisSink::start() {
  SigpipeGuard guard;
  sluice::Status s = connect();
  if (s.code() == SLUICE_RETRIABLE) {
    // Not fatal: the server may come up later. Every put retries until it does.
    log(SLUICE_LOG_WARN, s.message() + "; records wait until it answers");
    down_ = true;
    return sluice::Status::ok();
  }
  if (s.isOk())
    log(SLUICE_LOG_INFO, std::string("writing with ") + commandName(command_) + " to redis at " + uri_.describe());
  return s;
}

void RedisSink::appendArgs(const sluice_record* r, const char* command) {
  argv_.clear();
  argl_.clear();
  for (std::string_view a : args_) {
    argv_.push_back(a.data());
    argl_.push_back(a.size());
  }
  // Copies the arguments into the output buffer at once: the views may go.
  redisAppendCommandArgv(c_, static_cast<int>(argv_.size()), argv_.data(), argl_.data());
  sent_.push_back({r, command});
}

namespace {
// The value's top-level fields as name/value arguments: strings as they are
// (views into `v`), anything else as compact JSON text (kept in `own`).
void appendFields(const json::object& o, std::vector<std::string_view>& args, std::deque<std::string>& own) {
  for (const auto& [k, val] : o) {
    args.emplace_back(k.data(), k.size());
    if (val.is_string()) {
      args.emplace_back(val.as_string().data(), val.as_string().size());
    } else {
      own.push_back(json::serialize(val));
      args.emplace_back(own.back());
    }
  }
}
}  // namespace

bool RedisSink::append(const sluice_record* r, std::string& why) {
  const bool tombstone = r->value.data == nullptr;
  args_.clear();
  own_.clear();
  if (command_ == Command::Xadd) {
    if (tombstone) return true;  // nothing to delete in a stream
    boost::system::error_code ec;
    json::value v = json::parse(sluice::view(r->value), ec);
    if (ec || !v.is_object()) {
      why = "XADD needs a JSON object value, got " + (ec ? "invalid JSON (" + ec.message() + ")" : std::string("a JSON ") + std::string(json::to_string(v.kind())));
      return false;
    }
    if (v.as_object().empty()) {
      why = "XADD needs at least one field, got an empty JSON object";
      return false;
    }
    key_ = prefix_;
    if (streamKey_.empty()) key_.append(sluice::view(r->topic));
    else key_ += streamKey_;
    args_ = {"XADD", key_};
    if (maxlen_ > 0) {
      args_.emplace_back("MAXLEN");
      if (maxlenApproximate_) args_.emplace_back("~");
      args_.emplace_back(maxlenText_);
    }
    args_.emplace_back("*");
    appendFields(v.as_object(), args_, own_);
    appendArgs(r, "XADD");
    return true;
  }

  if (!r->key.data) {
    why = std::string(commandName(command_)) + " needs a record key to name the Redis key, and this record has none";
    return false;
  }
  key_ = prefix_;
  key_.append(r->key.data, r->key.len);
  if (tombstone) {
    args_ = {"DEL", key_};
    appendArgs(r, "DEL");
    return true;
  }
  if (command_ == Command::Set) {
    args_ = {"SET", key_, sluice::view(r->value)};
    if (ttlSeconds_ > 0) {
      args_.emplace_back("EX");
      args_.emplace_back(ttlText_);
    }
    appendArgs(r, "SET");
    return true;
  }
  boost::system::error_code ec;
  json::value v = json::parse(sluice::view(r->value), ec);
  if (ec || !v.is_object()) {
    why = "HSET needs a JSON object value, got " + (ec ? "invalid JSON (" + ec.message() + ")" : std::string("a JSON ") + std::string(json::to_string(v.kind())));
    return false;
  }
  if (v.as_object().empty()) return true;  // an empty hash is no hash: nothing to merge
  args_ = {"HSET", key_};
  appendFields(v.as_object(), args_, own_);
  appendArgs(r, "HSET");
  if (ttlSeconds_ > 0) {
    args_ = {"EXPIRE", key_, ttlText_};
    appendArgs(r, "EXPIRE");
  }
  return true;
}

sluice::Status RedisSink::put(std::span<const sluice_record* const> records) {
  SigpipeGuard guard;
  if (!c_) {
    sluice::Status s = connect();
    if (!s.isOk()) return s;
  }
  sent_.clear();
  errant_.clear();
  for (const sluice_record* r : records) {
    std::string why;
    if (!append(r, why)) errant_.push_back({r, std::move(why)});
  }
  // The first redisGetReply writes the whole pipeline, then the answers come
  // back in order: one round trip for the batch.
  std::string retriable, fatal;
  for (size_t i = 0; i < sent_.size(); ++i) {
    void* p = nullptr;
    if (redisGetReply(c_, &p) != REDIS_OK || !p) {
      bool timedOut = c_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
      std::string msg = "lost the connection to redis at " + uri_.describe() + " with " +
                        std::to_string(sent_.size() - i) + " of " + std::to_string(sent_.size()) +
                        " commands unanswered: " +
                        (timedOut ? "no answer within redis.timeout.ms=" + std::to_string(timeoutMs_) : std::string(c_->errstr));
      disconnect();
      if (!down_) log(SLUICE_LOG_WARN, msg + "; the batch will be written again");
      down_ = true;
      return sluice::Status::retriable(msg);
    }
    auto* reply = static_cast<redisReply*>(p);
    if (reply->type == REDIS_REPLY_ERROR) {
      std::string err(reply->str, reply->len);
      const Sent& s = sent_[i];
      std::string what = std::string("redis at ") + uri_.describe() + " answered '" + err + "' to " + s.command;
      switch (classify(err)) {
        case ReplyClass::Retriable:
          if (retriable.empty()) retriable = what;
          break;
        case ReplyClass::Fatal:
          if (fatal.empty()) fatal = what;
          break;
        case ReplyClass::Record: {
          std::string key = s.record->key.data ? printable(sluice::view(s.record->key)) : std::string("(no key)");
          errant_.push_back({s.record, what + " for key '" + key + "'"});
          break;
        }
      }
    }
    freeReplyObject(reply);
  }
  if (!fatal.empty()) return sluice::Status::fatal(fatal);
  if (!retriable.empty()) {
    if (!down_) log(SLUICE_LOG_WARN, retriable + "; the batch will be written again");
    down_ = true;
    return sluice::Status::retriable(retriable);
  }
  if (down_) {
    log(SLUICE_LOG_INFO, "redis at " + uri_.describe() + " answers again");
    down_ = false;
  }
  // Only now: a batch that is retried must not report its errant records twice.
  for (const Errant& e : errant_)
    if (!reportErrant(e.record, e.why)) break;  // errors.tolerance=none: the host fails the task
  return sluice::Status::ok();
}

sluice::Status RedisSink::flush() { return sluice::Status::ok(); }

sluice::Status RedisSink::stop() {
  disconnect();
  return sluice::Status::ok();
}

}  // namespace sluice_plugins
