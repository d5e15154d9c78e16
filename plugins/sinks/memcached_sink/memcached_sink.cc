#include "memcached_sink.h"

#include <charconv>

#include "../common/sigpipe_guard.h"

namespace sluice_plugins {
namespace {

std::string printable(std::string_view s, size_t max = 80) {
  std::string out;
  for (char c : s.substr(0, max)) out.push_back(static_cast<unsigned char>(c) <= 0x20 ? '?' : c);
  if (s.size() > max) out += "...";
  return out;
}

// Answers that concern the one record; everything else is about the servers
// (unreachable, broken, timed out, out of memory) and retriable.
bool recordError(memcached_return_t rc) {
  switch (rc) {
    case MEMCACHED_E2BIG:
    case MEMCACHED_BAD_KEY_PROVIDED:
    case MEMCACHED_KEY_TOO_BIG:
    case MEMCACHED_NO_KEY_PROVIDED:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_CLIENT_ERROR:
    case MEMCACHED_INVALID_ARGUMENTS:
      return true;
    default:
      return false;
  }
}

}  // namespace

MemcachedSink::MemcachedSink(const sluice::Init& init) : SinkTask(init) {
  for (const std::string& s : config().getList("memcached.servers")) {
    Server srv{s, 11211};
    std::string_view hostport = s;
    size_t colon = hostport.rfind(':');
    if (hostport.starts_with("[")) {  // [::1]:11211
      size_t close = hostport.find(']');
      if (close == std::string_view::npos) throw sluice::ConfigError("memcached.servers: unterminated [ in '" + s + "'");
      srv.host = std::string(hostport.substr(1, close - 1));
      colon = hostport.size() > close + 1 && hostport[close + 1] == ':' ? close + 1 : std::string_view::npos;
    } else if (colon != std::string_view::npos) {
      srv.host = std::string(hostport.substr(0, colon));
    }
    if (colon != std::string_view::npos) {
      std::string_view p = hostport.substr(colon + 1);
      auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), srv.port);
      if (ec != std::errc() || end != p.data() + p.size() || srv.port < 1 || srv.port > 65535)
        throw sluice::ConfigError("memcached.servers: '" + s + "' has no valid port (host:port)");
    }
    if (srv.host.empty()) throw sluice::ConfigError("memcached.servers: '" + s + "' has no host");
    servers_.push_back(srv);
  }
  if (servers_.empty()) throw sluice::ConfigError("memcached.servers names no server (host:port,...)");
  prefix_ = config().getString("memcached.key.prefix");
  if (prefix_.size() >= 250)
    throw sluice::ConfigError("memcached.key.prefix is " + std::to_string(prefix_.size()) +
                              " bytes: no room left for record keys in memcached's 250");
  if (std::string why = checkKey(prefix_); !why.empty()) throw sluice::ConfigError("memcached.key.prefix: " + why);
  ttl_ = static_cast<time_t>(config().getInt("memcached.ttl.seconds", 0));
  timeoutMs_ = static_cast<int>(config().getInt("memcached.timeout.ms", 2000));
}

MemcachedSink::~MemcachedSink() {
  if (mc_) memcached_free(mc_);
}

std::string MemcachedSink::describeServers() const {
  std::string out;
  for (const auto& s : servers_) {
    if (!out.empty()) out += ",";
    out += (s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host) + ":" + std::to_string(s.port);
  }
  return out;
}

std::string MemcachedSink::checkKey(std::string_view key) const {
  // memcached's text protocol: at most 250 bytes, no whitespace or control characters.
  if (key.size() > 250) return "the key is " + std::to_string(key.size()) + " bytes, longer than memcached's 250";
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return "the key has a space or control character, which memcached keys cannot hold";
  }
  return {};
}

sluice::Status MemcachedSink::start() {
  sluice::Status s = open();
  // Whether the servers answer is checked by the first put: a server that is
  // down now is waited for, not an error.
  if (s.isOk()) log(SLUICE_LOG_INFO, "writing to memcached at " + describeServers());
  return s;
}

sluice::Status MemcachedSink::open() {
  if (mc_) memcached_free(mc_);
  mc_ = memcached_create(nullptr);
  if (!mc_) return sluice::Status::fatal("cannot create a libmemcached handle");
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT);
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, static_cast<uint64_t>(timeoutMs_));
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, static_cast<uint64_t>(timeoutMs_));
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_SND_TIMEOUT, static_cast<uint64_t>(timeoutMs_) * 1000);
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, static_cast<uint64_t>(timeoutMs_) * 1000);
  // A failed server is tried again after a second; never dropped from the
  // ring (its keys moving to another server would serve stale values later).
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1);
  memcached_behavior_set(mc_, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 0);
  for (const auto& s : servers_) {
    memcached_return_t rc = memcached_server_add(mc_, s.host.c_str(), static_cast<in_port_t>(s.port));
    if (rc != MEMCACHED_SUCCESS)
      return sluice::Status::fatal("memcached.servers: cannot add " + s.host + ":" + std::to_string(s.port) + ": " +
                                   memcached_strerror(mc_, rc));
  }
  return sluice::Status::ok();
}

sluice::Status MemcachedSink::put(std::span<const sluice_record* const> records) {
  SigpipeGuard guard;
  if (!mc_) {
    if (sluice::Status s = open(); !s.isOk()) return s;
  }
  errant_.clear();
  for (const sluice_record* r : records) {
    if (!r->key.data) {
      errant_.push_back({r, "memcached-sink needs a record key to name the memcached key, and this record has none"});
      continue;
    }
    key_ = prefix_;
    key_.append(r->key.data, r->key.len);
    if (std::string why = checkKey(key_); !why.empty()) {
      errant_.push_back({r, why + " (key '" + printable(key_) + "')"});
      continue;
    }
    const bool tombstone = r->value.data == nullptr;
    memcached_return_t rc =
        tombstone ? memcached_delete(mc_, key_.data(), key_.size(), 0)
                  : memcached_set(mc_, key_.data(), key_.size(), r->value.data, r->value.len, ttl_, 0);
    if (rc == MEMCACHED_SUCCESS || (tombstone && rc == MEMCACHED_NOTFOUND)) continue;
    std::string what = std::string(tombstone ? "delete" : "set") + " of key '" + printable(key_) + "' failed: " +
                       memcached_last_error_message(mc_);
    if (recordError(rc)) {
      errant_.push_back({r, "memcached " + what});
      continue;
    }
    // The servers: start over with a fresh handle, so no server stays marked
    // as failed, and offer the batch again (what was written is rewritten).
    std::string msg = "memcached at " + describeServers() + ": " + what;
    memcached_free(mc_);
    mc_ = nullptr;
    if (!down_) log(SLUICE_LOG_WARN, msg + "; the batch will be written again");
    down_ = true;
    return sluice::Status::retriable(msg);
  }
  if (down_) {
    log(SLUICE_LOG_INFO, "memcached at " + describeServers() + " answers again");
    down_ = false;
  }
  for (const Errant& e : errant_)
    if (!reportErrant(e.record, e.why)) break;  // errors.tolerance=none: the host fails the task
  return sluice::Status::ok();
}

sluice::Status MemcachedSink::flush() { return sluice::Status::ok(); }

sluice::Status MemcachedSink::stop() {
  if (mc_) memcached_free(mc_);
  mc_ = nullptr;
  return sluice::Status::ok();
}

}  // namespace sluice_plugins
