// redis-sink's connection URI: redis://[[user]:password@]host[:port][/db]
// or unix://[[user]:password@]/path/to/socket[?db=N]. User and password
// may be percent-encoded. Errors never quote the password.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice_plugins {

struct RedisUri {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unixPath;  // set for unix://
  int db = 0;
  std::string user;      // empty: the default user
  std::optional<std::string> password;

  /// host:port/db or unix:path/db, for logs: never the credentials.
  std::string describe() const;
};

/// Parses `text`; on failure returns nullopt and sets `error` to a message
/// that names the part that is wrong (and never the password).
std::optional<RedisUri> parseRedisUri(std::string_view text, std::string& error);

}  // namespace sluice_plugins
