#include "redis_sink.h"

namespace sluice_plugins {

sluice::PluginInfo RedisSink::info() {
  return {.name = "redis-sink",
          .version = "1.0.0",
          .description = "Writes records to Redis (SET, HSET or XADD), one pipelined round trip per batch; "
                         "tombstones delete the key.",
          .aliases = "RedisSink"};
}

std::vector<sluice::Option> RedisSink::options() {
  using T = sluice::OptionType;
  return {
      {.name = "redis.uri", .type = T::Password, .defaultValue = "redis://127.0.0.1:6379",
       .doc = "Server to write to: redis://[[user]:password@]host[:port][/db] or "
              "unix://[[user]:password@]/path/to.sock[?db=N]; user and password may be %-encoded. A secret "
              "(shown as [hidden]); ${env:VAR} and ${file:PATH:KEY} work inside it."},
      {.name = "redis.command", .type = T::String, .defaultValue = "SET",
       .doc = "SET: the key (redis.key.prefix + record key) gets the value bytes. HSET: the value's JSON object "
              "fields are merged into the hash at the key (strings as they are, other values as JSON text). XADD: "
              "the value's JSON object fields are appended as an entry to the stream redis.key.prefix + "
              "redis.stream.key (default: the topic). A tombstone (null value) DELs the key under SET and HSET "
              "and is skipped under XADD.",
       .allowed = {"SET", "HSET", "XADD"}},
      {.name = "redis.key.prefix", .type = T::String, .defaultValue = "",
       .doc = "Prepended to every key (SET, HSET) or stream name (XADD), e.g. 'orders:'."},
      {.name = "redis.ttl.seconds", .type = T::Long, .defaultValue = "0",
       .doc = "SET and HSET: expire keys this many seconds after their last write (SET ... EX, HSET then "
              "EXPIRE); 0 keeps them.",
       .min = 0},
      {.name = "redis.stream.key", .type = T::String, .defaultValue = "",
       .doc = "XADD: the stream to append to (after redis.key.prefix); empty: the record's topic."},
      {.name = "redis.stream.maxlen", .type = T::Long, .defaultValue = "0",
       .doc = "XADD: trim the stream to about this many entries on every append (XADD MAXLEN); 0: no trimming.",
       .min = 0},
      {.name = "redis.stream.maxlen.approximate", .type = T::Boolean, .defaultValue = "true",
       .doc = "XADD: trim with MAXLEN ~ (whole macro nodes, much cheaper) rather than to the exact length."},
      {.name = "redis.timeout.ms", .type = T::Int, .defaultValue = "5000",
       .doc = "Connect timeout, and how long a batch may wait for its answers before the connection counts "
              "as broken (the batch is then retried on a new connection).",
       .min = 100, .max = 600000},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::RedisSink)
