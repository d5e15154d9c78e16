#include "redis_uri.h"

#include <charconv>

namespace sluice_plugins {
namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percentDecode(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hexDigit(in[i + 1]), lo = hexDigit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool parseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string RedisUri::describe() const {
  std::string where = unixPath.empty() ? host + ":" + std::to_string(port) : "unix:" + unixPath;
  return where + "/" + std::to_string(db);
}

std::optional<RedisUri> parseRedisUri(std::string_view text, std::string& error) {
  RedisUri u;
  std::string_view rest;
  bool unix = false;
  if (text.starts_with("redis://")) {
    rest = text.substr(8);
  } else if (text.starts_with("unix://")) {
    rest = text.substr(7);
    unix = true;
  } else if (text.starts_with("rediss://")) {
    error = "redis.uri: rediss:// (TLS) is not supported; use redis:// on a trusted network or a unix:// socket";
    return std::nullopt;
  } else {
    error = "redis.uri must start with redis:// or unix:// (redis://[[user]:password@]host[:port][/db])";
    return std::nullopt;
  }
  // Credentials end at the last '@' (a password may contain '@' unencoded).
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = cred.find(':');
    std::string user, pass;
    if (!percentDecode(cred.substr(0, colon), user)) {
      error = "redis.uri: the user name has a malformed %-escape";
      return std::nullopt;
    }
    u.user = user;
    if (colon != std::string_view::npos) {
      if (!percentDecode(cred.substr(colon + 1), pass)) {
        error = "redis.uri: the password has a malformed %-escape";
        return std::nullopt;
      }
      u.password = pass;
    } else if (!u.user.empty()) {
      // redis://secret@host is the old password-only form.
      u.password = u.user;
      u.user.clear();
    }
  }
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  if (unix) {
    if (rest.empty() || rest.front() != '/') {
      error = "redis.uri: unix:// needs an absolute socket path (unix:///run/redis/redis.sock)";
      return std::nullopt;
    }
    u.unixPath = std::string(rest);
  } else {
    std::string_view hostport = rest, dbPart;
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      hostport = rest.substr(0, slash);
      dbPart = rest.substr(slash + 1);
    }
    std::string_view host = hostport;
    if (hostport.starts_with("[")) {  // [::1]:6379
      size_t close = hostport.find(']');
      if (close == std::string_view::npos) {
        error = "redis.uri: unterminated [ in the host";
        return std::nullopt;
      }
      host = hostport.substr(1, close - 1);
      std::string_view after = hostport.substr(close + 1);
      if (!after.empty()) {
        if (after.front() != ':' || !parseInt(after.substr(1), u.port)) {
          error = "redis.uri: the port is not a number";
          return std::nullopt;
        }
      }
    } else if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
      host = hostport.substr(0, colon);
      if (!parseInt(hostport.substr(colon + 1), u.port)) {
        error = "redis.uri: the port '" + std::string(hostport.substr(colon + 1)) + "' is not a number";
        return std::nullopt;
      }
    }
    if (host.empty()) {
      error = "redis.uri has no host";
      return std::nullopt;
    }
    if (u.port < 1 || u.port > 65535) {
      error = "redis.uri: the port " + std::to_string(u.port) + " is out of range";
      return std::nullopt;
    }
    u.host = std::string(host);
    if (!dbPart.empty() && !parseInt(dbPart, u.db)) {
      error = "redis.uri: the database '" + std::string(dbPart) + "' is not a number";
      return std::nullopt;
    }
  }
  // ?db=N (the only query parameter; unix sockets have no path segment for it).
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (kv.starts_with("db=")) {
      if (!parseInt(kv.substr(3), u.db)) {
        error = "redis.uri: db=" + std::string(kv.substr(3)) + " is not a number";
        return std::nullopt;
      }
    } else if (!kv.empty()) {
      error = "redis.uri: unknown parameter '" + std::string(kv.substr(0, kv.find('='))) + "' (only db=N)";
      return std::nullopt;
    }
  }
  if (u.db < 0) {
    error = "redis.uri: the database must be 0 or more";
    return std::nullopt;
  }
  return u;
}

}  // namespace sluice_plugins
