#pragma once
// memcached-sink: key -> value in memcached (libmemcached), with a TTL;
// tombstones delete the key. Several servers share the keys by consistent
// hashing (ketama), as every libmemcached client of the same list does.
//
// Each record is one acknowledged command (memcached's protocol has no
// acknowledged bulk write that libmemcached exposes: buffered and quiet
// writes drop the per-key answer), so put returns only after the servers
// answered every write, and flush has nothing left to do.
//
// Failures: a server that cannot be reached, breaks the connection, times
// out or answers SERVER_ERROR (out of memory) makes the put retriable; the
// host offers the same batch again, and the sets and deletes already done
// are simply done again, in order. A record memcached cannot store (no key,
// a key longer than 250 bytes or with spaces or control characters, a value
// over the server's item size limit) is reported errant: dead letter queue
// or task failure, by errors.tolerance. memcached keeps nothing on disk: what
// a restarted server lost is not written again (the records were delivered).

#include <sluice/cpp/plugin.hpp>

#include <libmemcached/memcached.h>

#include <string>
#include <vector>

namespace sluice_plugins {

class MemcachedSink final : public sluice::SinkTask {
 public:
  explicit MemcachedSink(const sluice::Init& init);
  ~MemcachedSink() override;
  sluice::Status start() override;
  sluice::Status put(std::span<const sluice_record* const> records) override;
  sluice::Status flush() override;
  sluice::Status stop() override;

  static sluice::PluginInfo info();
  static std::vector<sluice::Option> options();

 private:
  struct Server {
    std::string host;
    int port;
  };
  struct Errant {
    const sluice_record* record;
    std::string why;
  };
  /// A fresh libmemcached handle on the servers (connects lazily).
  sluice::Status open();
  /// Empty when the key can be stored; else why not.
  std::string checkKey(std::string_view key) const;
  std::string describeServers() const;

  std::vector<Server> servers_;
  std::string prefix_;
  time_t ttl_ = 0;
  int timeoutMs_ = 2000;
  memcached_st* mc_ = nullptr;
  bool down_ = false;
  std::string key_;
  std::vector<Errant> errant_;
};

}  // namespace sluice_plugins
