#include "memcached_sink.h"

namespace sluice_plugins {

sluice::PluginInfo MemcachedSink::info() {
  return {.name = "memcached-sink",
          .version = "1.0.0",
          .description = "Writes each record to memcached as key -> value with an optional TTL; tombstones "
                         "delete the key.",
          .aliases = "MemcachedSink"};
}

std::vector<sluice::Option> MemcachedSink::options() {
  using T = sluice::OptionType;
  return {
      {.name = "memcached.servers", .type = T::List, .defaultValue = "127.0.0.1:11211",
       .doc = "Servers as host:port, comma-separated ([v6]:port for IPv6). Keys are spread over them by "
              "consistent hashing (ketama), like every libmemcached client with the same list."},
      {.name = "memcached.key.prefix", .type = T::String, .defaultValue = "",
       .doc = "Prepended to every record key. The whole key must stay within memcached's 250 bytes without "
              "spaces or control characters; a record whose key does not is errant."},
      {.name = "memcached.ttl.seconds", .type = T::Long, .defaultValue = "0",
       .doc = "Expire keys this many seconds after their last write; 0 keeps them until evicted. At most 30 "
              "days (memcached reads larger numbers as a point in time).",
       .min = 0, .max = 2592000},
      {.name = "memcached.timeout.ms", .type = T::Int, .defaultValue = "2000",
       .doc = "Connect, send and receive timeout of each server; a write that times out makes the batch "
              "retriable.",
       .min = 50, .max = 600000},
  };
}

}  // namespace sluice_plugins

SLUICE_PLUGIN(sluice_plugins::MemcachedSink)
