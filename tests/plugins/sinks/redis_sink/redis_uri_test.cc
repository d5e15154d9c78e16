// redis-sink's URI parser (plugins/sinks/redis_sink/redis_uri.cc, compiled
// into this test program): every form it takes, and errors that name the
// part that is wrong without ever quoting the password.
#include "plugins/sinks/redis_sink/redis_uri.h"

#include <gtest/gtest.h>

namespace sluice_plugins {
namespace {

RedisUri parse(const std::string& text) {
  std::string error;
  auto u = parseRedisUri(text, error);
  EXPECT_TRUE(u.has_value()) << text << ": " << error;
  return u.value_or(RedisUri{});
}

std::string refuse(const std::string& text) {
  std::string error;
  auto u = parseRedisUri(text, error);
  EXPECT_FALSE(u.has_value()) << text;
  EXPECT_FALSE(error.empty());
  return error;
}

TEST(RedisUriTest, HostPortAndDatabase) {
  auto u = parse("redis://cache.example:6380/3");
  EXPECT_EQ(u.host, "cache.example");
  EXPECT_EQ(u.port, 6380);
  EXPECT_EQ(u.db, 3);
  EXPECT_FALSE(u.password.has_value());
  EXPECT_EQ(u.describe(), "cache.example:6380/3");
  u = parse("redis://10.0.0.5");
  EXPECT_EQ(u.port, 6379);
  EXPECT_EQ(u.db, 0);
  u = parse("redis://[::1]:7000/2");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 7000);
  EXPECT_EQ(u.db, 2);
  EXPECT_EQ(parse("redis://h:1?db=9").db, 9);
}

TEST(RedisUriTest, CredentialsArePercentDecodedAndNeverDescribed) {
  auto u = parse("redis://app%20user:p%40ss:w@rd@127.0.0.1:6379/1");
  EXPECT_EQ(u.user, "app user");
  EXPECT_EQ(u.password, "p@ss:w@rd");  // ends at the last '@'
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.describe().find("p@ss"), std::string::npos);
  u = parse("redis://:only-password@h");
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.password, "only-password");
  u = parse("redis://legacy-secret@h");  // the old password-only form
  EXPECT_EQ(u.user, "");
  EXPECT_EQ(u.password, "legacy-secret");
}

TEST(RedisUriTest, UnixSockets) {
  auto u = parse("unix://:pw@/run/redis/redis.sock?db=4");
  EXPECT_EQ(u.unixPath, "/run/redis/redis.sock");
  EXPECT_EQ(u.db, 4);
  EXPECT_EQ(u.password, "pw");
  EXPECT_EQ(u.describe(), "unix:/run/redis/redis.sock/4");
}

TEST(RedisUriTest, RefusalsNameThePartAndNotThePassword) {
  EXPECT_NE(refuse("http://h:6379").find("must start with redis:// or unix://"), std::string::npos);
  EXPECT_NE(refuse("rediss://h:6379").find("TLS"), std::string::npos);
  EXPECT_NE(refuse("redis://h:port").find("the port 'port' is not a number"), std::string::npos);
  EXPECT_NE(refuse("redis://h:70000").find("out of range"), std::string::npos);
  EXPECT_NE(refuse("redis://h/x").find("the database 'x'"), std::string::npos);
  EXPECT_NE(refuse("redis://h/-1").find("0 or more"), std::string::npos);
  EXPECT_NE(refuse("redis://:6379").find("no host"), std::string::npos);
  EXPECT_NE(refuse("redis://h?timeout=5").find("unknown parameter 'timeout'"), std::string::npos);
  EXPECT_NE(refuse("unix://relative.sock").find("absolute socket path"), std::string::npos);
  std::string e = refuse("redis://u:s3cr%zzet@h");
  EXPECT_NE(e.find("password has a malformed %-escape"), std::string::npos);
  EXPECT_EQ(e.find("s3cr"), std::string::npos);
  e = refuse("redis://u:topsecret@h:bad");
  EXPECT_EQ(e.find("topsecret"), std::string::npos) << e;
}

}  // namespace
}  // namespace sluice_plugins
